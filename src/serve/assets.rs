//! The page's files, compiled into the binary: served from memory by fixed routes, so no
//! request ever names a file on disk.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");
const FAVICON_SVG: &str = include_str!("assets/favicon.svg");

/// An embedded file; browsers revalidate it, so a new binary's page is never mixed with an
/// old script.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")],
        body,
    )
        .into_response()
}

pub async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

pub async fn style() -> Response {
    asset("text/css; charset=utf-8", APP_CSS)
}

pub async fn icon() -> Response {
    asset("image/svg+xml", FAVICON_SVG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_runs_no_inline_script() {
        let page = INDEX_HTML.to_ascii_lowercase();
        let scripts: Vec<&str> = page.split("<script").skip(1).collect();
        assert_eq!(scripts.len(), 1, "one script tag");
        assert!(
            scripts[0].trim_start().starts_with("src=\"/app.js\""),
            "{}",
            scripts[0]
        );
        assert!(scripts[0].contains("></script>"), "the script tag is empty");
        for handler in [
            " onclick=",
            " onload=",
            " onerror=",
            " style=",
            "javascript:",
        ] {
            assert!(!page.contains(handler), "the page has {handler}");
        }
    }

    #[test]
    fn the_script_never_parses_html() {
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
        ] {
            assert!(!APP_JS.contains(sink), "app.js uses {sink}");
        }
    }
}
