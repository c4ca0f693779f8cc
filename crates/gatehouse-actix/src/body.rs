//! Request bodies and parameters within limits: the body size limit, the cap on the number of
//! query and form parameters, and JSON decoding with the crate's own error answers.

use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use actix_web::HttpRequest;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Reads the whole body, refusing it once it exceeds `limit` bytes (before reading anything
/// when `Content-Length` already says so), or when it has not all arrived within `timeout`.
pub async fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::BodyTooLarge { limit });
    }

    // A client that stops sending would otherwise hold its connection and buffer for ever.
    let read = async {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(ApiError::Payload)?;
            if body.len() + chunk.len() > limit {
                return Err(ApiError::BodyTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    match actix_web::rt::time::timeout(timeout, read).await {
        Ok(body) => body,
        Err(_) => Err(ApiError::BodyTimeout { after: timeout }),
    }
}

/// Refuses a query string or form body with more than `limit` parameters.
pub fn check_parameter_count(encoded: &[u8], limit: usize) -> Result<(), ApiError> {
    let count = encoded
        .split(|byte| *byte == b'&')
        .filter(|pair| !pair.is_empty())
        .count();
    if count > limit {
        return Err(ApiError::TooManyParameters { limit });
    }
    Ok(())
}

/// Refuses a request whose headers, names and values together, exceed `limit` bytes.
pub fn check_header_size(req: &HttpRequest, limit: usize) -> Result<(), ApiError> {
    let size: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if size > limit {
        return Err(ApiError::HeadersTooLarge { limit });
    }
    Ok(())
}

/// Whether the request's body is `application/x-www-form-urlencoded`.
pub fn is_form(req: &HttpRequest) -> bool {
    content_type(req).is_some_and(|value| {
        let media_type = value.split(';').next().unwrap_or_default().trim();
        media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded")
    })
}

/// The raw `Content-Type` header, when it is text.
pub fn content_type(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
}

/// Decodes a JSON body. An empty body reads as `{}`, so that a route with required fields
/// answers which ones are missing, as the reference does, instead of a decoding error.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        body
    };
    serde_json::from_slice(body).map_err(ApiError::MalformedJson)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[test]
    fn counts_parameters() {
        assert!(check_parameter_count(b"a=1&b=2&c", 3).is_ok());
        assert!(check_parameter_count(b"a=1&&b=2&", 2).is_ok());
        assert!(matches!(
            check_parameter_count(b"a&b&c&d", 3),
            Err(ApiError::TooManyParameters { limit: 3 })
        ));
        assert!(check_parameter_count(b"", 0).is_ok());
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Login {
        username: Option<String>,
    }

    #[test]
    fn json_bodies() {
        assert_eq!(parse_json::<Login>(b"").unwrap(), Login { username: None });
        assert_eq!(
            parse_json::<Login>(br#"{"username":"ada"}"#).unwrap(),
            Login {
                username: Some("ada".into())
            }
        );
        assert!(matches!(
            parse_json::<Login>(b"{\"username\":"),
            Err(ApiError::MalformedJson(_))
        ));
    }
}
