//! Line numbers of byte offsets, for the `file:line` errors of the XML readers.

/// The offsets of every newline of a text, so that the line of any byte offset is found by a
/// binary search instead of by counting from the start (which made reading a large file
/// quadratic in its size).
#[derive(Debug, Clone)]
pub struct LineIndex {
    newlines: Vec<usize>,
    len: usize,
}

impl LineIndex {
    /// Indexes `text` in one pass.
    pub fn new(text: &str) -> Self {
        let newlines = text
            .bytes()
            .enumerate()
            .filter_map(|(offset, byte)| (byte == b'\n').then_some(offset))
            .collect();
        Self {
            newlines,
            len: text.len(),
        }
    }

    /// The 1-based line of byte `position`; positions past the end count as the last line.
    pub fn line_at(&self, position: u64) -> usize {
        let end = usize::try_from(position)
            .unwrap_or(usize::MAX)
            .min(self.len);
        self.newlines.partition_point(|&newline| newline < end) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_the_newlines_before_the_offset() {
        let index = LineIndex::new("a\nbc\n\nd");
        assert_eq!(index.line_at(0), 1);
        assert_eq!(index.line_at(1), 1, "the newline itself ends line 1");
        assert_eq!(index.line_at(2), 2);
        assert_eq!(index.line_at(5), 3);
        assert_eq!(index.line_at(6), 4);
        assert_eq!(index.line_at(u64::MAX), 4);
        assert_eq!(LineIndex::new("").line_at(10), 1);
    }
}
