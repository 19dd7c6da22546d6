//! The library's one error type. Every variant says which file or input it concerns and,
//! where there is one, what the person running the tool can do about it.

use std::path::PathBuf;

/// Everything that can go wrong in fazhi-search, with messages a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: {reason}")]
    BadInput { path: PathBuf, reason: String },

    /// Why a corpus file is not read as a report (its format, its size, what its reader found
    /// in it): the file is skipped and the run goes on. A reader sees only the bytes; the line
    /// that reports the file names it ("skipped a.pdf: …").
    #[error("{0}")]
    Unreadable(String),

    #[error("index_schema/{file}, line {line}: {reason}")]
    SchemaData {
        file: &'static str,
        line: usize,
        reason: String,
    },

    #[error("no index at {path}: build it with `fazhi-index --corpus DIR --index {path}`")]
    NoIndex { path: PathBuf },

    #[error(
        "the index at {path} was built by {found}; this program reads schema version {expected}: \
         rebuild the index with fazhi-index"
    )]
    SchemaVersion {
        path: PathBuf,
        found: String,
        expected: u32,
    },

    #[error(
        "the index at {path} is busy: another fazhi-index run is writing it; wait for it to finish"
    )]
    IndexBusy { path: PathBuf },

    #[error("the index at {path} cannot be used ({reason}): rebuild the index with fazhi-index")]
    CorruptIndex { path: PathBuf, reason: String },

    /// A file of the index is not what fazhi-index wrote and verified (a checksum mismatch, a
    /// missing file, meta.json disagreeing with a segment): nothing is answered from it.
    #[error(
        "the index at {path} is damaged (file {file}: {reason}): \
         rebuild the index with fazhi-index --rebuild"
    )]
    Damaged {
        path: PathBuf,
        file: String,
        reason: String,
    },

    /// `--index` names a folder fazhi-index must not write into.
    #[error("--index {path}: {reason}")]
    IndexFolder { path: PathBuf, reason: String },

    #[error("malformed query: {message}\n  {query}\n  {caret}")]
    Query {
        message: String,
        query: String,
        caret: String,
    },

    #[error("{0}")]
    Usage(String),

    #[error("cannot serve on {addr}: {source}; choose another address with --addr")]
    Serve {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot draw the chart: {0}")]
    Chart(String),

    #[error("search engine error: {0}")]
    Engine(#[from] tantivy::TantivyError),
}

/// The value named `name` among `choices`, or a usage error that lists them:
/// "unknown format \"xml\"; choose one of text, json, …".
pub fn choose<T: Copy>(name: &str, choices: &[(&'static str, T)], what: &str) -> Result<T> {
    choices
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, value)| *value)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            Error::Usage(format!(
                "{what} {name:?}; choose one of {}",
                names.join(", ")
            ))
        })
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
