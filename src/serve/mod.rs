//! The search page and its JSON API (`fazhi-query serve`): one process, the [`Engine`] shared
//! by every request, the page's HTML, script and style compiled into the binary.
//!
//! ```text
//! /                 the search page (app.js, app.css, favicon.svg beside it)
//! /api/search       ranked hits with facets      = fazhi-query search --format json
//! /api/stats        counts per group             = fazhi-query stats --format json
//! /api/kwic         occurrences in context       = fazhi-query kwic --format json
//! /api/export       CSV, XLSX or JSON Lines download of the hits
//! /api/chart.svg    the stats drawn as a chart   = fazhi-query stats --chart FILE.svg
//! ```
//!
//! Safe by default: it listens on 127.0.0.1 unless given another address; it only reads (GET
//! and HEAD; anything else is 405); every parameter is bounded ([`params`]); no part of a
//! request names a file; the page builds its DOM from text, never from HTML, and the
//! Content-Security-Policy allows no inline script. `docs/api.md` documents the API.

mod api;
mod assets;
mod download;
mod error;
mod params;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::middleware::map_response;
use axum::response::Response;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::error::{Error, Result};
use crate::search::Engine;

/// Where to listen.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub addr: SocketAddr,
}

/// Searches that run at once; more wait their turn (two cores gain nothing from more, and a
/// burst of requests cannot start hundreds of threads).
const SEARCH_THREADS: usize = 4;

/// Only this server's own script, style and images; no inline script, no framing.
const CONTENT_SECURITY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Serves the page and API over `engine` until interrupted (Ctrl-C or SIGTERM), then finishes
/// the requests under way. Prints the address it listens on, the port filled in when the
/// address asked for port 0.
pub fn run(engine: Engine, config: ServeConfig) -> Result<()> {
    let addr = config.addr;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(SEARCH_THREADS)
        .build()
        .map_err(|source| Error::Serve { addr, source })?;
    runtime.block_on(serve(Arc::new(engine), addr))
}

async fn serve(engine: Arc<Engine>, addr: SocketAddr) -> Result<()> {
    let failed = |source| Error::Serve { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(failed)?;
    let bound = listener.local_addr().map_err(failed)?;
    // Listen for SIGTERM before saying where the server is: the shutdown future runs on a
    // task of its own, which may not have started when the first request (or signal) comes.
    let stop = interrupted();
    eprintln!("fazhi-query: serving http://{bound}/ (Ctrl-C to stop)");
    axum::serve(listener, router(engine))
        .with_graceful_shutdown(stop)
        .await
        .map_err(failed)?;
    eprintln!("fazhi-query: stopped");
    Ok(())
}

/// The routes: the page's assets, the API, JSON errors for everything else.
pub fn router(engine: Arc<Engine>) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/app.js", get(assets::script))
        .route("/app.css", get(assets::style))
        .route("/favicon.svg", get(assets::icon))
        .route("/api/search", get(api::search))
        .route("/api/stats", get(api::stats))
        .route("/api/kwic", get(api::kwic))
        .route("/api/export", get(api::export))
        .route("/api/chart.svg", get(api::chart))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(map_response(security_headers))
        .with_state(engine)
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// Resolves on Ctrl-C or SIGTERM; SIGTERM is listened for from the call on, not from the
/// first poll. A signal that cannot be listened for never resolves, so the server does not
/// stop the moment it starts.
fn interrupted() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let terminate = {
        use tokio::signal::unix::{SignalKind, signal};
        let stream = signal(SignalKind::terminate());
        async move {
            match stream {
                Ok(mut stream) => {
                    stream.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        }
    };
    async move {
        let ctrl_c = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {}
            () = terminate => {}
        }
        eprintln!("fazhi-query: stopping; finishing the requests under way");
    }
}
