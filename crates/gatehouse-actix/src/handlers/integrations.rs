//! The management routes: integrations, their activation, and the ACL resource tree. Every
//! route here requires `Magento_Integration::integrations`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use gatehouse_domain::{Integration, IntegrationId};
use gatehouse_tokens::integration::{
    Activation, IntegrationDetails, IntegrationInput, ResourceSelection,
};

use crate::auth::{public_base, IntegrationsResource, RequireResource};
use crate::error::ApiError;
use crate::handlers::{blocking, path_id, read_json, run};
use crate::state::AppState;

/// The guard of every route in this module.
type Manager = RequireResource<IntegrationsResource>;

/// The body of create and update. Missing strings read as empty, so that the service answers
/// which required field is missing.
#[derive(Debug, Default, Deserialize)]
struct IntegrationBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    endpoint: Option<String>,
    #[serde(default)]
    identity_link_url: Option<String>,
    #[serde(default)]
    all_resources: Option<bool>,
    #[serde(default)]
    resources: Option<Vec<String>>,
}

impl IntegrationBody {
    fn into_input(self) -> IntegrationInput {
        let resources = if self.all_resources == Some(true) {
            ResourceSelection::All
        } else {
            ResourceSelection::Only(self.resources.unwrap_or_default())
        };
        IntegrationInput {
            name: self.name.unwrap_or_default(),
            email: self.email.unwrap_or_default(),
            endpoint: self.endpoint.filter(|url| !url.is_empty()),
            identity_link_url: self.identity_link_url.filter(|url| !url.is_empty()),
            resources,
        }
    }
}

/// `GET /rest/V1/integrations`.
pub(crate) async fn list(_: Manager, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let integrations = state.services.integrations.clone();
    let listed = run(&state, move || integrations.list()).await?;

    let body: Vec<Value> = listed.iter().map(summary_json).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// `POST /rest/V1/integrations`.
pub(crate) async fn create(
    req: HttpRequest,
    payload: web::Payload,
    _: Manager,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body: IntegrationBody = read_json(&req, payload, &state).await?;

    let integrations = state.services.integrations.clone();
    let details = run(&state, move || {
        let created = integrations.create(body.into_input())?;
        integrations.details(created.id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(details_json(&details)))
}

/// `GET /rest/V1/integrations/{id}`.
pub(crate) async fn get(
    req: HttpRequest,
    _: Manager,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = IntegrationId(path_id(&req, "id")?);

    let integrations = state.services.integrations.clone();
    let details = run(&state, move || integrations.details(id)).await?;
    Ok(HttpResponse::Ok().json(details_json(&details)))
}

/// `PUT /rest/V1/integrations/{id}`.
pub(crate) async fn update(
    req: HttpRequest,
    payload: web::Payload,
    _: Manager,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = IntegrationId(path_id(&req, "id")?);
    let body: IntegrationBody = read_json(&req, payload, &state).await?;

    let integrations = state.services.integrations.clone();
    let details = run(&state, move || {
        integrations.update(id, body.into_input())?;
        integrations.details(id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(details_json(&details)))
}

/// `DELETE /rest/V1/integrations/{id}`: answers the deleted integration.
pub(crate) async fn delete(
    req: HttpRequest,
    _: Manager,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = IntegrationId(path_id(&req, "id")?);

    let integrations = state.services.integrations.clone();
    let deleted = run(&state, move || integrations.delete(id)).await?;
    Ok(HttpResponse::Ok().json(summary_json(&deleted)))
}

/// `POST /rest/V1/integrations/{id}/activate`.
pub(crate) async fn activate(
    req: HttpRequest,
    _: Manager,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    start_exchange(&req, &state, false).await
}

/// `POST /rest/V1/integrations/{id}/reauthorize`.
pub(crate) async fn reauthorize(
    req: HttpRequest,
    _: Manager,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    start_exchange(&req, &state, true).await
}

/// Activates or reauthorizes. With an endpoint, the credential POST runs on the same blocking
/// thread as the service (see [`crate::poster`]).
async fn start_exchange(
    req: &HttpRequest,
    state: &AppState,
    reauthorize: bool,
) -> Result<HttpResponse, ApiError> {
    let id = IntegrationId(path_id(req, "id")?);
    let store_base_url = public_base(req, &state.settings.public_base_url);

    let integrations = state.services.integrations.clone();
    let poster = state.poster.clone();
    // The credential POST may take its own timeout on top of the database work.
    let activation = blocking(state, state.settings.post_timeout, move || {
        if reauthorize {
            integrations.reauthorize(id, poster.as_ref(), &store_base_url)
        } else {
            integrations.activate(id, poster.as_ref(), &store_base_url)
        }
    })
    .await??;

    let body = match activation {
        Activation::Posted {
            consumer_key,
            identity_link_url,
        } => json!({
            "consumer_key": consumer_key.as_str(),
            "identity_link_url": identity_link_url,
        }),
        Activation::Activated {
            consumer_key,
            consumer_secret,
            access_token,
            access_token_secret,
        } => json!({
            "consumer_key": consumer_key.as_str(),
            "consumer_secret": consumer_secret.expose(),
            "access_token": access_token.as_str(),
            "access_token_secret": access_token_secret.expose(),
        }),
    };
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /rest/V1/acl/resources`: the resource tree.
pub(crate) async fn acl_resources(_: Manager, state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.services.acl.tree().nodes())
}

/// An integration's own fields.
fn summary_json(integration: &Integration) -> Value {
    json!({
        "id": integration.id.0,
        "name": integration.name,
        "email": integration.email,
        "endpoint": integration.endpoint,
        "identity_link_url": integration.identity_link_url,
        "status": integration.status.code(),
        "setup_type": integration.setup_type.code(),
        "created_at": integration.created_at,
        "updated_at": integration.updated_at,
    })
}

/// An integration with its consumer key and grant.
fn details_json(details: &IntegrationDetails) -> Value {
    let mut body = summary_json(&details.integration);
    let (all_resources, resources) = match &details.resources {
        ResourceSelection::All => (true, Vec::new()),
        ResourceSelection::Only(resources) => (false, resources.clone()),
    };
    if let Value::Object(fields) = &mut body {
        fields.insert(
            "consumer_key".to_owned(),
            json!(details.consumer_key.as_ref().map(|key| key.as_str())),
        );
        fields.insert("all_resources".to_owned(), json!(all_resources));
        fields.insert("resources".to_owned(), json!(resources));
    }
    body
}
