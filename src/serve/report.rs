//! `GET /api/report?file=…&q=…`: a whole report read back from the index, as
//! `fazhi-query show FILE --format json` writes it (metadata, every section with its id,
//! headings, type, line, text, citation and the query's matches). `file` is a report of the
//! index, looked up as a key and never opened: any other value is a 404, whatever it looks
//! like (`../x`, `/etc/passwd`, percent-encoded or not). Answering never reads the corpus.

use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;

use super::App;
use super::api::json;
use super::error::ApiError;
use super::params;
use crate::export::Format;
use crate::export::report::{ShowOptions, write};
use crate::lang::Lang;
use crate::search::{self, Query};

/// What `/api/report` takes besides `lang`.
const KEYS: [&str; 2] = ["file", "q"];

/// A validated `/api/report` request.
struct ReportParams {
    file: String,
    options: ShowOptions,
}

impl ReportParams {
    fn read(uri: &Uri) -> Result<ReportParams, ApiError> {
        let params = params::read(uri, "/api/report", &KEYS)?;
        // The filters every search endpoint takes mean nothing for one report: refused, not
        // silently ignored.
        let filters: Vec<&str> = search::FacetKey::all()
            .map(search::FacetKey::option)
            .chain(["region"])
            .filter(|k| !params.values(k).is_empty())
            .collect();
        if let Some(first) = filters.first() {
            return Err(ApiError::bad_request(crate::lang::both(
                "param.report_filter",
                &[("name", first), ("who", "/api/report")],
            )));
        }
        let lang: Lang = params.lang()?;
        let file = params
            .single("file")?
            .filter(|f| !f.is_empty())
            .ok_or_else(|| {
                ApiError::bad_request(crate::lang::both(
                    "param.report_file",
                    &[("who", "/api/report")],
                ))
            })?
            .to_string();
        let query = params.single("q")?.unwrap_or_default().trim().to_string();
        let terms = match query.is_empty() {
            true => Vec::new(),
            false => {
                let parsed: Query = search::parse(&query).map_err(ApiError::from)?;
                crate::request::terms_of(&parsed)
            }
        };
        Ok(ReportParams {
            file,
            options: ShowOptions {
                terms,
                query,
                start: None,
                color: false,
                lang,
            },
        })
    }
}

pub async fn report(State(app): State<App>, uri: Uri) -> Result<Response, ApiError> {
    let lang = params::lang_of(&uri);
    report_answer(app, uri).await.map_err(|e| e.in_lang(lang))
}

async fn report_answer(app: App, uri: Uri) -> Result<Response, ApiError> {
    let params = ReportParams::read(&uri)?;
    let body = app
        .blocking(move |engine, stop| {
            let report = engine
                .report(&params.file)?
                .ok_or_else(|| ApiError::no_report(&params.file))?;
            stop.check()?;
            let mut out = Vec::new();
            write(&mut out, &report, &params.options, Format::Json)?;
            Ok(out)
        })
        .await?;
    Ok(json(body))
}
