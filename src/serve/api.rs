//! The API's handlers: read the parameters, run the search on a blocking thread within the
//! request's deadline ([`super::work`]), answer in the same JSON as the command line's
//! `--format json` (written by the same code). The work checks between hits whether it
//! should stop (the client went away or the deadline passed).

use std::io::Write;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderName, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::App;
use super::download;
use super::error::ApiError;
use super::params::{self, ExportParams, KwicParams, SearchParams};
use super::work::Stop;
use crate::export::kwic::{self, KwicLine};
use crate::export::{self, Format, Record};
use crate::search::{Engine, FacetKey, FacetSizes, Facets};

/// How many occurrences `/api/kwic` found, before `limit` cut the list.
const TOTAL_LINES: HeaderName = HeaderName::from_static("x-total-lines");

type Shared = State<App>;

impl App {
    /// Runs `work` with the engine on a blocking thread, within a deadline that starts now.
    async fn blocking<T: Send + 'static>(
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

fn json(body: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, "application/json; charset=utf-8"),
            (CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// One page of `/api/search`: the command line's JSON and where the page starts.
#[derive(Serialize)]
struct SearchPage<'a> {
    query: &'a str,
    total_sections: usize,
    total_reports: usize,
    facets: &'a Facets,
    facet_sizes: &'a FacetSizes,
    hits: &'a [Record],
    offset: usize,
    limit: usize,
}

/// `GET /api/search`: hits `offset..offset+limit`, with facets over every match.
async fn search_answer(app: App, uri: Uri) -> Result<Response, ApiError> {
    let params = SearchParams::read(&uri)?;
    let body = app
        .blocking(move |engine, stop| search_page(engine, &params, stop))
        .await?;
    Ok(json(body))
}

fn search_page(engine: &Engine, params: &SearchParams, stop: &Stop) -> Result<Vec<u8>, ApiError> {
    let results = engine.search(&params.request)?;
    let terms: Vec<&str> = params.terms.iter().map(String::as_str).collect();
    let hits: Vec<Record> = results
        .hits
        .iter()
        .skip(params.offset)
        .map(|hit| {
            stop.check()?;
            Ok(Record::new(hit, &terms, params.passage))
        })
        .collect::<Result<_, ApiError>>()?;
    let page = SearchPage {
        query: &params.text,
        total_sections: results.total_sections,
        total_reports: results.total_reports,
        facets: &results.facets,
        facet_sizes: &results.facet_sizes,
        hits: &hits,
        offset: params.offset,
        limit: params.limit,
    };
    Ok(serde_json::to_vec_pretty(&page).map_err(std::io::Error::from)?)
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
            export::stats::write(&mut out, &table, Format::Json, crate::lang::Lang::En)?;
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
    let params = KwicParams::read(&uri)?;
    let (body, total) = app
        .blocking(move |engine, stop| concordance(engine, &params, stop))
        .await?;
    let mut response = json(body);
    response.headers_mut().insert(TOTAL_LINES, total.into());
    Ok(response)
}

fn concordance(
    engine: &Engine,
    params: &KwicParams,
    stop: &Stop,
) -> Result<(Vec<u8>, usize), ApiError> {
    let results = engine.search_sections(&params.request)?;
    let terms: Vec<&str> = params.terms.iter().map(String::as_str).collect();
    let mut lines: Vec<KwicLine> = Vec::new();
    for hit in &results.hits {
        stop.check()?;
        let of_hit = kwic::lines(std::slice::from_ref(hit), &terms, params.width, params.sort);
        lines.extend(of_hit);
    }
    stop.check()?;
    kwic::sort_lines(&mut lines, params.sort);
    let total = lines.len();
    lines.truncate(params.limit);
    let mut out = Vec::new();
    serde_json::to_writer_pretty(&mut out, &lines).map_err(std::io::Error::from)?;
    writeln!(out)?;
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
            let ranked = engine.rank(&params.request)?;
            Ok((ranked, params))
        })
        .await?;
    let engine = Arc::clone(&app.engine);
    download::response(&app.limits, deadline, slot, engine, ranked, params).await
}
