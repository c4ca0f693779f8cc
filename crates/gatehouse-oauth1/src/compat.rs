//! The reference's parameter normalisation, for [`Canonicalization::Compat`]: a PHP
//! associative array built as `parse_str` builds it, re-flattened, its keys sorted with PHP's
//! `strnatcmp`.
//!
//! [`Canonicalization::Compat`]: crate::Canonicalization::Compat

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::encoding::{encode_into, encode_twice_into};

/// Nesting deeper than this is dropped, as PHP drops it (`max_input_nesting_level`).
const MAX_NESTING: usize = 64;

/// The keys below the top-level name: `Some(key)` for `[key]`, `None` for `[]` (append).
type ArrayKeys<'n> = Vec<Option<&'n [u8]>>;

/// A flattened name (`a[b][c]`) and its value, not encoded yet.
type FlatPair = (Vec<u8>, Vec<u8>);

/// A PHP array: keys in insertion order, with an index for lookups.
#[derive(Default)]
struct PhpArray {
    entries: Vec<(Vec<u8>, PhpValue)>,
    index: HashMap<Vec<u8>, usize>,
    next_integer_key: i64,
}

enum PhpValue {
    Scalar(Vec<u8>),
    Array(PhpArray),
}

impl PhpArray {
    /// The slot for `key` (appending a new integer key when `None`), created empty if absent.
    fn slot(&mut self, key: Option<&[u8]>) -> &mut PhpValue {
        let key = match key {
            Some(key) => key.to_vec(),
            None => self.next_integer_key.to_string().into_bytes(),
        };
        if let Some(integer) = php_integer_key(&key) {
            self.next_integer_key = self.next_integer_key.max(integer.saturating_add(1));
        }

        let position = match self.index.get(&key) {
            Some(&position) => position,
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push((key, PhpValue::Scalar(Vec::new())));
                self.entries.len() - 1
            }
        };
        &mut self.entries[position].1
    }

    /// `$array[k1][k2]… = value`, replacing scalars on the way by arrays as PHP does.
    fn assign(&mut self, keys: &[Option<&[u8]>], value: &[u8]) {
        let Some((first, rest)) = keys.split_first() else {
            return;
        };
        let slot = self.slot(*first);
        if rest.is_empty() {
            *slot = PhpValue::Scalar(value.to_vec());
            return;
        }
        if !matches!(slot, PhpValue::Array(_)) {
            *slot = PhpValue::Array(PhpArray::default());
        }
        if let PhpValue::Array(array) = slot {
            array.assign(rest, value);
        }
    }
}

/// The integer a PHP array key string becomes, if it is a canonical decimal integer.
fn php_integer_key(key: &[u8]) -> Option<i64> {
    let digits = key.strip_prefix(b"-").unwrap_or(key);
    let canonical = !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && (digits == b"0" || digits[0] != b'0')
        && key != b"-0";
    if !canonical {
        return None;
    }
    std::str::from_utf8(key).ok()?.parse().ok()
}

/// Splits a query or body name into PHP's array path, as `parse_str` does (PHP 8): leading
/// spaces skipped, the name cut at a NUL byte, ` ` and `.` in the top-level name turned into
/// `_`, `[k]` groups read as keys (`[]` appends), anything after the last `]` ignored, and an
/// unmatched `[` turned into `_` with the rest of the name kept. `None` when PHP drops the
/// parameter (an empty top-level name).
fn php_path(name: &[u8]) -> Option<(Vec<u8>, ArrayKeys<'_>)> {
    let name = match name.iter().position(|&byte| byte == 0) {
        Some(nul) => &name[..nul],
        None => name,
    };
    let start = name
        .iter()
        .position(|&byte| byte != b' ')
        .unwrap_or(name.len());
    let name = &name[start..];

    let bracket = name.iter().position(|&byte| byte == b'[');
    let base_end = bracket.unwrap_or(name.len());
    let mut base: Vec<u8> = name[..base_end]
        .iter()
        .map(|&byte| {
            if byte == b' ' || byte == b'.' {
                b'_'
            } else {
                byte
            }
        })
        .collect();
    if base.is_empty() {
        return None;
    }

    let mut keys: ArrayKeys<'_> = Vec::new();
    let Some(mut open) = bracket else {
        return Some((base, keys));
    };
    loop {
        let index_start = open + 1;
        let Some(length) = name[index_start..].iter().position(|&byte| byte == b']') else {
            if keys.is_empty() {
                // Not an index: the `[` and the rest belong to a plain name.
                base.push(b'_');
                base.extend(name[index_start..].iter().map(|&byte| match byte {
                    b' ' | b'.' | b'[' => b'_',
                    other => other,
                }));
            }
            return Some((base, keys));
        };
        let close = index_start + length;
        keys.push((length > 0).then(|| &name[index_start..close]));
        if keys.len() >= MAX_NESTING || name.get(close + 1) != Some(&b'[') {
            return Some((base, keys));
        }
        open = close + 1;
    }
}

/// Writes the compat-mode normalised parameters, already encoded a second time for the base
/// string. `pairs` are in source order; header names are taken flat, query and body names
/// through `parse_str`'s array syntax.
pub(crate) fn write_parameters<'p>(
    pairs: impl Iterator<Item = (&'p [u8], &'p [u8])>,
    out: &mut Vec<u8>,
) {
    let mut root = PhpArray::default();
    for (name, value) in pairs {
        // Protocol parameters come from the header, where the reference takes names flat.
        if name.starts_with(b"oauth_") {
            root.assign(&[Some(name)], value);
            continue;
        }
        let Some((base, keys)) = php_path(name) else {
            continue;
        };
        let mut path: Vec<Option<&[u8]>> = Vec::with_capacity(keys.len() + 1);
        path.push(Some(&base));
        path.extend(keys);
        root.assign(&path, value);
    }

    // Flatten each top-level entry into `name=value` pairs, grouped under its encoded key.
    let mut groups: Vec<(Vec<u8>, Vec<FlatPair>)> = Vec::with_capacity(root.entries.len());
    for (key, value) in &root.entries {
        let mut encoded_key = Vec::new();
        encode_into(key, &mut encoded_key);
        let mut flattened = Vec::new();
        flatten(key.clone(), value, &mut flattened);
        groups.push((encoded_key, flattened));
    }

    // PHP 8's sort is stable, so keys that strnatcmp finds equal keep their order.
    groups.sort_by(|a, b| strnatcmp(&a.0, &b.0));

    let mut first = true;
    for (_, flattened) in &groups {
        for (name, value) in flattened {
            if !first {
                out.extend_from_slice(b"%26");
            }
            first = false;
            encode_twice_into(name, out);
            out.extend_from_slice(b"%3D");
            encode_twice_into(value, out);
        }
    }
}

/// Emits `(name, value)` for every scalar under `value`, names built as `key[sub][subsub]`.
fn flatten(name: Vec<u8>, value: &PhpValue, out: &mut Vec<FlatPair>) {
    match value {
        PhpValue::Scalar(scalar) => out.push((name, scalar.clone())),
        PhpValue::Array(array) => {
            for (key, child) in &array.entries {
                let mut child_name = name.clone();
                child_name.push(b'[');
                child_name.extend_from_slice(key);
                child_name.push(b']');
                flatten(child_name, child, out);
            }
        }
    }
}

/// PHP's `strnatcmp` (case-sensitive natural order): runs of digits compare by value (a run
/// starting with `0` compares digit by digit, as a fraction), leading zeros of the whole string
/// are skipped, whitespace is skipped, everything else compares byte by byte.
pub(crate) fn strnatcmp(a: &[u8], b: &[u8]) -> Ordering {
    if a.is_empty() || b.is_empty() {
        return a.len().cmp(&b.len());
    }

    let (mut ai, mut bi) = (0, 0);
    let at = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);

    // Leading zeros before another digit are skipped, once, at the start.
    while at(a, ai) == b'0' && at(a, ai + 1).is_ascii_digit() {
        ai += 1;
    }
    while at(b, bi) == b'0' && at(b, bi + 1).is_ascii_digit() {
        bi += 1;
    }

    loop {
        while ai < a.len() && at(a, ai).is_ascii_whitespace() {
            ai += 1;
        }
        while bi < b.len() && at(b, bi).is_ascii_whitespace() {
            bi += 1;
        }
        let (mut ca, mut cb) = (at(a, ai), at(b, bi));

        if ca.is_ascii_digit() && cb.is_ascii_digit() {
            let fractional = ca == b'0' || cb == b'0';
            let result = if fractional {
                compare_left(a, &mut ai, b, &mut bi)
            } else {
                compare_right(a, &mut ai, b, &mut bi)
            };
            if result != Ordering::Equal {
                return result;
            }
            match (ai == a.len(), bi == b.len()) {
                (true, true) => return Ordering::Equal,
                (true, false) => return Ordering::Less,
                (false, true) => return Ordering::Greater,
                (false, false) => {
                    ca = at(a, ai);
                    cb = at(b, bi);
                }
            }
        }

        match ca.cmp(&cb) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        ai += 1;
        bi += 1;
        match (ai >= a.len(), bi >= b.len()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
    }
}

/// Compares two digit runs aligned on the right: the longer run wins, else the first
/// differing digit.
fn compare_right(a: &[u8], ai: &mut usize, b: &[u8], bi: &mut usize) -> Ordering {
    let mut bias = Ordering::Equal;
    loop {
        let da = a.get(*ai).filter(|byte| byte.is_ascii_digit());
        let db = b.get(*bi).filter(|byte| byte.is_ascii_digit());
        match (da, db) {
            (None, None) => return bias,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                if bias == Ordering::Equal {
                    bias = x.cmp(y);
                }
            }
        }
        *ai += 1;
        *bi += 1;
    }
}

/// Compares two digit runs aligned on the left (fractional parts): the first differing digit
/// wins.
fn compare_left(a: &[u8], ai: &mut usize, b: &[u8], bi: &mut usize) -> Ordering {
    loop {
        let da = a.get(*ai).filter(|byte| byte.is_ascii_digit());
        let db = b.get(*bi).filter(|byte| byte.is_ascii_digit());
        match (da, db) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => match x.cmp(y) {
                Ordering::Equal => {}
                unequal => return unequal,
            },
        }
        *ai += 1;
        *bi += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalised(pairs: &[(&str, &str)]) -> String {
        let mut out = Vec::new();
        write_parameters(
            pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
            &mut out,
        );
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strnatcmp_matches_php() {
        use Ordering::*;
        // Expected values from PHP's strnatcmp.
        let cases: &[(&str, &str, Ordering)] = &[
            ("p9", "p10", Less),
            ("p10", "p9", Greater),
            ("img12", "img10", Greater),
            ("a", "a", Equal),
            ("a", "b", Less),
            ("B", "a", Less),
            ("a", "ab", Less),
            ("", "a", Less),
            ("x2-g8", "x2-y7", Less),
            ("x2-y08", "x2-y7", Less),
            ("1.010", "1.02", Less),
            ("1.002", "1.02", Less),
            ("007", "7", Equal),
            ("a01", "a1", Less),
            ("%5B10", "%5B9", Greater),
        ];
        for &(a, b, expected) in cases {
            assert_eq!(
                strnatcmp(a.as_bytes(), b.as_bytes()),
                expected,
                "{a} vs {b}"
            );
        }
    }

    #[test]
    fn php_paths_follow_parse_str() {
        let path = |name: &str| {
            php_path(name.as_bytes()).map(|(base, keys)| {
                let keys: Vec<String> = keys
                    .iter()
                    .map(|k| {
                        k.map_or("<next>".to_owned(), |k| {
                            String::from_utf8_lossy(k).into_owned()
                        })
                    })
                    .collect();
                (String::from_utf8(base).unwrap(), keys)
            })
        };
        assert_eq!(path("a"), Some(("a".into(), vec![])));
        assert_eq!(path("a.b c"), Some(("a_b_c".into(), vec![])));
        assert_eq!(path("  lead"), Some(("lead".into(), vec![])));
        assert_eq!(
            path("a[b][]"),
            Some(("a".into(), vec!["b".into(), "<next>".into()]))
        );
        assert_eq!(path("a[b]tail"), Some(("a".into(), vec!["b".into()])));
        assert_eq!(path("a[b.c]"), Some(("a".into(), vec!["b.c".into()])));
        assert_eq!(path("a[b"), Some(("a_b".into(), vec![])));
        assert_eq!(path("a[b.[c"), Some(("a_b__c".into(), vec![])));
        assert_eq!(path("a[b][c"), Some(("a".into(), vec!["b".into()])));
        assert_eq!(path("x\0y"), Some(("x".into(), vec![])));
        assert_eq!(path("[a]"), None);
        assert_eq!(path(""), None);
    }

    #[test]
    fn repeated_names_keep_the_last_value_in_the_first_position() {
        assert_eq!(
            normalised(&[("a", "1"), ("b", "x"), ("a", "2")]),
            "a%3D2%26b%3Dx"
        );
    }

    #[test]
    fn arrays_are_rebuilt_and_reflattened() {
        assert_eq!(
            normalised(&[
                ("f[]", "x"),
                ("f[]", "y"),
                ("g[k]", "1"),
                ("g[j]", "2"),
                ("g[k]", "3")
            ]),
            "f%255B0%255D%3Dx%26f%255B1%255D%3Dy%26g%255Bk%255D%3D3%26g%255Bj%255D%3D2"
        );
        // A scalar replaced by an array and the other way round, as PHP assigns.
        assert_eq!(normalised(&[("a", "1"), ("a[b]", "2")]), "a%255Bb%255D%3D2");
        assert_eq!(normalised(&[("a[b]", "2"), ("a", "1")]), "a%3D1");
        // Explicit integer keys move the next append index.
        assert_eq!(
            normalised(&[("l[5]", "a"), ("l[]", "b")]),
            "l%255B5%255D%3Da%26l%255B6%255D%3Db"
        );
    }

    #[test]
    fn top_level_keys_sort_naturally() {
        assert_eq!(
            normalised(&[("p10", "c"), ("p9", "b"), ("P1", "a"), ("p1", "z")]),
            "P1%3Da%26p1%3Dz%26p9%3Db%26p10%3Dc"
        );
    }

    #[test]
    fn integer_keys_are_recognised_like_php() {
        assert_eq!(php_integer_key(b"5"), Some(5));
        assert_eq!(php_integer_key(b"-3"), Some(-3));
        assert_eq!(php_integer_key(b"0"), Some(0));
        assert_eq!(php_integer_key(b"05"), None);
        assert_eq!(php_integer_key(b"-0"), None);
        assert_eq!(php_integer_key(b"99999999999999999999"), None);
        assert_eq!(php_integer_key(b"x"), None);
    }
}
