//! The search page and its JSON API (`fazhi-query serve`): one process, the [`Engine`] shared
//! by every request, the page's HTML, script and style compiled into the binary.
//!
//! ```text
//! /                 the search page (common.js, app.js, app.css, favicon.svg beside it)
//! /api/search       ranked hits with facets      = fazhi-query search --format json
//! /report           one report to read (common.js, report.js, report.css beside it)
//! /api/report       a whole report from the index = fazhi-query show FILE --format json
//! /api/stats        counts per group             = fazhi-query stats --format json
//! /api/kwic         occurrences in context       = fazhi-query kwic --format json
//! /api/copies       where a report or passage is copied = fazhi-query copies --format json
//! /api/export       CSV, XLSX or JSON Lines download of the hits
//! /api/chart.svg    the stats drawn as a chart   = fazhi-query stats --chart FILE.svg
//! ```
//!
//! Safe by default: it listens on 127.0.0.1 unless given another address; it answers only to
//! its own names ([`host`], against DNS rebinding); it only reads (GET and HEAD; anything else
//! is 405); every parameter is bounded ([`params`]); no part of a request names a file; the
//! page builds its DOM from text, never from HTML, and the Content-Security-Policy allows no
//! inline script. It stays up: each request's work has a deadline and stops when its client
//! goes away, a few searches and exports run at once ([`work`]), and slow or idle clients are
//! timed out ([`listen`]). `docs/api.md` documents the API.

mod api;
mod assets;
mod copies;
mod download;
mod error;
mod host;
mod listen;
mod params;
mod report;
mod work;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::middleware::{from_fn_with_state, map_request_with_state, map_response};
use axum::response::Response;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::search::Engine;

pub use listen::{MAX_CONNECTIONS, SHUTDOWN_GRACE};
pub use work::{MAX_EXPORTS, SEARCH_THREADS};

/// Where to listen, and the bounds of the requests.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    /// How long one request's work may take before it is stopped with a 503.
    pub deadline: Duration,
    /// How long a client may take to send a request's head, leave a kept-alive connection
    /// unused, or leave an answer unread, before its connection is closed.
    pub idle_timeout: Duration,
    /// Names besides the address and the loopback names that the server answers to.
    pub allowed_hosts: Vec<String>,
    /// The language of a request that does not say (`lang=`), and of the page until its
    /// reader chooses: `--lang`/`FAZHI_LANG` of `fazhi-query serve`.
    pub lang: Lang,
}

/// The seconds `--deadline` takes: by default, and the range.
pub const DEFAULT_DEADLINE_SECS: u64 = 5;
pub const MAX_DEADLINE_SECS: u64 = 600;
/// The seconds `--idle-timeout` takes: by default, and the range.
pub const DEFAULT_IDLE_SECS: u64 = 10;
pub const MAX_IDLE_SECS: u64 = 600;

/// What every handler shares.
#[derive(Clone)]
struct App {
    engine: Arc<Engine>,
    limits: Arc<work::Limits>,
}

/// Only this server's own script, style and images; no inline script, no framing.
const CONTENT_SECURITY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Serves the page and API over `engine` until interrupted (Ctrl-C or SIGTERM), then lets the
/// requests under way finish for [`SHUTDOWN_GRACE`]. Prints the address it listens on, the
/// port filled in when the address asked for port 0.
pub fn run(engine: Engine, config: ServeConfig) -> Result<()> {
    let (addr, lang) = (config.addr, config.lang);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(SEARCH_THREADS)
        .build()
        .map_err(|source| Error::Serve { addr, source })?;
    let served = runtime.block_on(serve(Arc::new(engine), config));
    // Blocking work still running stops at its next check point (its requests are gone);
    // the process does not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(500));
    served?;
    eprintln!("fazhi-query: {}", lang.label("serve.stopped"));
    Ok(())
}

async fn serve(engine: Arc<Engine>, config: ServeConfig) -> Result<()> {
    let addr = config.addr;
    let failed = |source| Error::Serve { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(failed)?;
    let bound = listener.local_addr().map_err(failed)?;
    let app = App {
        engine,
        limits: Arc::new(work::Limits::new(config.deadline)),
    };
    let hosts = host::Hosts::new(bound, &config.allowed_hosts);
    // Listen for SIGTERM before saying where the server is: a signal that came before the
    // handler was installed would kill the process instead.
    let stop = interrupted(config.lang);
    let url = format!("http://{bound}/");
    let serving = config.lang.fill("serve.serving", &[("url", &url)]);
    eprintln!("fazhi-query: {serving}");
    let router = router(app, hosts, config.lang);
    listen::serve(listener, router, config.idle_timeout, stop).await;
    Ok(())
}

/// The routes: the page's assets, the API, JSON errors for everything else; a request for
/// another host is refused before any of them. A request that names no language is answered
/// in `lang`.
fn router(app: App, hosts: host::Hosts, lang: Lang) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/common.js", get(assets::common_script))
        .route("/app.js", get(assets::script))
        .route("/app.css", get(assets::style))
        .route("/favicon.svg", get(assets::icon))
        .route("/report", get(assets::report_page))
        .route("/report.js", get(assets::report_script))
        .route("/report.css", get(assets::report_style))
        .route("/api/search", get(api::search))
        .route("/api/report", get(report::report))
        .route("/api/facets", get(api::facets))
        .route("/api/stats", get(api::stats))
        .route("/api/kwic", get(api::kwic))
        .route("/api/copies", get(copies::copies))
        .route("/api/export", get(api::export))
        .route("/api/chart.svg", get(api::chart))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(map_request_with_state(lang, default_lang))
        .layer(from_fn_with_state(Arc::new(hosts), host::check))
        .layer(map_response(security_headers))
        .with_state(app)
}

/// Adds `lang=` to a request that names no language, when the server's is not the default
/// (Chinese): every handler reads the language from the query string.
async fn default_lang(State(lang): State<Lang>, mut request: Request) -> Request {
    if lang == Lang::default() {
        return request;
    }
    let uri = request.uri();
    let query = uri.query().unwrap_or_default();
    let named = query
        .split('&')
        .any(|pair| pair.split('=').next() == Some("lang"));
    if !named {
        let joined = if query.is_empty() {
            format!("{}?lang={}", uri.path(), lang.code())
        } else {
            format!("{}?{query}&lang={}", uri.path(), lang.code())
        };
        if let Ok(rewritten) = joined.parse() {
            *request.uri_mut() = rewritten;
        }
    }
    request
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
fn interrupted(lang: Lang) -> impl std::future::Future<Output = ()> {
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
        let secs = SHUTDOWN_GRACE.as_secs().to_string();
        let stopping = lang.fill("serve.stopping", &[("secs", &secs)]);
        eprintln!("fazhi-query: {stopping}");
    }
}
