//! The OpenAPI 3 document served at `/rest/schema`, generated from the route table
//! ([`crate::routes::mounted_routes`]) so that it lists exactly what the router serves.

use serde_json::{json, Map, Value};

use crate::routes::{mounted_routes, Access, RequestBody, ResponseBody, RouteSpec};

/// The OpenAPI 3.0 document of every mounted route.
pub fn openapi_document() -> Value {
    let mut paths = Map::new();
    for route in mounted_routes() {
        let spec = route.spec;
        let operation = operation(&route.path, spec);
        let entry = paths
            .entry(route.path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(methods) = entry {
            methods.insert(spec.verb.as_str().to_ascii_lowercase(), operation);
        }
    }

    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Gatehouse",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "OAuth 1.0a integrations, admin and customer tokens and ACL checks, \
                            compatible with the reference platform's web API. Every \
                            /rest/V1/… route is also served as /rest/{store_code}/V1/…."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "oauth1": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "An OAuth 1.0a signed request (RFC 5849), HMAC-SHA256."
                }
            },
            "schemas": schemas(),
        }
    })
}

fn operation(path: &str, spec: &RouteSpec) -> Value {
    let mut operation = Map::new();
    operation.insert("summary".to_owned(), json!(spec.summary));
    operation.insert(
        "operationId".to_owned(),
        json!(operation_id(spec.verb.as_str(), path)),
    );

    let parameters: Vec<Value> = path_parameters(path)
        .into_iter()
        .map(|name| {
            let schema = if name == "store_code" {
                json!({"type": "string"})
            } else {
                json!({"type": "integer", "format": "int64"})
            };
            json!({"name": name, "in": "path", "required": true, "schema": schema})
        })
        .collect();
    if !parameters.is_empty() {
        operation.insert("parameters".to_owned(), Value::Array(parameters));
    }

    match spec.request {
        RequestBody::None => {}
        RequestBody::Json(schema) => {
            operation.insert(
                "requestBody".to_owned(),
                json!({
                    "required": true,
                    "content": {"application/json": {"schema": reference(schema)}}
                }),
            );
        }
        RequestBody::Form => {
            operation.insert(
                "requestBody".to_owned(),
                json!({
                    "required": false,
                    "content": {
                        "application/x-www-form-urlencoded": {"schema": {"type": "object"}}
                    }
                }),
            );
        }
    }

    let (security, resource) = match spec.access {
        Access::Public => (json!([]), None),
        Access::Signed => (json!([{"oauth1": []}]), None),
        Access::Customer => (json!([{"bearer": []}]), Some(gatehouse_acl::SELF)),
        Access::Authenticated => (json!([{"bearer": []}, {"oauth1": []}]), None),
        Access::Resource(resource) => (json!([{"bearer": []}, {"oauth1": []}]), Some(resource)),
    };
    operation.insert("security".to_owned(), security);
    if let Some(resource) = resource {
        operation.insert("x-acl-resource".to_owned(), json!(resource));
    }

    operation.insert("responses".to_owned(), responses(spec));
    Value::Object(operation)
}

fn responses(spec: &RouteSpec) -> Value {
    let success = match spec.response {
        ResponseBody::Json(schema) => json!({
            "description": "Success.",
            "content": {"application/json": {"schema": reference(schema)}}
        }),
        ResponseBody::Form => json!({
            "description": "oauth_token=…&oauth_token_secret=…",
            "content": {"application/x-www-form-urlencoded": {"schema": {"type": "string"}}}
        }),
        ResponseBody::Text => json!({
            "description": "Prometheus text format.",
            "content": {"text/plain": {"schema": {"type": "string"}}}
        }),
    };

    let failure = if spec.access == Access::Signed {
        json!({
            "description": "oauth_problem=<message>",
            "content": {"application/x-www-form-urlencoded": {"schema": {"type": "string"}}}
        })
    } else {
        json!({
            "description": "An error.",
            "content": {"application/json": {"schema": reference("Error")}}
        })
    };

    let mut responses = Map::new();
    responses.insert("200".to_owned(), success);
    let statuses: &[&str] = match spec.access {
        Access::Public if spec.request == RequestBody::None => &["500", "503"],
        _ => &["400", "401", "404", "405", "413", "500", "503"],
    };
    for status in statuses {
        responses.insert((*status).to_owned(), failure.clone());
    }
    Value::Object(responses)
}

/// `{name}` segments of a path pattern, in order.
fn path_parameters(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

/// A stable, unique operation id: the method and the path's words, camel-cased.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for word in path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.extend(chars);
        }
    }
    id
}

fn reference(schema: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{schema}")})
}

fn schemas() -> Value {
    let message_parameters = json!({
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": "Placeholder values keyed by placeholder name (\"1\" for %1)."
    });
    let integration_fields = json!({
        "id": {"type": "integer", "format": "int64"},
        "name": {"type": "string"},
        "email": {"type": "string"},
        "endpoint": {"type": "string", "nullable": true},
        "identity_link_url": {"type": "string", "nullable": true},
        "status": {
            "type": "integer",
            "enum": [0, 1, 2],
            "description": "0 inactive, 1 active, 2 reset"
        },
        "setup_type": {"type": "integer", "enum": [0, 1], "description": "0 manual, 1 config file"},
        "created_at": {"type": "integer", "format": "int64"},
        "updated_at": {"type": "integer", "format": "int64"}
    });
    let mut full_fields = integration_fields.clone();
    if let Value::Object(fields) = &mut full_fields {
        fields.insert(
            "consumer_key".to_owned(),
            json!({"type": "string", "nullable": true}),
        );
        fields.insert("all_resources".to_owned(), json!({"type": "boolean"}));
        fields.insert(
            "resources".to_owned(),
            json!({"type": "array", "items": {"type": "string"}}),
        );
    }

    json!({
        "Error": {
            "type": "object",
            "required": ["message"],
            "properties": {
                "message": {
                    "type": "string",
                    "description": "The message template, placeholders kept."
                },
                "parameters": message_parameters,
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "message": {"type": "string"},
                            "parameters": message_parameters
                        }
                    }
                }
            }
        },
        "Login": {
            "type": "object",
            "required": ["username", "password"],
            "properties": {
                "username": {"type": "string"},
                "password": {"type": "string", "format": "password"}
            }
        },
        "Token": {"type": "string", "description": "A JWT bearer token."},
        "Boolean": {"type": "boolean"},
        "Caller": {
            "type": "object",
            "properties": {
                "user_type": {"type": "integer", "enum": [1, 2, 3]},
                "user_id": {"type": "integer", "format": "int64"},
                "resources": {"type": "array", "items": {"type": "string"}}
            }
        },
        "IntegrationInput": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 2},
                "email": {"type": "string"},
                "endpoint": {"type": "string"},
                "identity_link_url": {"type": "string"},
                "all_resources": {"type": "boolean"},
                "resources": {"type": "array", "items": {"type": "string"}}
            }
        },
        "IntegrationSummary": {"type": "object", "properties": integration_fields},
        "Integration": {"type": "object", "properties": full_fields},
        "IntegrationList": {"type": "array", "items": reference("IntegrationSummary")},
        "Activation": {
            "type": "object",
            "description": "With an endpoint: consumer_key and identity_link_url. \
                            Without: the four credentials.",
            "properties": {
                "consumer_key": {"type": "string"},
                "identity_link_url": {"type": "string", "nullable": true},
                "consumer_secret": {"type": "string"},
                "access_token": {"type": "string"},
                "access_token_secret": {"type": "string"}
            }
        },
        "ResourceTree": {"type": "array", "items": reference("ResourceNode")},
        "ResourceNode": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "sort_order": {"type": "integer"},
                "children": {"type": "array", "items": reference("ResourceNode")}
            }
        },
        "Status": {"type": "object", "properties": {"status": {"type": "string"}}},
        "OpenApi": {"type": "object"}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mounted_route_is_documented() {
        let document = openapi_document();
        for route in mounted_routes() {
            let method = route.spec.verb.as_str().to_ascii_lowercase();
            assert!(
                document["paths"][&route.path][&method].is_object(),
                "{method} {} is missing",
                route.path
            );
        }
    }

    #[test]
    fn references_resolve_and_ids_are_unique() {
        let document = openapi_document();
        let text = document.to_string();
        for (index, _) in text.match_indices("#/components/schemas/") {
            let name: String = text[index + 21..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(
                document["components"]["schemas"][&name].is_object(),
                "{name}"
            );
        }

        let mut ids = std::collections::HashSet::new();
        for methods in document["paths"].as_object().unwrap().values() {
            for operation in methods.as_object().unwrap().values() {
                assert!(ids.insert(operation["operationId"].as_str().unwrap().to_owned()));
            }
        }
    }

    #[test]
    fn acl_routes_name_their_resource() {
        let document = openapi_document();
        assert_eq!(
            document["paths"]["/rest/V1/integrations"]["post"]["x-acl-resource"],
            "Magento_Integration::integrations"
        );
        assert_eq!(
            document["paths"]["/rest/{store_code}/V1/integrations/{id}"]["get"]["parameters"][0]
                ["name"],
            "store_code"
        );
    }
}
