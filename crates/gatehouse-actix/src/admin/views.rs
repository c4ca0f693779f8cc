//! The admin pages' templates (`templates/admin/`), each a struct holding exactly what its page
//! shows. askama compiles them into the binary and escapes every value for HTML.

use askama::Template;

use crate::admin::form::{FieldErrors, IntegrationForm, TreeStep};
use crate::admin::session::AdminSession;

/// What the frame around every page shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    /// The page's title, before the site name.
    pub title: String,
    /// The signed-in admin's user name; none on the sign-in and error pages.
    pub user: Option<String>,
    /// The session's form key, for the sign-out button.
    pub form_key: String,
    /// A one-time notice ("saved", "deleted", "logged out").
    pub notice: Option<String>,
    /// Whether the page is the grid, which the navigation then marks as current.
    pub on_grid: bool,
}

impl Layout {
    /// The frame of a page shown without a session.
    pub(crate) fn anonymous(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            ..Self::default()
        }
    }

    /// The frame of a signed-in admin's page.
    pub(crate) fn signed_in(title: &str, session: &AdminSession) -> Self {
        Self {
            title: title.to_owned(),
            user: Some(session.username().to_owned()),
            form_key: session.form_key().to_owned(),
            ..Self::default()
        }
    }

    /// The same frame showing `notice`.
    pub(crate) fn with_notice(mut self, notice: Option<String>) -> Self {
        self.notice = notice;
        self
    }
}

/// The sign-in page.
#[derive(Template)]
#[template(path = "admin/login.html")]
pub(crate) struct LoginPage {
    pub layout: Layout,
    /// The user name as typed, shown again after a refusal.
    pub username: String,
    /// The sign-in form's key.
    pub form_key: String,
    /// The refusal, above the form.
    pub error: Option<String>,
    pub username_error: Option<String>,
    pub password_error: Option<String>,
}

/// A sortable column header of the grid.
#[derive(Debug, Clone)]
pub(crate) struct SortColumn {
    pub label: &'static str,
    /// The grid sorted by this column (the other direction when it is the current one).
    pub href: String,
    /// `ascending` or `descending` on the current column, empty elsewhere.
    pub aria_sort: &'static str,
    /// The arrow drawn beside the current column's label.
    pub mark: &'static str,
}

/// One integration in the grid.
#[derive(Debug, Clone)]
pub(crate) struct GridRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub endpoint: String,
    pub status: &'static str,
    /// `inactive`, `active` or `reset`, for the status badge's colour.
    pub status_class: &'static str,
    pub setup_type: &'static str,
    /// Active or Reset: the action is "Reauthorize" rather than "Activate".
    pub reauthorize: bool,
    /// Declared in a config file: viewable, not editable or deletable.
    pub config: bool,
}

/// The integration grid.
#[derive(Template)]
#[template(path = "admin/grid.html")]
pub(crate) struct GridPage {
    pub layout: Layout,
    /// The name filter as typed.
    pub filter: String,
    /// The sort column's key and direction, kept by the filter form.
    pub sort: String,
    pub dir: String,
    /// How the grid is sorted, in words, for the table's caption.
    pub sorted_by: String,
    pub columns: Vec<SortColumn>,
    pub rows: Vec<GridRow>,
    /// The grid without filter, for the filter's reset link.
    pub reset_href: String,
}

/// The new and edit form; read-only for config-file integrations.
#[derive(Template)]
#[template(path = "admin/form.html")]
pub(crate) struct FormPage {
    pub layout: Layout,
    pub heading: String,
    /// Where the form posts.
    pub action: String,
    /// Shown but not editable: a config-file integration.
    pub read_only: bool,
    /// A message above the form (a summary of the fields' messages, or a refusal).
    pub alert: Option<String>,
    pub form: IntegrationForm,
    pub errors: FieldErrors,
    pub tree: Vec<TreeStep>,
}

/// A question before an action: activate, reauthorize, delete.
#[derive(Template)]
#[template(path = "admin/confirm.html")]
pub(crate) struct ConfirmPage {
    pub layout: Layout,
    pub heading: String,
    pub intro: String,
    /// A list under the introduction (the resources asked for); may be empty.
    pub items: Vec<String>,
    pub note: Option<String>,
    /// Where the confirming form posts.
    pub action: String,
    pub button: &'static str,
    /// Whether the action destroys something, which its button's colour says.
    pub danger: bool,
}

/// One credential on the tokens page.
#[derive(Debug, Clone)]
pub(crate) struct Credential {
    /// The element id of its field.
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
}

/// The credentials of an integration activated without an endpoint, shown once.
#[derive(Template)]
#[template(path = "admin/tokens.html")]
pub(crate) struct TokensPage {
    pub layout: Layout,
    pub name: String,
    pub credentials: Vec<Credential>,
}

/// The page after the credentials were posted to an integration's endpoint.
#[derive(Template)]
#[template(path = "admin/posted.html")]
pub(crate) struct PostedPage {
    pub layout: Layout,
    pub name: String,
    pub endpoint: String,
    pub consumer_key: String,
    pub identity_link_url: Option<String>,
}

/// A page saying what went wrong.
#[derive(Template)]
#[template(path = "admin/error.html")]
pub(crate) struct ErrorPage {
    pub layout: Layout,
    pub heading: &'static str,
    pub message: String,
}
