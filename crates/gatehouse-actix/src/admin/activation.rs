//! Activation, reauthorization and deletion, each behind a confirmation page that works
//! without JavaScript: a GET shows the question, a POST with the session's form key acts.
//!
//! Activation without an endpoint shows the four credentials once (the page is never cached);
//! with an endpoint, the credentials are posted there and the page offers the identity link.
//! A failed post shows the reference's message and changes nothing the admin can see.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use gatehouse_domain::{ErrorClass, Integration, IntegrationId, Message, SetupType};
use gatehouse_tokens::integration::{messages, Activation, IntegrationDetails};
use gatehouse_tokens::TokensError;

use crate::admin::error::forged_form_page;
use crate::admin::form::{grant_titles, Fields};
use crate::admin::integrations::{load_details, parse_id};
use crate::admin::session::{needs_secure_cookies, Flash};
use crate::admin::views::{ConfirmPage, Credential, ErrorPage, Layout, PostedPage, TokensPage};
use crate::admin::{html, AdminSession, PageError, FORM_KEY_FIELD, GRID_PATH};
use crate::auth::public_base;
use crate::error::ApiError;
use crate::handlers::blocking;
use crate::state::AppState;

/// `GET /admin/integrations/{id}/activate`: what the integration asks for, and "Allow".
pub(crate) async fn confirm_activate(
    state: web::Data<AppState>,
    session: AdminSession,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let details = load_details(&state, parse_id(&path)?).await?;
    let integration = &details.integration;

    let note = match &integration.endpoint {
        Some(endpoint) => format!(
            "Allowing posts the integration's consumer key and secret to {endpoint}, where the \
             integration then asks for its tokens."
        ),
        None => {
            "Allowing activates the integration at once and shows you its credentials.".to_owned()
        }
    };
    let page = ConfirmPage {
        layout: Layout::signed_in("Activate", &session),
        heading: format!("Activate {}", integration.name),
        intro: "The integration you selected asks you to approve access to the following:"
            .to_owned(),
        items: granted(&state, &details),
        note: Some(note),
        action: format!("/admin/integrations/{}/activate", integration.id),
        button: "Allow",
        danger: false,
    };
    html(StatusCode::OK, &page)
}

/// `GET /admin/integrations/{id}/reauthorize`: what reauthorizing does, and a button.
pub(crate) async fn confirm_reauthorize(
    state: web::Data<AppState>,
    session: AdminSession,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let details = load_details(&state, parse_id(&path)?).await?;
    let integration = &details.integration;

    let page = ConfirmPage {
        layout: Layout::signed_in("Reauthorize", &session),
        heading: format!("Reauthorize {}", integration.name),
        intro: "Reauthorizing deletes the integration's access token and runs the token \
                exchange again. The consumer key and secret stay the same. The integration \
                keeps access to:"
            .to_owned(),
        items: granted(&state, &details),
        note: Some("Until the exchange is done, requests signed with the old token fail.".into()),
        action: format!("/admin/integrations/{}/reauthorize", integration.id),
        button: "Reauthorize",
        danger: false,
    };
    html(StatusCode::OK, &page)
}

/// `GET /admin/integrations/{id}/delete`: the reference's question before deleting.
pub(crate) async fn confirm_delete(
    state: web::Data<AppState>,
    session: AdminSession,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let details = load_details(&state, parse_id(&path)?).await?;
    let integration = &details.integration;
    if integration.setup_type == SetupType::ConfigFile {
        return Err(not_deletable(integration));
    }

    let page = ConfirmPage {
        layout: Layout::signed_in("Delete", &session),
        heading: format!("Delete {}", integration.name),
        intro: "Are you sure you want to delete this integration? You can't undo this action."
            .to_owned(),
        items: Vec::new(),
        note: Some("Its consumer, tokens and resource access are deleted with it.".to_owned()),
        action: format!("/admin/integrations/{}/delete", integration.id),
        button: "Delete",
        danger: true,
    };
    html(StatusCode::OK, &page)
}

/// `POST /admin/integrations/{id}/activate`: runs the activation.
pub(crate) async fn activate(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: AdminSession,
    path: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields(fields.into_inner());
    exchange(&req, &state, &session, &path, &fields, Exchange::Activate).await
}

/// `POST /admin/integrations/{id}/reauthorize`: drops the token and activates again.
pub(crate) async fn reauthorize(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: AdminSession,
    path: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let fields = Fields(fields.into_inner());
    exchange(
        &req,
        &state,
        &session,
        &path,
        &fields,
        Exchange::Reauthorize,
    )
    .await
}

/// `POST /admin/integrations/{id}/delete`: deletes the integration and its consumer.
pub(crate) async fn delete(
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
    let id = parse_id(&path)?;

    let integrations = Arc::clone(&state.services.integrations);
    let deleted = blocking(&state, Duration::ZERO, move || integrations.delete(id)).await??;
    log::info!(
        "integration {id} deleted in the admin pages by admin {}",
        session.admin_id()
    );

    let secure = needs_secure_cookies(&req, &state);
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, GRID_PATH))
        .cookie(Flash::Deleted(deleted.name).cookie(secure))
        .finish())
}

/// Which exchange a POST asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exchange {
    Activate,
    Reauthorize,
}

/// Runs the token exchange and shows its outcome: the credentials, the identity link, or the
/// reference's message for a failed post.
async fn exchange(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    session: &AdminSession,
    path: &str,
    fields: &Fields,
    kind: Exchange,
) -> Result<HttpResponse, PageError> {
    if !session.accepts_form_key(state, fields.get(FORM_KEY_FIELD)) {
        return Ok(forged_form_page());
    }
    let id = parse_id(path)?;

    let store_base_url = public_base(req, &state.settings.public_base_url);
    let integrations = Arc::clone(&state.services.integrations);
    let poster = Arc::clone(&state.poster);
    let (integration, outcome) = blocking(
        state,
        state.settings.post_timeout,
        move || -> Result<_, TokensError> {
            let integration = integrations.get(id)?;
            let outcome = match kind {
                Exchange::Activate => integrations.activate(id, poster.as_ref(), &store_base_url),
                Exchange::Reauthorize => {
                    integrations.reauthorize(id, poster.as_ref(), &store_base_url)
                }
            };
            Ok((integration, outcome))
        },
    )
    .await??;

    match outcome {
        Ok(activation) => {
            log_exchange(id, session, kind, &activation);
            activation_page(session, integration, activation)
        }
        Err(TokensError::EndpointPost(cause)) => {
            log::warn!(
                "posting the credentials of integration {id} to its endpoint failed: {cause}"
            );
            let error = ApiError::Service(TokensError::EndpointPost(cause));
            let page = ErrorPage {
                layout: Layout::signed_in("Activation failed", session),
                heading: "Activation failed",
                message: error.message().render(),
            };
            html(error.status(), &page)
        }
        Err(error) => Err(error.into()),
    }
}

/// The page showing what an activation produced.
fn activation_page(
    session: &AdminSession,
    integration: Integration,
    activation: Activation,
) -> Result<HttpResponse, PageError> {
    match activation {
        Activation::Activated {
            consumer_key,
            consumer_secret,
            access_token,
            access_token_secret,
        } => {
            let credentials = vec![
                credential("consumer-key", "Consumer Key", consumer_key.as_str()),
                credential(
                    "consumer-secret",
                    "Consumer Secret",
                    consumer_secret.expose(),
                ),
                credential("access-token", "Access Token", access_token.as_str()),
                credential(
                    "access-token-secret",
                    "Access Token Secret",
                    access_token_secret.expose(),
                ),
            ];
            let page = TokensPage {
                layout: Layout::signed_in("Integration Tokens", session),
                name: integration.name,
                credentials,
            };
            html(StatusCode::OK, &page)
        }
        Activation::Posted {
            consumer_key,
            identity_link_url,
        } => {
            let page = PostedPage {
                layout: Layout::signed_in("Credentials sent", session),
                name: integration.name,
                endpoint: integration.endpoint.unwrap_or_default(),
                consumer_key: consumer_key.as_str().to_owned(),
                identity_link_url,
            };
            html(StatusCode::OK, &page)
        }
    }
}

fn credential(id: &'static str, label: &'static str, value: &str) -> Credential {
    Credential {
        id,
        label,
        value: value.to_owned(),
    }
}

fn log_exchange(
    id: IntegrationId,
    session: &AdminSession,
    kind: Exchange,
    activation: &Activation,
) {
    let verb = match kind {
        Exchange::Activate => "activated",
        Exchange::Reauthorize => "reauthorized",
    };
    let how = match activation {
        Activation::Activated { .. } => "credentials shown",
        Activation::Posted { .. } => "credentials posted to its endpoint",
    };
    log::info!(
        "integration {id} {verb} in the admin pages by admin {} ({how})",
        session.admin_id()
    );
}

/// The titles of the integration's grant.
fn granted(state: &AppState, details: &IntegrationDetails) -> Vec<String> {
    grant_titles(
        state.services.integrations.resource_tree(),
        &details.resources,
    )
}

/// The reference's refusal to delete a config-file integration.
fn not_deletable(integration: &Integration) -> PageError {
    PageError::from(TokensError::refused(
        ErrorClass::Input,
        Message::new(messages::CONFIG_NOT_DELETABLE).with("1", integration.name.clone()),
    ))
}
