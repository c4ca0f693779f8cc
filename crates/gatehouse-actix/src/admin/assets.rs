//! The admin UI's stylesheet and script, compiled into the binary and served from
//! `/admin/static/`. Nothing else is served there, so no path reaches the file system.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::admin::error::not_found;

/// The stylesheet.
const ADMIN_CSS: &str = include_str!("../../static/admin/admin.css");

/// The script: copy buttons and the resource tree's checkboxes. The pages work without it.
const ADMIN_JS: &str = include_str!("../../static/admin/admin.js");

/// How long browsers may keep an asset without asking again, in seconds. Short, because the
/// file names carry no version.
const MAX_AGE_SECS: u32 = 300;

/// `GET /admin/static/{file}`.
pub(crate) async fn serve(file: web::Path<String>) -> HttpResponse {
    let (content_type, body) = match file.as_str() {
        "admin.css" => ("text/css; charset=utf-8", ADMIN_CSS),
        "admin.js" => ("text/javascript; charset=utf-8", ADMIN_JS),
        _ => return not_found().await,
    };

    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CACHE_CONTROL,
            format!("private, max-age={MAX_AGE_SECS}"),
        ))
        .body(body)
}
