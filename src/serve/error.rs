//! API errors: a status and a message a person can act on, sent as `{"error": "…"}`. Bad
//! input is a 4xx naming the parameter and what it accepts; only a failure of the server
//! itself is a 500.

use axum::Json;
use std::time::Duration;

use axum::http::header::{ALLOW, RETRY_AFTER};
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::Error;
use crate::lang::Lang;

/// What went wrong with a request.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    /// The message in Chinese, for the server's own messages (deadline, busy): sent instead
    /// of `message` to a request in Chinese, the default ([`ApiError::in_lang`]).
    zh: Option<String>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            zh: None,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            zh: None,
            message: message.into(),
        }
    }

    /// The work took longer than the server's `--deadline` and was stopped.
    pub fn deadline(limit: Duration) -> ApiError {
        ApiError::unavailable("serve.deadline", &[("limit", &seconds(limit))])
    }

    /// Other searches held every thread until the deadline.
    pub fn busy(limit: Duration) -> ApiError {
        ApiError::unavailable("serve.busy", &[("limit", &seconds(limit))])
    }

    pub fn too_many_exports(max: usize) -> ApiError {
        ApiError::unavailable("serve.too_many_exports", &[("max", &max.to_string())])
    }

    /// A 503 whose message is the label `key` of `index_schema/labels.tsv`, in both languages.
    fn unavailable(key: &str, values: &[(&str, &str)]) -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: Lang::En.fill(key, values),
            zh: Some(Lang::Zh.fill(key, values)),
        }
    }

    /// The error as a request in `lang` reads it: the server's own messages in Chinese unless
    /// English was asked for.
    pub fn in_lang(mut self, lang: Lang) -> ApiError {
        if let (Lang::Zh, Some(zh)) = (lang, self.zh.take()) {
            self.message = zh;
        }
        self
    }

    /// `/api/report?file=…` names no report of the index (a path is never opened: `../x`, an
    /// absolute path or a file the index does not hold are all simply not there).
    pub fn no_report(file: &str) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: Lang::En.fill("serve.no_report", &[("file", file)]),
            zh: Some(Lang::Zh.fill("serve.no_report", &[("file", file)])),
        }
    }

    /// A `Host` this server does not answer to (DNS rebinding).
    pub fn misdirected(message: String) -> ApiError {
        ApiError {
            status: StatusCode::MISDIRECTED_REQUEST,
            zh: None,
            message,
        }
    }

    #[cfg(test)]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

/// `5 s`, `1.5 s`.
fn seconds(limit: Duration) -> String {
    format!("{} s", limit.as_secs_f64())
}

impl From<Error> for ApiError {
    fn from(error: Error) -> ApiError {
        match error {
            Error::Usage(message) => ApiError::bad_request(as_parameter(&message)),
            Error::Query { .. } => ApiError::bad_request(error.to_string()),
            other => ApiError::internal(other.to_string()),
        }
    }
}

impl From<std::io::Error> for ApiError {
    fn from(error: std::io::Error) -> ApiError {
        ApiError::internal(format!("cannot write the answer: {error}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            eprintln!("fazhi-query: error: {}", self.message);
        }
        let body = ErrorBody {
            error: &self.message,
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The library's messages name command-line options (`--year "abc": write a year…`); the
/// API's name its parameters (`year="abc": write a year…`).
fn as_parameter(message: &str) -> String {
    let option = message
        .strip_prefix("--")
        .and_then(|rest| rest.split_once(' '))
        .filter(|(name, _)| name.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
    match option {
        Some((name, rest)) => format!("{name}={rest}"),
        None => message.to_string(),
    }
}

/// Every path the router does not know; nothing is looked up on disk.
pub async fn not_found(uri: Uri) -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        zh: None,
        message: format!(
            "nothing at {}: the search page is /, a report is read at /report, the API is \
             /api/search, /api/report, /api/stats, /api/kwic, /api/export and /api/chart.svg",
            uri.path()
        ),
    }
}

/// The server only reads.
pub async fn method_not_allowed(method: Method) -> impl IntoResponse {
    let error = ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        zh: None,
        message: format!("{method} is not allowed: this server only reads; use GET"),
    };
    ([(ALLOW, "GET, HEAD")], error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_own_messages_in_either_language() {
        let limit = Duration::from_secs(5);
        let rows = [
            (
                ApiError::deadline(limit),
                "检索用时超过 5 s，已停止",
                "the search took longer than 5 s",
            ),
            (
                ApiError::busy(limit),
                "服务器在 5 s（其时限）内忙于其他检索",
                "busy with other searches for 5 s",
            ),
            (
                ApiError::too_many_exports(16),
                "同时进行的导出过多（正在发送 16 个）",
                "too many exports at once (16 are being sent)",
            ),
        ];
        for (error, zh, en) in rows {
            let (zh_error, en_error) = (
                ApiError {
                    zh: error.zh.clone(),
                    message: error.message.clone(),
                    status: error.status,
                }
                .in_lang(Lang::Zh),
                error.in_lang(Lang::En),
            );
            assert!(zh_error.message().contains(zh), "{}", zh_error.message());
            assert!(en_error.message().contains(en), "{}", en_error.message());
        }
        // Other messages are as they are in both.
        let other = ApiError::bad_request("q is missing").in_lang(Lang::Zh);
        assert_eq!(other.message(), "q is missing");
    }

    #[test]
    fn option_names_become_parameter_names() {
        let rows = [
            (
                "--year \"abc\": write a year (2023) or a range (2020..2023)",
                "year=\"abc\": write a year (2023) or a range (2020..2023)",
            ),
            (
                "--region \"x\": write a path like /河南省/商丘市",
                "region=\"x\": write a path like /河南省/商丘市",
            ),
            ("cannot group by \"decade\"", "cannot group by \"decade\""),
            ("--Weird message", "--Weird message"),
        ];
        for (library, api) in rows {
            assert_eq!(as_parameter(library), api, "rewriting {library:?}");
        }
    }

    #[test]
    fn bad_input_is_a_client_error_and_the_rest_a_server_error() {
        let rows = [
            (Error::Usage("x".into()), StatusCode::BAD_REQUEST),
            (
                Error::Query {
                    message: "unclosed quote".into(),
                    query: "\"法律".into(),
                    caret: "^".into(),
                },
                StatusCode::BAD_REQUEST,
            ),
            (
                Error::Chart("no font".into()),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ];
        for (error, status) in rows {
            let text = error.to_string();
            assert_eq!(ApiError::from(error).status, status, "status of {text:?}");
        }
    }
}
