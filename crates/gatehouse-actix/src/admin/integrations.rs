//! The integration grid and the new and edit form.
//!
//! Saving asks for the signed-in admin's own password, as the reference does ("Your
//! Password"); the check goes through the users service, so failed attempts count towards the
//! admin's sign-in throttling. A wrong password saves nothing. Config-file integrations are
//! shown read-only and refused on save with the reference's message.

use std::cmp::Ordering;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use gatehouse_domain::{
    ErrorClass, Integration, IntegrationId, IntegrationStatus, Message, SetupType,
};
use gatehouse_oauth1::percent_encode;
use gatehouse_tokens::integration::{messages, IntegrationDetails};
use gatehouse_tokens::TokensError;

use crate::admin::error::forged_form_page;
use crate::admin::form::{
    field_error_of, tree_steps, FieldErrors, Fields, IntegrationForm, NOT_SAVED, WRONG_PASSWORD,
};
use crate::admin::session::{clear_cookie, needs_secure_cookies, Flash};
use crate::admin::views::{FormPage, GridPage, GridRow, Layout, SortColumn};
use crate::admin::{
    html, html_response, render, AdminSession, PageError, FLASH_COOKIE, FORM_KEY_FIELD, GRID_PATH,
};
use crate::handlers::blocking;
use crate::state::AppState;

/// The grid's query: `name` filters (case-insensitive, part of the name), `sort` names a
/// column, `dir` is `asc` or `desc`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct GridQuery {
    name: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
}

/// A column the grid sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Name,
    Email,
    Endpoint,
    Status,
    SetupType,
}

impl SortKey {
    const ALL: [SortKey; 5] = [
        Self::Name,
        Self::Email,
        Self::Endpoint,
        Self::Status,
        Self::SetupType,
    ];

    fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|key| key.as_str() == value)
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Email => "email",
            Self::Endpoint => "endpoint",
            Self::Status => "status",
            Self::SetupType => "setup_type",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Email => "Email",
            Self::Endpoint => "Endpoint",
            Self::Status => "Status",
            Self::SetupType => "Setup type",
        }
    }

    fn compare(self, a: &Integration, b: &Integration) -> Ordering {
        let text = |value: &str| value.to_lowercase();
        let primary = match self {
            Self::Name => text(&a.name).cmp(&text(&b.name)),
            Self::Email => text(&a.email).cmp(&text(&b.email)),
            Self::Endpoint => {
                let endpoint = |i: &Integration| text(i.endpoint.as_deref().unwrap_or_default());
                endpoint(a).cmp(&endpoint(b))
            }
            Self::Status => a.status.label().cmp(b.status.label()),
            Self::SetupType => setup_label(a.setup_type).cmp(setup_label(b.setup_type)),
        };
        primary.then_with(|| a.id.cmp(&b.id))
    }
}

/// `GET /admin/integrations`: the grid, filtered and sorted as the query says.
pub(crate) async fn grid(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: AdminSession,
    query: web::Query<GridQuery>,
) -> Result<HttpResponse, PageError> {
    let integrations = Arc::clone(&state.services.integrations);
    let mut listed = blocking(&state, Duration::ZERO, move || integrations.list()).await??;

    let filter = query.name.as_deref().unwrap_or_default().trim().to_owned();
    let sort = query
        .sort
        .as_deref()
        .and_then(SortKey::parse)
        .unwrap_or(SortKey::Name);
    let descending = query.dir.as_deref() == Some("desc");

    let needle = filter.to_lowercase();
    listed.retain(|integration| integration.name.to_lowercase().contains(&needle));
    listed.sort_by(|a, b| sort.compare(a, b));
    if descending {
        listed.reverse();
    }

    let columns = SortKey::ALL
        .into_iter()
        .map(|key| {
            let current = key == sort;
            let next_descending = current && !descending;
            SortColumn {
                label: key.label(),
                href: grid_href(key, next_descending, &filter),
                aria_sort: match (current, descending) {
                    (false, _) => "",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                },
                mark: match (current, descending) {
                    (false, _) => "",
                    (true, false) => " ▲",
                    (true, true) => " ▼",
                },
            }
        })
        .collect();

    let notice = Flash::of(&req).map(|flash| flash.message());
    let clear_notice = notice.is_some();
    let mut layout = Layout::signed_in("Integrations", &session).with_notice(notice);
    layout.on_grid = true;
    let page = GridPage {
        layout,
        sort: sort.as_str().to_owned(),
        dir: if descending { "desc" } else { "asc" }.to_owned(),
        sorted_by: format!(
            "sorted by {}, {}",
            sort.label().to_lowercase(),
            if descending {
                "descending"
            } else {
                "ascending"
            }
        ),
        columns,
        rows: listed.iter().map(grid_row).collect(),
        reset_href: grid_href(sort, descending, ""),
        filter,
    };

    let body = render(&page)?;
    let mut response = html_response(StatusCode::OK);
    if clear_notice {
        response.cookie(clear_cookie(FLASH_COOKIE));
    }
    Ok(response.body(body))
}

/// `GET /admin/integrations/new`: the empty form.
pub(crate) async fn new_form(
    state: web::Data<AppState>,
    session: AdminSession,
) -> Result<HttpResponse, PageError> {
    let page = form_page(
        &state,
        &session,
        FormTarget::New,
        IntegrationForm::default(),
        FieldErrors::default(),
        None,
    );
    html(StatusCode::OK, &page)
}

/// `POST /admin/integrations/new`: creates the integration.
pub(crate) async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: AdminSession,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields(fields.into_inner());
    if !session.accepts_form_key(&state, fields.get(FORM_KEY_FIELD)) {
        return Ok(forged_form_page());
    }

    save(&req, &state, &session, FormTarget::New, &fields).await
}

/// `GET /admin/integrations/{id}/edit`: the form filled in; read-only for a config-file
/// integration.
pub(crate) async fn edit_form(
    state: web::Data<AppState>,
    session: AdminSession,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let details = load_details(&state, parse_id(&path)?).await?;

    let form = IntegrationForm::from_integration(&details.integration, &details.resources);
    let page = form_page(
        &state,
        &session,
        FormTarget::of(&details.integration),
        form,
        FieldErrors::default(),
        None,
    );
    html(StatusCode::OK, &page)
}

/// `POST /admin/integrations/{id}/edit`: saves the integration's new fields and grant.
pub(crate) async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: AdminSession,
    path: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields(fields.into_inner());
    if !session.accepts_form_key(&state, fields.get(FORM_KEY_FIELD)) {
        return Ok(forged_form_page());
    }
    let details = load_details(&state, parse_id(&path)?).await?;

    // Refused before the password is looked at: the stored integration is shown again as it is.
    let target = FormTarget::of(&details.integration);
    if let FormTarget::ReadOnly { .. } = target {
        let form = IntegrationForm::from_integration(&details.integration, &details.resources);
        let page = form_page(
            &state,
            &session,
            target,
            form,
            FieldErrors::default(),
            Some(messages::CONFIG_NOT_EDITABLE.to_owned()),
        );
        return html(StatusCode::BAD_REQUEST, &page);
    }

    save(&req, &state, &session, target, &fields).await
}

/// Which form a page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FormTarget {
    /// A new integration.
    New,
    /// A manual integration, editable.
    Edit { id: IntegrationId, name: String },
    /// A config-file integration, shown read-only.
    ReadOnly { id: IntegrationId, name: String },
}

impl FormTarget {
    fn of(integration: &Integration) -> Self {
        let id = integration.id;
        let name = integration.name.clone();
        match integration.setup_type {
            SetupType::ConfigFile => Self::ReadOnly { id, name },
            SetupType::Manual => Self::Edit { id, name },
        }
    }

    fn id(&self) -> Option<IntegrationId> {
        match self {
            Self::New => None,
            Self::Edit { id, .. } | Self::ReadOnly { id, .. } => Some(*id),
        }
    }
}

/// What saving came to, when it did not fail outright.
enum SaveOutcome {
    Saved(Integration),
    WrongPassword,
    Refused(TokensError),
}

/// Checks the form and the admin's password, then creates or updates the integration. A form
/// that is not saved is shown again with its messages; a saved one leads back to the grid.
async fn save(
    req: &HttpRequest,
    state: &AppState,
    session: &AdminSession,
    target: FormTarget,
    fields: &Fields,
) -> Result<HttpResponse, PageError> {
    let form = IntegrationForm::from_fields(fields);
    let password = fields.text("current_password");
    let errors = form.check(&password);
    if !errors.is_empty() {
        let page = form_page(
            state,
            session,
            target,
            form,
            errors,
            Some(NOT_SAVED.to_owned()),
        );
        return html(StatusCode::BAD_REQUEST, &page);
    }

    let users = Arc::clone(&state.services.users);
    let integrations = Arc::clone(&state.services.integrations);
    let username = session.username().to_owned();
    let input = form.to_input(integrations.resource_tree());
    let id = target.id();
    let outcome = blocking(
        state,
        Duration::ZERO,
        move || -> Result<SaveOutcome, TokensError> {
            // The reference's identity check. The token it issues is dropped unused: a JWT is
            // recorded nowhere, so nothing is left behind.
            match users.issue_admin_token(&username, &password) {
                Ok(_) => {}
                Err(error) if error.class() == ErrorClass::Authentication => {
                    return Ok(SaveOutcome::WrongPassword);
                }
                Err(error) => return Err(error),
            }

            let saved = match id {
                None => integrations.create(input),
                Some(id) => integrations.update(id, input),
            };
            match saved {
                Ok(integration) => Ok(SaveOutcome::Saved(integration)),
                Err(error) if is_form_refusal(&error) => Ok(SaveOutcome::Refused(error)),
                Err(error) => Err(error),
            }
        },
    )
    .await??;

    let (errors, alert) = match outcome {
        SaveOutcome::Saved(integration) => {
            log::info!(
                "integration {} saved in the admin pages by admin {}",
                integration.id,
                session.admin_id()
            );
            let secure = needs_secure_cookies(req, state);
            return Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, GRID_PATH))
                .cookie(Flash::Saved(integration.name).cookie(secure))
                .finish());
        }
        SaveOutcome::WrongPassword => {
            let errors = FieldErrors {
                current_password: Some(WRONG_PASSWORD.to_owned()),
                ..FieldErrors::default()
            };
            (errors, NOT_SAVED.to_owned())
        }
        SaveOutcome::Refused(refusal) => placed_refusal(&refusal),
    };

    let page = form_page(state, session, target, form, errors, Some(alert));
    html(StatusCode::BAD_REQUEST, &page)
}

/// Refusals shown on the form rather than on an error page: bad or conflicting input.
fn is_form_refusal(error: &TokensError) -> bool {
    matches!(error.class(), ErrorClass::Input | ErrorClass::Conflict)
}

/// A refusal's place on the form: next to its field, or above the form.
fn placed_refusal(refusal: &TokensError) -> (FieldErrors, String) {
    let message = refusal.message();
    if let Some(errors) = field_error_of(&message) {
        return (errors, NOT_SAVED.to_owned());
    }
    if let TokensError::Acl(_) = refusal {
        let errors = FieldErrors {
            resources: Some(message.render()),
            ..FieldErrors::default()
        };
        return (errors, NOT_SAVED.to_owned());
    }
    (FieldErrors::default(), message.render())
}

/// The form page for `target`.
fn form_page(
    state: &AppState,
    session: &AdminSession,
    target: FormTarget,
    form: IntegrationForm,
    errors: FieldErrors,
    alert: Option<String>,
) -> FormPage {
    let (heading, action, read_only) = match &target {
        FormTarget::New => (
            "New Integration".to_owned(),
            "/admin/integrations/new".to_owned(),
            false,
        ),
        FormTarget::Edit { id, name } => (
            format!("Edit Integration: {name}"),
            format!("/admin/integrations/{id}/edit"),
            false,
        ),
        FormTarget::ReadOnly { id, name } => (
            format!("View Integration: {name}"),
            format!("/admin/integrations/{id}/edit"),
            true,
        ),
    };
    let alert = alert.or_else(|| read_only.then(|| messages::CONFIG_NOT_EDITABLE.to_owned()));
    let tree = tree_steps(state.services.integrations.resource_tree(), &form.resources);

    FormPage {
        layout: Layout::signed_in(&heading, session),
        heading,
        action,
        read_only,
        alert,
        form,
        errors,
        tree,
    }
}

/// The integration with its grant, or the reference's "doesn't exist" page.
pub(crate) async fn load_details(
    state: &AppState,
    id: IntegrationId,
) -> Result<IntegrationDetails, PageError> {
    let integrations = Arc::clone(&state.services.integrations);
    Ok(blocking(state, Duration::ZERO, move || integrations.details(id)).await??)
}

/// The integration id of a path; anything but a number is an integration that does not exist.
pub(crate) fn parse_id(raw: &str) -> Result<IntegrationId, PageError> {
    raw.parse::<i64>().map(IntegrationId).map_err(|_| {
        PageError::from(TokensError::refused(
            ErrorClass::NotFound,
            Message::new(messages::NOT_FOUND).with("1", raw),
        ))
    })
}

/// The grid sorted by `key` in the direction given, filtered by `filter`.
fn grid_href(key: SortKey, descending: bool, filter: &str) -> String {
    let dir = if descending { "desc" } else { "asc" };
    let mut href = format!("{GRID_PATH}?sort={}&dir={dir}", key.as_str());
    if !filter.is_empty() {
        href.push_str("&name=");
        href.push_str(&percent_encode(filter));
    }
    href
}

fn grid_row(integration: &Integration) -> GridRow {
    GridRow {
        id: integration.id.0,
        name: integration.name.clone(),
        email: integration.email.clone(),
        endpoint: integration.endpoint.clone().unwrap_or_default(),
        status: integration.status.label(),
        status_class: match integration.status {
            IntegrationStatus::Inactive => "inactive",
            IntegrationStatus::Active => "active",
            IntegrationStatus::Reset => "reset",
        },
        setup_type: setup_label(integration.setup_type),
        reauthorize: integration.status != IntegrationStatus::Inactive,
        config: integration.setup_type == SetupType::ConfigFile,
    }
}

fn setup_label(setup_type: SetupType) -> &'static str {
    match setup_type {
        SetupType::Manual => "Manual",
        SetupType::ConfigFile => "Config File",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn integration(id: i64, name: &str, status: IntegrationStatus) -> Integration {
        Integration {
            id: IntegrationId(id),
            name: name.to_owned(),
            email: String::new(),
            endpoint: None,
            identity_link_url: None,
            status,
            setup_type: SetupType::Manual,
            consumer_id: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn names_sort_without_regard_to_case() {
        let a = integration(2, "beta", IntegrationStatus::Active);
        let b = integration(1, "Alpha", IntegrationStatus::Inactive);
        assert_eq!(SortKey::Name.compare(&a, &b), Ordering::Greater);
        assert_eq!(SortKey::Status.compare(&a, &b), Ordering::Less);
    }

    #[test]
    fn sort_links_keep_the_filter_encoded() {
        assert_eq!(
            grid_href(SortKey::Status, true, "a&b c"),
            "/admin/integrations?sort=status&dir=desc&name=a%26b%20c"
        );
        assert_eq!(
            grid_href(SortKey::Name, false, ""),
            "/admin/integrations?sort=name&dir=asc"
        );
    }

    #[test]
    fn ids_must_be_numbers() {
        assert_eq!(parse_id("12").unwrap(), IntegrationId(12));
        assert_eq!(parse_id("x").unwrap_err().0.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn active_and_reset_integrations_are_reauthorized() {
        assert!(!grid_row(&integration(1, "a", IntegrationStatus::Inactive)).reauthorize);
        assert!(grid_row(&integration(1, "a", IntegrationStatus::Active)).reauthorize);
        assert!(grid_row(&integration(1, "a", IntegrationStatus::Reset)).reauthorize);
    }
}
