//! What the admin forms send, checked before anything is saved: the integration form's fields
//! with a message next to each field that is wrong, and the resource tree as nested
//! checkboxes.
//!
//! The checks here are the UI's own, worded for a person filling in a form; the integration
//! service checks again, and its refusals (a taken name, for one) are placed next to the field
//! they are about.

use std::collections::HashSet;

use gatehouse_acl::{ResourceNode, ResourceTree, ROOT};
use gatehouse_domain::{Integration, Message};
use gatehouse_tokens::integration::{messages, IntegrationInput, ResourceSelection};

/// A required field left empty.
pub const REQUIRED: &str = "This is a required field.";

/// A name shorter than the service accepts.
pub const NAME_TOO_SHORT: &str = "Please enter at least 2 characters.";

/// An email address that is not one.
pub const BAD_EMAIL: &str = "Please enter a valid email address (Ex: johndoe@domain.com).";

/// A URL that is not an absolute http(s) URL.
pub const BAD_URL: &str = "Please enter a valid URL. Protocol is required (http://, https://).";

/// The reference's refusal of a wrong "Your Password".
pub const WRONG_PASSWORD: &str =
    "The password entered for the current user is invalid. Verify the password and try again.";

/// The summary above a form that was not saved.
pub const NOT_SAVED: &str = "The integration was not saved. Correct the fields marked below.";

/// A form body as pairs, in the order sent; a name may repeat (the resource checkboxes).
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of `name`, or empty.
    pub(crate) fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// Every value of `name`, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }
}

/// The integration form as filled in, the password aside.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IntegrationForm {
    pub name: String,
    pub email: String,
    pub endpoint: String,
    pub identity_link_url: String,
    /// "All resources" rather than the checked ones.
    pub all_resources: bool,
    /// The checked resource ids.
    pub resources: Vec<String>,
}

/// A message per field of the integration form; `None` where the field is fine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FieldErrors {
    pub name: Option<String>,
    pub email: Option<String>,
    pub endpoint: Option<String>,
    pub identity_link_url: Option<String>,
    pub resources: Option<String>,
    pub current_password: Option<String>,
}

impl FieldErrors {
    /// Whether no field has a message.
    pub(crate) fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl IntegrationForm {
    /// The form as sent.
    pub(crate) fn from_fields(fields: &Fields) -> Self {
        Self {
            name: fields.text("name"),
            email: fields.text("email"),
            endpoint: fields.text("endpoint"),
            identity_link_url: fields.text("identity_link_url"),
            all_resources: fields.get("resource_access") == Some("all"),
            resources: fields.all("resource"),
        }
    }

    /// The form showing a stored integration and its grant.
    pub(crate) fn from_integration(integration: &Integration, grant: &ResourceSelection) -> Self {
        let (all_resources, resources) = match grant {
            ResourceSelection::All => (true, Vec::new()),
            ResourceSelection::Only(ids) => (false, ids.clone()),
        };
        Self {
            name: integration.name.clone(),
            email: integration.email.clone(),
            endpoint: integration.endpoint.clone().unwrap_or_default(),
            identity_link_url: integration.identity_link_url.clone().unwrap_or_default(),
            all_resources,
            resources,
        }
    }

    /// The fields' messages; empty when the form can go to the service.
    pub(crate) fn check(&self, current_password: &str) -> FieldErrors {
        let name = self.name.trim();
        let name_error = if name.is_empty() {
            Some(REQUIRED)
        } else if name.chars().count() < gatehouse_tokens::integration::MIN_NAME_LENGTH {
            Some(NAME_TOO_SHORT)
        } else {
            None
        };

        let email = self.email.trim();
        let email_error = (!email.is_empty() && !is_email(email)).then_some(BAD_EMAIL);

        FieldErrors {
            name: name_error.map(str::to_owned),
            email: email_error.map(str::to_owned),
            endpoint: url_error(&self.endpoint),
            identity_link_url: url_error(&self.identity_link_url),
            resources: None,
            current_password: current_password.is_empty().then(|| REQUIRED.to_owned()),
        }
    }

    /// What the integration service is given. A checked resource covers everything under it,
    /// so only the top-most checked resources are kept; a checked root is "all resources".
    pub(crate) fn to_input(&self, tree: &ResourceTree) -> IntegrationInput {
        let resources = if self.all_resources || self.resources.iter().any(|id| id == ROOT) {
            ResourceSelection::All
        } else {
            ResourceSelection::Only(top_most(tree, &self.resources))
        };
        IntegrationInput {
            name: self.name.clone(),
            email: self.email.clone(),
            endpoint: Some(self.endpoint.clone()).filter(|url| !url.trim().is_empty()),
            identity_link_url: Some(self.identity_link_url.clone())
                .filter(|url| !url.trim().is_empty()),
            resources,
        }
    }
}

/// Places a refusal of the integration service next to the field it is about. Returns `None`
/// for refusals no field explains.
pub(crate) fn field_error_of(message: &Message) -> Option<FieldErrors> {
    let text = message.render();
    let mut errors = FieldErrors::default();

    if message.template == messages::NAME_EXISTS {
        errors.name = Some(text);
        return Some(errors);
    }
    if message.template != messages::INVALID_FIELD && message.template != messages::REQUIRED_FIELD {
        return None;
    }

    let field = message
        .parameters
        .iter()
        .find(|(name, _)| name == "fieldName")
        .map(|(_, value)| value.as_str())?;
    match field {
        "name" => errors.name = Some(text),
        "email" => errors.email = Some(text),
        "endpoint" => errors.endpoint = Some(text),
        "identity_link_url" => errors.identity_link_url = Some(text),
        _ => return None,
    }
    Some(errors)
}

/// One address, something on each side of one `@`, a dot inside the domain, no spaces.
fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let dotted = domain
        .split_once('.')
        .is_some_and(|(host, rest)| !host.is_empty() && !rest.is_empty() && !rest.ends_with('.'));
    !local.is_empty() && !domain.contains('@') && dotted && !email.contains(char::is_whitespace)
}

/// The message for a URL field: none when empty or an absolute http(s) URL with a host.
fn url_error(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }

    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let has_host = rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty()
    });
    if has_host && !url.contains(char::is_whitespace) {
        return None;
    }
    Some(BAD_URL.to_owned())
}

/// The ids of `checked` that have no checked ancestor, in tree order; unknown ids are kept, for
/// the service to refuse.
fn top_most(tree: &ResourceTree, checked: &[String]) -> Vec<String> {
    let checked: HashSet<&str> = checked.iter().map(String::as_str).collect();
    let mut kept: Vec<String> = tree
        .ids()
        .into_iter()
        .filter(|id| checked.contains(id))
        .filter(|id| !tree.ancestors(id).iter().any(|up| checked.contains(up)))
        .map(str::to_owned)
        .collect();

    for id in &checked {
        if !tree.contains(id) {
            kept.push((*id).to_owned());
        }
    }
    kept
}

/// One step of drawing the resource tree as nested lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TreeStep {
    /// `<ul>`.
    ListStart,
    /// `<li>` with its checkbox.
    Item(TreeItem),
    /// `</li>`.
    ItemEnd,
    /// `</ul>`.
    ListEnd,
}

/// A resource's checkbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeItem {
    /// The resource id, the checkbox's value.
    pub id: String,
    /// The label.
    pub title: String,
    /// The checkbox's element id.
    pub dom_id: String,
    /// Whether it is checked: the resource or one above it is selected.
    pub checked: bool,
}

/// The resource tree under the root as drawing steps, with the resources of `selected` and
/// everything under them checked.
pub(crate) fn tree_steps(tree: &ResourceTree, selected: &[String]) -> Vec<TreeStep> {
    let selected: HashSet<&str> = selected.iter().map(String::as_str).collect();
    let mut steps = Vec::new();
    let mut counter = 0usize;

    // The root is the "All resources" choice, drawn apart; the tree starts below it.
    for root in tree.nodes() {
        let covered = selected.contains(root.id.as_str());
        push_level(&root.children, &selected, covered, &mut counter, &mut steps);
    }
    steps
}

fn push_level(
    nodes: &[ResourceNode],
    selected: &HashSet<&str>,
    covered: bool,
    counter: &mut usize,
    steps: &mut Vec<TreeStep>,
) {
    if nodes.is_empty() {
        return;
    }

    steps.push(TreeStep::ListStart);
    for node in nodes {
        *counter += 1;
        let checked = covered || selected.contains(node.id.as_str());
        let title = if node.title.is_empty() {
            node.id.clone()
        } else {
            node.title.clone()
        };
        steps.push(TreeStep::Item(TreeItem {
            id: node.id.clone(),
            title,
            dom_id: format!("resource-{counter}"),
            checked,
        }));
        push_level(&node.children, selected, checked, counter, steps);
        steps.push(TreeStep::ItemEnd);
    }
    steps.push(TreeStep::ListEnd);
}

/// The titles of a grant, for the activation page: "All resources", or each granted
/// resource's title (its id when it has none).
pub(crate) fn grant_titles(tree: &ResourceTree, grant: &ResourceSelection) -> Vec<String> {
    match grant {
        ResourceSelection::All => vec!["All resources".to_owned()],
        ResourceSelection::Only(ids) => ids
            .iter()
            .map(|id| match tree.node(id) {
                Some(node) if !node.title.is_empty() => node.title.clone(),
                _ => id.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use gatehouse_domain::ErrorClass;
    use gatehouse_tokens::TokensError;

    use super::*;

    fn form(name: &str, email: &str, endpoint: &str) -> IntegrationForm {
        IntegrationForm {
            name: name.to_owned(),
            email: email.to_owned(),
            endpoint: endpoint.to_owned(),
            ..IntegrationForm::default()
        }
    }

    #[test]
    fn each_field_gets_its_message() {
        assert!(form("Shop", "ops@example.com", "https://a.example/x")
            .check("pw")
            .is_empty());

        let errors = form(" ", "ops", "ftp://a.example").check("");
        assert_eq!(errors.name.as_deref(), Some(REQUIRED));
        assert_eq!(errors.email.as_deref(), Some(BAD_EMAIL));
        assert_eq!(errors.endpoint.as_deref(), Some(BAD_URL));
        assert_eq!(errors.current_password.as_deref(), Some(REQUIRED));
        assert_eq!(errors.identity_link_url, None);

        assert_eq!(
            form("x", "", "").check("pw").name.as_deref(),
            Some(NAME_TOO_SHORT)
        );
    }

    #[test]
    fn urls_must_be_absolute_http_with_a_host() {
        for good in [
            "http://a.example",
            "HTTPS://a.example:8443/p?q=1",
            "http://127.0.0.1:9/",
        ] {
            assert_eq!(url_error(good), None, "{good}");
        }
        for bad in [
            "a.example",
            "https://",
            "http:///x",
            "file:///etc",
            "http://a b",
            "https://?x",
        ] {
            assert_eq!(url_error(bad).as_deref(), Some(BAD_URL), "{bad}");
        }
    }

    #[test]
    fn emails_need_a_dotted_domain() {
        assert!(is_email("ops@example.com"));
        for bad in [
            "ops@example",
            "@example.com",
            "ops@.com",
            "a@b@c.com",
            "o p@example.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn only_the_top_most_checked_resources_are_granted() {
        let tree = ResourceTree::builtin();
        let checked = [
            "Magento_Sales::sales",
            "Magento_Sales::sales_order",
            "Magento_Customer::manage",
        ]
        .map(str::to_owned)
        .to_vec();
        let mut form = form("Shop", "", "");
        form.resources = checked;

        assert_eq!(
            form.to_input(&tree).resources,
            ResourceSelection::Only(vec![
                "Magento_Sales::sales".to_owned(),
                "Magento_Customer::manage".to_owned()
            ])
        );

        form.all_resources = true;
        assert_eq!(form.to_input(&tree).resources, ResourceSelection::All);
    }

    #[test]
    fn empty_urls_are_no_urls() {
        let input = form("Shop", "", "  ").to_input(&ResourceTree::builtin());
        assert_eq!(input.endpoint, None);
        assert_eq!(input.identity_link_url, None);
    }

    #[test]
    fn a_selected_resource_checks_everything_under_it() {
        let tree = ResourceTree::builtin();
        let steps = tree_steps(&tree, &["Magento_Sales::sales_order".to_owned()]);
        let checked: Vec<&str> = steps
            .iter()
            .filter_map(|step| match step {
                TreeStep::Item(item) if item.checked => Some(item.id.as_str()),
                _ => None,
            })
            .collect();

        assert!(checked.contains(&"Magento_Sales::sales_order"));
        assert!(checked.contains(&"Magento_Sales::cancel"));
        assert!(!checked.contains(&"Magento_Sales::sales"));
        assert!(!checked.contains(&"Magento_Sales::sales_invoice"));

        let opened = steps.iter().filter(|s| **s == TreeStep::ListStart).count();
        let closed = steps.iter().filter(|s| **s == TreeStep::ListEnd).count();
        assert_eq!(opened, closed);
        assert!(!steps.iter().any(|step| matches!(
            step,
            TreeStep::Item(item) if item.id == ROOT
        )));
    }

    #[test]
    fn service_refusals_land_next_to_their_field() {
        let exists = Message::new(messages::NAME_EXISTS).with("1", "Shop");
        assert_eq!(
            field_error_of(&exists)
                .and_then(|errors| errors.name)
                .as_deref(),
            Some("The integration with name \"Shop\" exists.")
        );

        let invalid = TokensError::refused(
            ErrorClass::Input,
            Message::new(messages::INVALID_FIELD)
                .with("value", "x")
                .with("fieldName", "endpoint"),
        );
        let errors = field_error_of(&invalid.message()).expect("placed");
        assert!(errors.endpoint.is_some() && errors.name.is_none());

        assert_eq!(
            field_error_of(&Message::new(messages::CONFIG_NOT_EDITABLE)),
            None
        );
    }
}
