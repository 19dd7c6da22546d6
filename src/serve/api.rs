//! The API's handlers: read the parameters, run the search on a blocking thread within the
//! request's deadline ([`super::work`]), answer in the same JSON as the command line's
//! `--format json`, written by the same renderers ([`crate::export`]). The work checks between hits whether it
//! should stop (the client went away or the deadline passed).

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderName, Uri};
use axum::response::{IntoResponse, Response};

use super::App;
use super::download;
use super::error::ApiError;
use super::params::{self, ExportParams};
use super::work::Stop;
use crate::export::kwic;
use crate::export::{self, Format, Record};
use crate::lang::Lang;
use crate::request::{KwicRequest, Request};
use crate::search::{Engine, FacetKey};

/// How many occurrences `/api/kwic` found, before `limit` cut the list.
const TOTAL_LINES: HeaderName = HeaderName::from_static("x-total-lines");

type Shared = State<App>;

impl App {
    /// Runs `work` with the engine on a blocking thread, within a deadline that starts now.
    pub(super) async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Engine, &Stop) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let engine = Arc::clone(&self.engine);
        self.limits
            .blocking(self.limits.deadline(), move |stop| work(&engine, stop))
            .await
    }
}

// Each endpoint answers in the request's language: the server's own messages (deadline, busy)
// are Chinese unless `lang=en`.
pub async fn search(State(app): Shared, uri: Uri) -> Result<Response, ApiError> {
    let lang = params::lang_of(&uri);
    search_answer(app, uri).await.map_err(|e| e.in_lang(lang))
}

pub async fn stats(State(app): Shared, uri: Uri) -> Result<Response, ApiError> {
    let lang = params::lang_of(&uri);
    stats_answer(app, uri).await.map_err(|e| e.in_lang(lang))
}

pub async fn chart(State(app): Shared, uri: Uri) -> Result<Response, ApiError> {
    let lang = params::lang_of(&uri);
    chart_answer(app, uri).await.map_err(|e| e.in_lang(lang))
}

pub async fn kwic(State(app): Shared, uri: Uri) -> Result<Response, ApiError> {
    let lang = params::lang_of(&uri);
    kwic_answer(app, uri).await.map_err(|e| e.in_lang(lang))
}

pub async fn export(State(app): Shared, uri: Uri) -> Result<Response, ApiError> {
    let lang = params::lang_of(&uri);
    export_answer(app, uri).await.map_err(|e| e.in_lang(lang))
}

pub(super) fn json(body: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, "application/json; charset=utf-8"),
            (CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// `GET /api/search`: hits `offset..offset+limit`, with facets over every match.
async fn search_answer(app: App, uri: Uri) -> Result<Response, ApiError> {
    let request = params::search_request(&uri)?;
    let body = app
        .blocking(move |engine, stop| search_page(engine, &request, stop))
        .await?;
    Ok(json(body))
}

fn search_page(engine: &Engine, request: &Request, stop: &Stop) -> Result<Vec<u8>, ApiError> {
    let results = engine.search_asked(&request.search, request.copies, request.collapse)?;
    let terms: Vec<&str> = request.terms.iter().map(String::as_str).collect();
    let hits: Vec<Record> = results
        .hits
        .iter()
        .skip(request.offset)
        .map(|hit| {
            stop.check()?;
            Ok(Record::new(hit, &terms, request.passage))
        })
        .collect::<Result<_, ApiError>>()?;
    let mut out = Vec::new();
    let counts = export::Counts::of_results(&results);
    let page = Some((request.offset, request.limit.unwrap_or_default()));
    let records = &mut hits.into_iter().map(Ok);
    export::write_json(&mut out, counts, records, &request.text, page)?;
    Ok(out)
}

/// `GET /api/facets`: the facet table of `index_schema/facets.tsv`, in its order, from which
/// the page builds its filters and sidebar.
pub async fn facets(uri: Uri) -> Result<Response, ApiError> {
    let lang = params::lang_of(&uri);
    params::facets_request(&uri).map_err(|e| e.in_lang(lang))?;
    Ok(json(
        serde_json::to_vec_pretty(FacetKey::specs()).unwrap_or_default(),
    ))
}

/// `GET /api/stats`: the stats table, as `fazhi-query stats --format json` writes it.
async fn stats_answer(app: App, uri: Uri) -> Result<Response, ApiError> {
    let request = params::stats_request(&uri, "/api/stats")?;
    let body = app
        .blocking(move |engine, _| {
            let table = engine.stats(&request)?;
            let mut out = Vec::new();
            export::stats::write(&mut out, &table, Format::Json, Lang::En)?;
            Ok(out)
        })
        .await?;
    Ok(json(body))
}

/// `GET /api/chart.svg`: the stats table drawn, a line over years or bars per group.
async fn chart_answer(app: App, uri: Uri) -> Result<Response, ApiError> {
    let (request, width) = params::chart_request(&uri)?;
    let svg = app
        .blocking(move |engine, _| {
            let table = engine.stats(&request)?;
            let chart = export::stats::chart(&table, &request.filters);
            Ok(match width {
                Some(width) => chart.to_svg_fitted(width)?,
                None => chart.to_svg()?,
            })
        })
        .await?;
    Ok((
        [
            (CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

/// `GET /api/kwic`: the concordance, as `fazhi-query kwic --format json` writes it; the
/// number of lines before `limit` in the `X-Total-Lines` header.
async fn kwic_answer(app: App, uri: Uri) -> Result<Response, ApiError> {
    let request = params::kwic_request(&uri)?;
    let (body, total) = app
        .blocking(move |engine, stop| concordance(engine, &request, stop))
        .await?;
    let mut response = json(body);
    response.headers_mut().insert(TOTAL_LINES, total.into());
    Ok(response)
}

fn concordance(
    engine: &Engine,
    params: &KwicRequest,
    stop: &Stop,
) -> Result<(Vec<u8>, usize), ApiError> {
    let results = engine.search_sections(&params.request.search)?;
    let (lines, total) = params.lines(&results.hits, || stop.check())?;
    let mut out = Vec::new();
    kwic::write(&mut out, &lines, Format::Json, false, Lang::En)?;
    Ok((out, total))
}

/// `GET /api/export`: the best hits as a CSV, XLSX or JSON Lines download, one of the few
/// that may be sent at once.
async fn export_answer(app: App, uri: Uri) -> Result<Response, ApiError> {
    let params = ExportParams::read(&uri)?;
    let slot = app.limits.export().await?;
    let deadline = app.limits.deadline();
    let engine = Arc::clone(&app.engine);
    let (ranked, params) = app
        .limits
        .blocking_export(deadline, move |_| {
            let ranked = match params.request.copies {
                true => engine.rank_counting_copies(&params.request.search)?,
                false => engine.rank(&params.request.search)?,
            };
            Ok((ranked, params))
        })
        .await?;
    let engine = Arc::clone(&app.engine);
    download::response(&app.limits, deadline, slot, engine, ranked, params).await
}
