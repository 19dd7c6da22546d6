//! API errors: a status and a message a person can act on, sent as `{"error": "…"}` in the
//! request's language (`lang`, else the server's `--lang`, else Chinese). Bad input is a 4xx
//! naming the parameter and what it accepts; only a failure of the server itself is a 500.

use axum::Json;
use std::time::Duration;

use axum::http::header::{ALLOW, RETRY_AFTER};
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{Error, Text};
use crate::lang::{Lang, both};

/// What went wrong with a request.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    /// The message in both languages; [`ApiError::in_lang`] picks the request's.
    text: Text,
    /// The language the answer is in: Chinese until [`ApiError::in_lang`] says otherwise.
    lang: Lang,
    /// Why a 503 is one (`deadline`, `busy`, `exports`), for a client that says it in its own
    /// words: the page tells a web user to narrow the search, not to raise `--deadline`.
    reason: Option<&'static str>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
}

impl ApiError {
    /// A 400 with `message`: words the same in both languages (a [`Text`] for both).
    pub fn bad_request(message: impl Into<Text>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message.into())
    }

    pub fn internal(message: impl Into<Text>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message.into())
    }

    /// A 500: the server itself failed; `detail` is the system's words.
    pub fn failed(detail: String) -> ApiError {
        ApiError::internal(both("param.internal", &[("detail", &detail)]))
    }

    fn new(status: StatusCode, text: Text) -> ApiError {
        ApiError {
            status,
            text,
            lang: Lang::default(),
            reason: None,
        }
    }

    /// The work took longer than the server's `--deadline` and was stopped.
    pub fn deadline(limit: Duration) -> ApiError {
        ApiError::unavailable("deadline", "serve.deadline", &[("limit", &seconds(limit))])
    }

    /// Other searches held every thread until the deadline.
    pub fn busy(limit: Duration) -> ApiError {
        ApiError::unavailable("busy", "serve.busy", &[("limit", &seconds(limit))])
    }

    pub fn too_many_exports(max: usize) -> ApiError {
        ApiError::unavailable(
            "exports",
            "serve.too_many_exports",
            &[("max", &max.to_string())],
        )
    }

    /// A 503 for `reason` whose message is the label `key` of `index_schema/labels.tsv`, in
    /// both languages.
    fn unavailable(reason: &'static str, key: &str, values: &[(&str, &str)]) -> ApiError {
        ApiError {
            reason: Some(reason),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, both(key, values))
        }
    }

    /// The error as a request in `lang` reads it.
    pub fn in_lang(mut self, lang: Lang) -> ApiError {
        self.lang = lang;
        self
    }

    /// `/api/report?file=…` names no report of the index (a path is never opened: `../x`, an
    /// absolute path or a file the index does not hold are all simply not there).
    pub fn no_report(file: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            both("serve.no_report", &[("file", file)]),
        )
    }

    /// A `Host` this server does not answer to (DNS rebinding).
    pub fn misdirected(message: Text) -> ApiError {
        ApiError::new(StatusCode::MISDIRECTED_REQUEST, message)
    }

    #[cfg(test)]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message in the language of the request.
    pub fn message(&self) -> &str {
        self.text.get(self.lang)
    }

    /// What the answer's JSON holds: `{"error": "…"}`, and a 503's `"reason"`.
    fn body(&self) -> ErrorBody<'_> {
        ErrorBody {
            error: self.message(),
            reason: self.reason,
        }
    }
}

/// `5 s`, `1.5 s`.
fn seconds(limit: Duration) -> String {
    format!("{} s", limit.as_secs_f64())
}

impl From<Error> for ApiError {
    fn from(error: Error) -> ApiError {
        match error {
            Error::Usage(message) => ApiError::bad_request(Text {
                zh: as_parameter(&message.zh),
                en: as_parameter(&message.en),
            }),
            Error::Query { .. } => ApiError::bad_request(error.text()),
            other => ApiError::internal(other.text()),
        }
    }
}

impl From<std::io::Error> for ApiError {
    fn from(error: std::io::Error) -> ApiError {
        ApiError::failed(format!("cannot write the answer: {error}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            eprintln!("fazhi-query: error: {}", self.message());
        }
        let mut response = (self.status, Json(self.body())).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The library's messages name command-line options (`--year "abc": write a year…`, `…leave
/// --province out`); the API's name its parameters (`year="abc": write a year…`, `…leave
/// province out`). An option that is no parameter (the server's own `--deadline`) stays.
fn as_parameter(message: &str) -> String {
    let option = message
        .strip_prefix("--")
        .and_then(|rest| rest.split_once(' '))
        .filter(|(name, _)| is_parameter(name));
    let message = match option {
        Some((name, rest)) => format!("{name}={rest}"),
        None => message.to_string(),
    };
    let mut out = String::with_capacity(message.len());
    let mut rest = message.as_str();
    while let Some(at) = rest.find("--") {
        let after = &rest[at + 2..];
        let end = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '-' || c == '_'))
            .unwrap_or(after.len());
        out.push_str(&rest[..at]);
        if !is_parameter(&after[..end]) {
            out.push_str("--");
        }
        out.push_str(&after[..end]);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Whether `name` is a parameter of some endpoint: a filter, or one of the others.
fn is_parameter(name: &str) -> bool {
    const OTHERS: [&str; 14] = [
        "q", "compare", "by", "limit", "offset", "context", "full", "facets", "sort", "width",
        "format", "file", "lang", "passage",
    ];
    OTHERS.contains(&name) || crate::request::filter_names().any(|f| f == name)
}

/// Every path the router does not know; nothing is looked up on disk.
pub async fn not_found(uri: Uri) -> ApiError {
    let lang = super::params::lang_of(&uri);
    ApiError::new(
        StatusCode::NOT_FOUND,
        both("serve.not_found", &[("path", uri.path())]),
    )
    .in_lang(lang)
}

/// The server only reads.
pub async fn method_not_allowed(method: Method, uri: Uri) -> impl IntoResponse {
    let error = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        both("serve.method", &[("method", method.as_str())]),
    )
    .in_lang(super::params::lang_of(&uri));
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
                ApiError::new(error.status, error.text.clone()).in_lang(Lang::Zh),
                error.in_lang(Lang::En),
            );
            assert!(zh_error.message().contains(zh), "{}", zh_error.message());
            assert!(en_error.message().contains(en), "{}", en_error.message());
        }
        // Other messages are as they are in both.
        let other = ApiError::bad_request("same in both").in_lang(Lang::Zh);
        assert_eq!(other.message(), "same in both");
        // The library's in the request's language, the option named as a parameter.
        let library = || {
            ApiError::from(Error::Usage(both(
                "err.empty_value",
                &[("option", "province")],
            )))
        };
        assert!(
            library()
                .in_lang(Lang::Zh)
                .message()
                .starts_with("province=\"\"：值为空"),
            "{:?}",
            library()
        );
        assert!(
            library()
                .in_lang(Lang::En)
                .message()
                .starts_with("province=\"\": the value is empty"),
            "{:?}",
            library()
        );
        let about = |e: Error, name: &str| ApiError::from(e.about(name));
        let empty = Error::Usage(both("err.empty_value", &[("option", "province")]));
        assert_eq!(about(empty, "province").message(), library().message());
        let unknown = about(Error::Usage("unknown section type".into()), "type");
        assert_eq!(
            unknown.in_lang(Lang::En).message(),
            "type: unknown section type"
        );
    }

    /// A 503 says why in a word the page reads, so that it can tell a web user what to do
    /// (the message tells whoever runs the server to raise `--deadline`); other errors do not.
    #[test]
    fn an_unavailable_answer_says_why() {
        let limit = Duration::from_secs(5);
        let rows = [
            (ApiError::deadline(limit), Some("deadline")),
            (ApiError::busy(limit), Some("busy")),
            (ApiError::too_many_exports(16), Some("exports")),
            (ApiError::bad_request("x"), None),
            (ApiError::failed("disk".into()), None),
            (ApiError::no_report("a.txt"), None),
        ];
        for (error, reason) in rows {
            let body = serde_json::to_value(error.in_lang(Lang::En).body()).expect("JSON");
            assert_eq!(body["reason"].as_str(), reason, "{body}");
            assert!(body["error"].is_string(), "{body}");
        }
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
            // An option named inside a message is the parameter too; the server's own stays.
            (
                "--province \"\": the value is empty; write a value or leave --province out",
                "province=\"\": the value is empty; write a value or leave province out",
            ),
            (
                "province=\"\"：值为空；请写出一个值，或去掉 --province",
                "province=\"\"：值为空；请写出一个值，或去掉 province",
            ),
            ("--by \"x\": e.g. --by year", "by=\"x\": e.g. by year"),
            ("stopped; raise --deadline", "stopped; raise --deadline"),
            ("a -- b --", "a -- b --"),
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
