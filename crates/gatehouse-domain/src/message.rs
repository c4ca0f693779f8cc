//! Reference messages: a template with `%name` or `%1` placeholders and the values that fill them.
//!
//! The REST API sends template and values apart (`{"message": …, "parameters": …}`); the OAuth
//! token endpoints send the rendered text. Keeping both forms here means every crate words its
//! refusals exactly as the reference does, once.

use std::borrow::Cow;
use std::fmt;

/// A message template and its parameters, in the order they were given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The template, word for word as the reference has it, placeholders included.
    pub template: Cow<'static, str>,
    /// Placeholder names (without `%`) and their values.
    pub parameters: Vec<(Cow<'static, str>, String)>,
}

impl Message {
    /// A message without placeholders.
    pub fn new(template: impl Into<Cow<'static, str>>) -> Self {
        Self {
            template: template.into(),
            parameters: Vec::new(),
        }
    }

    /// Adds the value of placeholder `%name`.
    pub fn with(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        self.parameters.push((name.into(), value.into()));
        self
    }

    /// The template with every placeholder replaced by its value.
    ///
    /// Longer names are replaced first, so `%10` is never read as `%1` followed by `0`.
    pub fn render(&self) -> String {
        let mut ordered: Vec<&(Cow<'static, str>, String)> = self.parameters.iter().collect();
        ordered.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        let mut text = self.template.to_string();
        for (name, value) in ordered {
            text = text.replace(&format!("%{name}"), value);
        }
        text
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_named_and_numbered_placeholders() {
        let message = Message::new("The integration with name \"%1\" exists.").with("1", "shop");
        assert_eq!(
            message.render(),
            "The integration with name \"shop\" exists."
        );

        let message = Message::new("\"%fieldName\" is required. Enter and try again.")
            .with("fieldName", "username");
        assert_eq!(
            message.to_string(),
            "\"username\" is required. Enter and try again."
        );
    }
}
