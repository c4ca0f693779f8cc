//! Reading the reference's `acl.xml` format into resource declarations.
//!
//! The layout is `<config><acl><resources>` holding nested `<resource id="…" title="…"
//! sortOrder="…"/>` elements. The reader is strict about that layout (as the reference's schema
//! is) and reports every problem with the file name and the line where it starts. It never
//! builds a structure deeper than [`MAX_DEPTH`], so later recursive walks stay shallow whatever
//! the input.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::error::AclError;
use crate::lines::LineIndex;
use crate::ROOT;

/// How deeply `<resource>` elements may nest in one file. The reference's deepest branch is
/// about eight levels; the bound keeps hostile input from exhausting the stack.
pub const MAX_DEPTH: usize = 64;

/// One `<resource>` element as a file declares it. Attributes the file leaves out are `None`,
/// so that merging keeps what an earlier file said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Declaration {
    pub id: String,
    pub title: Option<String>,
    pub sort_order: Option<i64>,
    pub disabled: Option<bool>,
    pub children: Vec<Declaration>,
}

/// Whether `id` is shaped `Vendor_Module::thing`, as the reference's schema requires: vendor and
/// module each an ASCII capital followed by at least one letter or digit, and a non-empty thing
/// of letters, digits and underscores.
pub fn is_valid_resource_id(id: &str) -> bool {
    let Some((module_path, thing)) = id.split_once("::") else {
        return false;
    };
    let Some((vendor, module)) = module_path.split_once('_') else {
        return false;
    };

    let is_name = |part: &str| {
        let mut chars = part.chars();
        let first_is_capital = chars.next().is_some_and(|c| c.is_ascii_uppercase());
        first_is_capital && part.len() >= 2 && chars.all(|c| c.is_ascii_alphanumeric())
    };
    let is_thing =
        !thing.is_empty() && thing.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');

    is_name(vendor) && is_name(module) && is_thing
}

/// Where the reader is in the expected layout.
enum Frame {
    Config,
    Acl,
    Resources,
    Resource(Declaration),
}

/// An element that is open, with what is needed to report it if it is never closed.
struct OpenElement {
    frame: Frame,
    name: String,
    line: usize,
}

/// Reads one `acl.xml` text; `source_name` names it in errors. Returns the top-level
/// declarations in file order.
pub(crate) fn parse_acl_xml(source_name: &str, xml: &str) -> Result<Vec<Declaration>, AclError> {
    let mut parser = Parser {
        source_name,
        xml,
        lines: LineIndex::new(xml),
        open: Vec::new(),
        top_level: Vec::new(),
        seen_root: false,
    };
    parser.run()?;
    Ok(parser.top_level)
}

/// The state of one parse.
struct Parser<'a> {
    source_name: &'a str,
    xml: &'a str,
    lines: LineIndex,
    open: Vec<OpenElement>,
    top_level: Vec<Declaration>,
    seen_root: bool,
}

impl Parser<'_> {
    fn run(&mut self) -> Result<(), AclError> {
        let mut reader = Reader::from_str(self.xml);

        loop {
            // Whitespace is not trimmed, so the position before an event is where its markup
            // starts: that is the line to report.
            let start = reader.buffer_position();
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(error) => {
                    let line = self.line_at(reader.error_position());
                    return Err(self.invalid(line, format!("malformed xml: {error}")));
                }
            };
            let line = self.line_at(start);

            match event {
                Event::Start(tag) => self.open(&tag, line)?,
                Event::Empty(tag) => {
                    self.open(&tag, line)?;
                    self.close();
                }
                Event::End(_) => self.close(),
                Event::Text(text) => self.expect_blank(&text, line)?,
                Event::CData(data) => self.expect_blank(&data, line)?,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Eof => break,
            }
        }

        if let Some(unclosed) = self.open.last() {
            let reason = format!("<{}> is not closed", unclosed.name);
            return Err(self.invalid(unclosed.line, reason));
        }
        if !self.seen_root {
            let line = self.line_at(self.xml.len() as u64);
            return Err(self.invalid(line, "no <config> element".to_string()));
        }
        Ok(())
    }

    /// Handles a start tag: checks it belongs where it is and remembers it.
    fn open(&mut self, tag: &BytesStart<'_>, line: usize) -> Result<(), AclError> {
        let local_name = tag.local_name();
        let name = String::from_utf8_lossy(local_name.as_ref()).into_owned();

        let frame = match self.open.last().map(|element| &element.frame) {
            None if self.seen_root => {
                return Err(self.invalid(line, format!("<{name}> after the root element")));
            }
            None if name == "config" => {
                self.seen_root = true;
                Frame::Config
            }
            None => {
                let reason = format!("root element is <{name}>, expected <config>");
                return Err(self.invalid(line, reason));
            }
            Some(Frame::Config) if name == "acl" => Frame::Acl,
            Some(Frame::Acl) if name == "resources" => Frame::Resources,
            Some(Frame::Resources | Frame::Resource(_)) if name == "resource" => {
                if self.resource_depth() >= MAX_DEPTH {
                    let reason = format!("resources nest deeper than {MAX_DEPTH} levels");
                    return Err(self.invalid(line, reason));
                }
                Frame::Resource(self.declaration(tag, line)?)
            }
            Some(parent) => {
                let (parent_name, expected) = match parent {
                    Frame::Config => ("config", "acl"),
                    Frame::Acl => ("acl", "resources"),
                    Frame::Resources => ("resources", "resource"),
                    Frame::Resource(_) => ("resource", "resource"),
                };
                let reason =
                    format!("unexpected <{name}> in <{parent_name}>, expected <{expected}>");
                return Err(self.invalid(line, reason));
            }
        };

        self.open.push(OpenElement { frame, name, line });
        Ok(())
    }

    /// Handles an end tag (quick-xml has checked that it matches): a finished resource joins
    /// its parent, or the top level.
    fn close(&mut self) {
        let Some(element) = self.open.pop() else {
            return;
        };
        let Frame::Resource(declaration) = element.frame else {
            return;
        };

        match self.open.last_mut() {
            Some(OpenElement {
                frame: Frame::Resource(parent),
                ..
            }) => parent.children.push(declaration),
            _ => self.top_level.push(declaration),
        }
    }

    /// How many `<resource>` elements are open.
    fn resource_depth(&self) -> usize {
        self.open
            .iter()
            .filter(|element| matches!(element.frame, Frame::Resource(_)))
            .count()
    }

    /// Reads the attributes of a `<resource>` tag. Unknown attributes (`translate`, schema
    /// attributes) are ignored, as the reference's loader ignores them.
    fn declaration(&self, tag: &BytesStart<'_>, line: usize) -> Result<Declaration, AclError> {
        let mut id = None;
        let mut title = None;
        let mut sort_order = None;
        let mut disabled = None;

        for attribute in tag.attributes() {
            let attribute = attribute
                .map_err(|error| self.invalid(line, format!("malformed attribute: {error}")))?;
            let value = attribute.unescape_value().map_err(|error| {
                self.invalid(line, format!("malformed attribute value: {error}"))
            })?;

            match attribute.key.as_ref() {
                b"id" => id = Some(value.into_owned()),
                b"title" => title = Some(value.into_owned()),
                b"sortOrder" => sort_order = Some(self.sort_order(&value, line)?),
                b"disabled" => disabled = Some(self.flag(&value, line)?),
                _ => {}
            }
        }

        let Some(id) = id else {
            return Err(self.invalid(line, "<resource> has no id attribute".to_string()));
        };
        if !is_valid_resource_id(&id) {
            let reason = format!("resource id \"{id}\" is not shaped Vendor_Module::thing");
            return Err(self.invalid(line, reason));
        }
        if id == ROOT && disabled == Some(true) {
            return Err(self.invalid(line, format!("the root resource {ROOT} cannot be disabled")));
        }

        Ok(Declaration {
            id,
            title,
            sort_order,
            disabled,
            children: Vec::new(),
        })
    }

    fn sort_order(&self, value: &str, line: usize) -> Result<i64, AclError> {
        value
            .trim()
            .parse()
            .map_err(|_| self.invalid(line, format!("sortOrder \"{value}\" is not an integer")))
    }

    fn flag(&self, value: &str, line: usize) -> Result<bool, AclError> {
        match value.trim() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(self.invalid(line, format!("disabled \"{value}\" is not a boolean"))),
        }
    }

    /// Only whitespace may stand between elements.
    fn expect_blank(&self, content: &[u8], line: usize) -> Result<(), AclError> {
        if content.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }

        // The text event starts where the previous markup ended; point at its first visible
        // character instead.
        let leading_lines = content
            .iter()
            .take_while(|byte| byte.is_ascii_whitespace())
            .filter(|byte| **byte == b'\n')
            .count();
        Err(self.invalid(line + leading_lines, "unexpected text".to_string()))
    }

    /// The 1-based line of a byte offset.
    fn line_at(&self, position: u64) -> usize {
        self.lines.line_at(position)
    }

    fn invalid(&self, line: usize, reason: String) -> AclError {
        AclError::Invalid {
            file: self.source_name.to_string(),
            line,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_text(xml: &str) -> String {
        match parse_acl_xml("test.xml", xml) {
            Ok(declarations) => panic!("expected an error, parsed {declarations:?}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn resource_id_shapes() {
        for good in [
            "Magento_Backend::admin",
            "Magento_Sales::sales_order",
            "Ab_Cd::x",
            "Vendor2_Module3::Thing_1",
        ] {
            assert!(is_valid_resource_id(good), "{good}");
        }
        for bad in [
            "",
            "anonymous",
            "self",
            "Magento::admin",
            "magento_Backend::admin",
            "Magento_backend::admin",
            "Magento_Backend::",
            "Magento_Backend:admin",
            "M_Backend::admin",
            "Magento_Back_end::admin",
            "Magento_Backend::ad-min",
            "Magento_Backend::a::b",
            "Mägento_Backend::admin",
        ] {
            assert!(!is_valid_resource_id(bad), "{bad}");
        }
    }

    #[test]
    fn reads_nesting_attributes_and_entities() {
        let xml = r#"<?xml version="1.0"?>
<!-- a comment -->
<config xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
        xsi:noNamespaceSchemaLocation="urn:magento:framework:Acl/etc/acl.xsd">
  <acl>
    <resources>
      <resource id="Magento_Backend::admin">
        <resource id="Vendor_Shop::top" title="Tops &amp; Bottoms" translate="title"
                  sortOrder=" 15 " disabled="0">
          <resource id="Vendor_Shop::leaf"/>
        </resource>
      </resource>
    </resources>
  </acl>
</config>
"#;
        let declarations = parse_acl_xml("test.xml", xml).expect("valid");
        assert_eq!(declarations.len(), 1);
        let admin = &declarations[0];
        assert_eq!(admin.id, "Magento_Backend::admin");
        assert_eq!(admin.title, None);
        assert_eq!(admin.sort_order, None);

        let top = &admin.children[0];
        assert_eq!(top.title.as_deref(), Some("Tops & Bottoms"));
        assert_eq!(top.sort_order, Some(15));
        assert_eq!(top.disabled, Some(false));
        assert_eq!(top.children[0].id, "Vendor_Shop::leaf");
        assert!(top.children[0].children.is_empty());
    }

    #[test]
    fn layout_errors_name_the_line() {
        assert_eq!(
            error_text("<acl/>"),
            "test.xml:1: root element is <acl>, expected <config>"
        );
        assert_eq!(
            error_text("<config>\n  <resources/>\n</config>"),
            "test.xml:2: unexpected <resources> in <config>, expected <acl>"
        );
        assert_eq!(
            error_text("<config><acl><resources>\n\n<resource id=\"Ab_Cd::x\">words</resource>"),
            "test.xml:3: unexpected text"
        );
        assert_eq!(
            error_text("<config><acl>\n<resources>\n<resource id=\"Ab_Cd::x\">"),
            "test.xml:3: <resource> is not closed"
        );
        assert_eq!(
            error_text("<config/>\n<config/>"),
            "test.xml:2: <config> after the root element"
        );
        assert_eq!(error_text("  \n"), "test.xml:2: no <config> element");
        assert_eq!(
            error_text("<config><acl><resources>\n<resource id=\"Ab_Cd::x\" sortOrder=\"ten\"/>"),
            "test.xml:2: sortOrder \"ten\" is not an integer"
        );
        assert_eq!(
            error_text("<config><acl><resources>\n<resource id=\"Ab_Cd::x\" disabled=\"maybe\"/>"),
            "test.xml:2: disabled \"maybe\" is not a boolean"
        );
        assert_eq!(
            error_text(
                "<config><acl><resources><resource id=\"Magento_Backend::all\" disabled=\"true\"/>"
            ),
            "test.xml:1: the root resource Magento_Backend::all cannot be disabled"
        );
    }

    #[test]
    fn depth_is_bounded() {
        let open = "<resource id=\"Ab_Cd::x\">".repeat(MAX_DEPTH + 1);
        let xml = format!("<config><acl><resources>\n{open}");
        assert_eq!(
            error_text(&xml),
            format!("test.xml:2: resources nest deeper than {MAX_DEPTH} levels")
        );

        let exactly = format!(
            "<config><acl><resources>{}{}</resources></acl></config>",
            "<resource id=\"Ab_Cd::x\">".repeat(MAX_DEPTH),
            "</resource>".repeat(MAX_DEPTH)
        );
        assert!(parse_acl_xml("test.xml", &exactly).is_ok());
    }
}
