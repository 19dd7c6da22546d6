//! `GET /api/copies`: where a text is copied, as `fazhi-query copies --format json` writes it.
//! `file=FILE` gives a report's sections found nearly verbatim in other reports, `file=FILE:LINE`
//! (a hit's citation) that section's copies with where each is; `passage=…` every report that
//! holds the passage, under the filters. `file` is a report of the index, looked up as a key
//! and never opened (as [`super::report`] does); it counts copies over the whole index, so it
//! refuses filters, as the command line does.

use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;

use super::App;
use super::api::json;
use super::error::ApiError;
use super::params;
use crate::export::Format;
use crate::export::copies::{report_copies, write_passage, write_report};
use crate::lang::{Lang, both};
use crate::request::filter_names;
use crate::search::Filters;

/// What `/api/copies` takes besides the filters and `lang`.
const KEYS: [&str; 2] = ["file", "passage"];
const ENDPOINT: &str = "/api/copies";

/// A validated `/api/copies` request.
enum CopiesParams {
    /// FILE or FILE:LINE, as a hit cites it.
    Report(String),
    Passage(String, Filters),
}

impl CopiesParams {
    fn read(uri: &Uri) -> Result<CopiesParams, ApiError> {
        let params = params::read(uri, ENDPOINT, &KEYS)?;
        params.lang()?;
        let given = |name: &str| {
            params
                .single(name)
                .map(|v| v.filter(|v| !v.trim().is_empty()))
        };
        match (given("file")?, given("passage")?) {
            (Some(file), None) => {
                // A report's copies are counted over the whole index, as a hit's are: a filter
                // would be silently ignored, so it is refused.
                let filter = filter_names()
                    .chain(["with_copies"])
                    .find(|k| !params.values(k).is_empty());
                if let Some(name) = filter {
                    return Err(ApiError::bad_request(both(
                        "param.copies_filter",
                        &[("name", name), ("who", ENDPOINT)],
                    )));
                }
                Ok(CopiesParams::Report(file.trim().to_string()))
            }
            (None, Some(passage)) => Ok(CopiesParams::Passage(
                passage.to_string(),
                params.filters()?,
            )),
            _ => Err(ApiError::bad_request(both(
                "param.copies_need_one",
                &[("who", ENDPOINT)],
            ))),
        }
    }
}

pub async fn copies(State(app): State<App>, uri: Uri) -> Result<Response, ApiError> {
    let lang = params::lang_of(&uri);
    copies_answer(app, uri).await.map_err(|e| e.in_lang(lang))
}

async fn copies_answer(app: App, uri: Uri) -> Result<Response, ApiError> {
    let params = CopiesParams::read(&uri)?;
    let body = app
        .blocking(move |engine, stop| {
            let mut out = Vec::new();
            match params {
                CopiesParams::Report(place) => {
                    let copies = report_copies(engine, &place, || stop.check())?;
                    write_report(&mut out, &copies, Format::Json, Lang::En)?;
                }
                CopiesParams::Passage(passage, filters) => {
                    let matches = engine.passage_copies(&passage, &filters)?;
                    stop.check()?;
                    write_passage(&mut out, &matches, Format::Json, Lang::En)?;
                }
            }
            Ok(out)
        })
        .await?;
    Ok(json(body))
}
