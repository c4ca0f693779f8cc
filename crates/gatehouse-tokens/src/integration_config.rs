//! Integrations declared by extensions in `integration.xml` files, in the reference's format:
//!
//! ```xml
//! <config>
//!     <integration name="Shipping Bridge">
//!         <email>ops@example.com</email>
//!         <endpoint_url>https://bridge.example.com/activate</endpoint_url>
//!         <identity_link_url>https://bridge.example.com/login</identity_link_url>
//!         <resources>
//!             <resource name="Magento_Sales::sales_order"/>
//!         </resources>
//!     </integration>
//! </config>
//! ```
//!
//! This module only reads the files into [`ConfigIntegration`] values; creating, resetting and
//! protecting the integrations they declare is
//! [`IntegrationService::sync_config_integrations`](crate::integration::IntegrationService::sync_config_integrations).
//!
//! Every problem is reported as [`TokensError::Config`] naming the file and the line, so a
//! deployment with a broken file fails at start-up with a message an operator can act on.

use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use gatehouse_acl::{is_valid_resource_id, LineIndex};

use crate::error::TokensError;

/// One integration as declared in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIntegration {
    /// The unique name, from `<integration name="…">`.
    pub name: String,
    /// Contact address, from `<email>`; empty when not given.
    pub email: String,
    /// Where credentials are posted on activation, from `<endpoint_url>`.
    pub endpoint_url: Option<String>,
    /// Where the admin finishes the third party's login, from `<identity_link_url>`.
    pub identity_link_url: Option<String>,
    /// The ACL resources asked for, from `<resources><resource name="…"/></resources>`, in the
    /// order declared, without duplicates. Ancestors are added when the integration is synced.
    pub resources: Vec<String>,
}

impl ConfigIntegration {
    /// An integration named `name` with nothing else declared.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            email: String::new(),
            endpoint_url: None,
            identity_link_url: None,
            resources: Vec::new(),
        }
    }
}

/// Reads and merges `integration.xml` files, in order.
///
/// An integration declared in several files is one integration: a later file's fields replace
/// the earlier ones it gives, and resource lists are joined. The result keeps the order in which
/// names were first declared.
pub fn load_integration_files<P: AsRef<Path>>(
    paths: &[P],
) -> Result<Vec<ConfigIntegration>, TokensError> {
    let mut merged: Vec<ConfigIntegration> = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let xml = std::fs::read_to_string(path).map_err(|error| {
            TokensError::Config(format!(
                "{}: cannot read integration config file: {error}",
                path.display()
            ))
        })?;

        for declared in parse_integration_xml(&path.display().to_string(), &xml)? {
            merge_declaration(&mut merged, declared);
        }
    }
    Ok(merged)
}

/// Parses one `integration.xml` document; `source_name` (usually the path) prefixes errors.
///
/// Refused: a root other than `<config>`, unknown elements, an `<integration>` without a
/// `name`, a name declared twice in one file, a `<resource>` without a `name` or with an id not
/// shaped `Vendor_Module::thing`, and malformed XML.
pub fn parse_integration_xml(
    source_name: &str,
    xml: &str,
) -> Result<Vec<ConfigIntegration>, TokensError> {
    let mut parser = Parser {
        source_name,
        lines: LineIndex::new(xml),
        reader: Reader::from_str(xml),
        open: Vec::new(),
        current: None,
        field_text: None,
        declared: Vec::new(),
        saw_root: false,
    };
    parser.reader.config_mut().trim_text(true);
    parser.run()?;
    Ok(parser.declared)
}

/// Adds `declared` to `merged`, joining it with an earlier declaration of the same name.
fn merge_declaration(merged: &mut Vec<ConfigIntegration>, declared: ConfigIntegration) {
    let Some(existing) = merged.iter_mut().find(|item| item.name == declared.name) else {
        merged.push(declared);
        return;
    };

    if !declared.email.is_empty() {
        existing.email = declared.email;
    }
    if declared.endpoint_url.is_some() {
        existing.endpoint_url = declared.endpoint_url;
    }
    if declared.identity_link_url.is_some() {
        existing.identity_link_url = declared.identity_link_url;
    }
    for resource in declared.resources {
        if !existing.resources.contains(&resource) {
            existing.resources.push(resource);
        }
    }
}

/// The text fields of an `<integration>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Email,
    EndpointUrl,
    IdentityLinkUrl,
}

impl Field {
    fn from_element(name: &str) -> Option<Self> {
        match name {
            "email" => Some(Self::Email),
            "endpoint_url" => Some(Self::EndpointUrl),
            "identity_link_url" => Some(Self::IdentityLinkUrl),
            _ => None,
        }
    }
}

/// A streaming reader of one document, tracking where in the element tree it is.
struct Parser<'a> {
    source_name: &'a str,
    lines: LineIndex,
    reader: Reader<&'a [u8]>,
    /// Names of the elements opened and not yet closed, outermost first.
    open: Vec<String>,
    /// The `<integration>` being read.
    current: Option<ConfigIntegration>,
    /// The field being read and its text so far.
    field_text: Option<(Field, String)>,
    declared: Vec<ConfigIntegration>,
    saw_root: bool,
}

impl Parser<'_> {
    fn run(&mut self) -> Result<(), TokensError> {
        loop {
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(error) => {
                    let line = self.line_at(self.reader.error_position());
                    return Err(self.error_at(line, &format!("malformed XML: {error}")));
                }
            };
            let line = self.line_at(self.reader.buffer_position().saturating_sub(1));

            match event {
                Event::Start(element) => {
                    let name = element_name(&element);
                    self.open_element(&element, &name, line)?;
                    self.open.push(name);
                }
                Event::Empty(element) => {
                    let name = element_name(&element);
                    self.open_element(&element, &name, line)?;
                    self.close_element(&name);
                }
                Event::End(element) => {
                    let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
                    self.open.pop();
                    self.close_element(&name);
                }
                Event::Text(text) => {
                    let text = text.unescape().map_err(|error| {
                        self.error_at(line, &format!("malformed XML text: {error}"))
                    })?;
                    self.add_text(&text, line)?;
                }
                Event::CData(data) => {
                    let text = String::from_utf8_lossy(&data.into_inner()).into_owned();
                    self.add_text(&text, line)?;
                }
                Event::Eof => break,
                // Declarations, comments, processing instructions and doctypes carry nothing.
                _ => {}
            }
        }

        if !self.saw_root {
            return Err(TokensError::Config(format!(
                "{}: no <config> root element",
                self.source_name
            )));
        }
        Ok(())
    }

    /// Checks that `name` may open where the reader is, and starts what it declares.
    fn open_element(
        &mut self,
        element: &BytesStart<'_>,
        name: &str,
        line: usize,
    ) -> Result<(), TokensError> {
        let parent = self.open.last().map(String::as_str);
        match (parent, name) {
            (None, "config") if !self.saw_root => {
                self.saw_root = true;
                Ok(())
            }
            (None, _) => Err(self.error_at(
                line,
                &format!("the root element must be <config>, found <{name}>"),
            )),
            (Some("config"), "integration") => {
                let integration_name = self.attribute(element, "name", line)?;
                let integration_name = integration_name.trim();
                if integration_name.is_empty() {
                    return Err(self.error_at(line, "<integration> needs a non-empty name"));
                }
                if self
                    .declared
                    .iter()
                    .any(|item| item.name == integration_name)
                {
                    return Err(self.error_at(
                        line,
                        &format!("integration \"{integration_name}\" is declared twice"),
                    ));
                }
                self.current = Some(ConfigIntegration::named(integration_name));
                Ok(())
            }
            (Some("integration"), "resources") => Ok(()),
            (Some("integration"), field_name) if Field::from_element(field_name).is_some() => {
                if let Some(field) = Field::from_element(field_name) {
                    self.field_text = Some((field, String::new()));
                }
                Ok(())
            }
            (Some("resources"), "resource") => {
                let id = self.attribute(element, "name", line)?;
                let id = id.trim().to_owned();
                if !is_valid_resource_id(&id) {
                    return Err(self.error_at(
                        line,
                        &format!("resource \"{id}\" is not shaped Vendor_Module::thing"),
                    ));
                }
                if let Some(current) = self.current.as_mut() {
                    if !current.resources.contains(&id) {
                        current.resources.push(id);
                    }
                }
                Ok(())
            }
            (Some(parent), _) => Err(self.error_at(
                line,
                &format!("unexpected element <{name}> inside <{parent}>"),
            )),
        }
    }

    /// Finishes what the element `name` declared.
    fn close_element(&mut self, name: &str) {
        if let Some((field, text)) = self.field_text.take() {
            let value = text.trim().to_owned();
            if let Some(current) = self.current.as_mut() {
                match field {
                    Field::Email => current.email = value,
                    Field::EndpointUrl => current.endpoint_url = non_empty(value),
                    Field::IdentityLinkUrl => current.identity_link_url = non_empty(value),
                }
            }
            return;
        }

        if name == "integration" {
            if let Some(current) = self.current.take() {
                self.declared.push(current);
            }
        }
    }

    /// Adds text inside a field; text anywhere else is a mistake in the file.
    fn add_text(&mut self, text: &str, line: usize) -> Result<(), TokensError> {
        if let Some((_, value)) = self.field_text.as_mut() {
            value.push_str(text);
            return Ok(());
        }
        if text.trim().is_empty() {
            return Ok(());
        }
        let parent = self.open.last().map_or("the document", String::as_str);
        Err(self.error_at(line, &format!("unexpected text inside <{parent}>")))
    }

    /// The value of a required attribute.
    fn attribute(
        &self,
        element: &BytesStart<'_>,
        attribute: &str,
        line: usize,
    ) -> Result<String, TokensError> {
        let element_name = element_name(element);
        let found = element
            .try_get_attribute(attribute)
            .map_err(|error| self.error_at(line, &format!("malformed attribute: {error}")))?;
        let Some(found) = found else {
            return Err(self.error_at(
                line,
                &format!("<{element_name}> needs a \"{attribute}\" attribute"),
            ));
        };
        let value = found
            .unescape_value()
            .map_err(|error| self.error_at(line, &format!("malformed attribute: {error}")))?;
        Ok(value.into_owned())
    }

    fn line_at(&self, position: u64) -> usize {
        self.lines.line_at(position)
    }

    fn error_at(&self, line: usize, reason: &str) -> TokensError {
        TokensError::Config(format!("{}:{line}: {reason}", self.source_name))
    }
}

fn element_name(element: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(element.name().as_ref()).into_owned()
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0"?>
<!-- declared by an extension -->
<config xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
    <integration name="Shipping Bridge">
        <email>ops@example.com</email>
        <endpoint_url>https://bridge.example.com/activate?a=1&amp;b=2</endpoint_url>
        <identity_link_url><![CDATA[https://bridge.example.com/login]]></identity_link_url>
        <resources>
            <resource name="Magento_Sales::sales_order"/>
            <resource name="Magento_Catalog::products"/>
            <resource name="Magento_Sales::sales_order"/>
        </resources>
    </integration>
    <integration name="Bare"/>
</config>
"#;

    fn config_error(result: Result<Vec<ConfigIntegration>, TokensError>) -> String {
        match result {
            Err(TokensError::Config(text)) => text,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn reads_every_field() {
        let declared = parse_integration_xml("sample.xml", SAMPLE).unwrap();

        assert_eq!(declared.len(), 2);
        let bridge = &declared[0];
        assert_eq!(bridge.name, "Shipping Bridge");
        assert_eq!(bridge.email, "ops@example.com");
        assert_eq!(
            bridge.endpoint_url.as_deref(),
            Some("https://bridge.example.com/activate?a=1&b=2")
        );
        assert_eq!(
            bridge.identity_link_url.as_deref(),
            Some("https://bridge.example.com/login")
        );
        assert_eq!(
            bridge.resources,
            vec!["Magento_Sales::sales_order", "Magento_Catalog::products"]
        );
        assert_eq!(declared[1], ConfigIntegration::named("Bare"));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let missing_name = "<config>\n  <integration>\n  </integration>\n</config>";
        assert_eq!(
            config_error(parse_integration_xml("a.xml", missing_name)),
            "a.xml:2: <integration> needs a \"name\" attribute"
        );

        let bad_resource = "<config>\n<integration name=\"x\">\n<resources>\n\
                            <resource name=\"sales\"/>\n</resources>\n</integration>\n</config>";
        assert_eq!(
            config_error(parse_integration_xml("b.xml", bad_resource)),
            "b.xml:4: resource \"sales\" is not shaped Vendor_Module::thing"
        );

        let no_resource_name = "<config>\n<integration name=\"x\">\n<resources>\n\
                                <resource/>\n</resources>\n</integration>\n</config>";
        assert_eq!(
            config_error(parse_integration_xml("c.xml", no_resource_name)),
            "c.xml:4: <resource> needs a \"name\" attribute"
        );

        let unknown = "<config>\n<integration name=\"x\">\n<colour>red</colour>\n\
                       </integration>\n</config>";
        assert_eq!(
            config_error(parse_integration_xml("d.xml", unknown)),
            "d.xml:3: unexpected element <colour> inside <integration>"
        );

        let twice = "<config>\n<integration name=\"x\"/>\n<integration name=\"x\"/>\n</config>";
        assert_eq!(
            config_error(parse_integration_xml("e.xml", twice)),
            "e.xml:3: integration \"x\" is declared twice"
        );

        let wrong_root = "<acl>\n</acl>";
        assert_eq!(
            config_error(parse_integration_xml("f.xml", wrong_root)),
            "f.xml:1: the root element must be <config>, found <acl>"
        );

        assert_eq!(
            config_error(parse_integration_xml("g.xml", "<!-- nothing -->")),
            "g.xml: no <config> root element"
        );
    }

    #[test]
    fn malformed_xml_reports_a_line() {
        let broken =
            "<config>\n<integration name=\"x\">\n<email>a</mail>\n</integration>\n</config>";
        let text = config_error(parse_integration_xml("h.xml", broken));
        assert!(text.starts_with("h.xml:3: malformed XML"), "{text}");
    }

    #[test]
    fn later_declarations_merge_into_earlier_ones() {
        let mut merged = vec![ConfigIntegration {
            email: "old@example.com".into(),
            endpoint_url: Some("https://old.example.com".into()),
            resources: vec!["Magento_Sales::sales".into()],
            ..ConfigIntegration::named("x")
        }];

        merge_declaration(
            &mut merged,
            ConfigIntegration {
                email: "new@example.com".into(),
                resources: vec!["Magento_Sales::sales".into(), "Magento_Cart::cart".into()],
                ..ConfigIntegration::named("x")
            },
        );
        merge_declaration(&mut merged, ConfigIntegration::named("y"));

        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].email, "new@example.com");
        assert_eq!(
            merged[0].endpoint_url.as_deref(),
            Some("https://old.example.com")
        );
        assert_eq!(
            merged[0].resources,
            vec!["Magento_Sales::sales", "Magento_Cart::cart"]
        );
        assert_eq!(merged[1].name, "y");
    }
}
