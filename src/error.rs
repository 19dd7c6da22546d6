//! The library's one error type. Every variant says which file or input it concerns and,
//! where there is one, what the person running the tool can do about it.
//!
//! The library does not know who reads a message: an error carries its facts (a path, a
//! value) and, for free-form reasons, a [`Text`] in both languages. Its words are in
//! `index_schema/labels.tsv` (keys `err.*`); `src/lang.rs` puts them together
//! (`Error::message(lang)`, and `Display`, which is the English).

use std::path::{Path, PathBuf};

/// A message in both interface languages, for the reader's language to be picked when it is
/// shown (`crate::lang` builds one from a label: `both(key, values)`). A text with no
/// translation (the engine's own detail) is the same in both. It crosses a worker process's
/// pipe as JSON (`{"zh":…,"en":…}`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    /// Words that read the same in both languages (a name, an engine's detail).
    pub fn plain(text: impl Into<String>) -> Text {
        let en = text.into();
        Text { zh: en.clone(), en }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text::plain(text)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::plain(text)
    }
}

/// The English, as `Display` of [`Error`] is.
impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

/// Everything that can go wrong in fazhi-search, with messages a person can act on.
#[derive(Debug)]
pub enum Error {
    /// `cannot read PATH: …`.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    /// `cannot write PATH: …`.
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    /// An input file or folder that is not what it must be: `PATH: reason`.
    BadInput { path: PathBuf, reason: Text },

    /// Why a corpus file is not read as a report (its format, its size, what its reader found
    /// in it): the file is skipped and the run goes on. A reader sees only the bytes; the line
    /// that reports the file names it ("skipped a.pdf: …").
    Unreadable(Text),

    /// A row of a table in `index_schema/` (for whoever edits it: English only).
    SchemaData {
        file: &'static str,
        line: usize,
        reason: String,
    },

    /// No index where one is read: how to build it.
    NoIndex { path: PathBuf },

    /// An index another schema version wrote: rebuild it.
    SchemaVersion {
        path: PathBuf,
        /// Which program and version built it.
        found: Text,
        expected: u32,
    },

    /// Another fazhi-index run holds the index's lock.
    IndexBusy { path: PathBuf },

    /// The index cannot be opened (its schema is not ours): `reason` is the engine's detail.
    CorruptIndex { path: PathBuf, reason: String },

    /// A file of the index is not what fazhi-index wrote and verified (a checksum mismatch, a
    /// missing file, meta.json disagreeing with a segment): nothing is answered from it.
    /// `reason` is the detail, shown after the advice to rebuild.
    Damaged {
        path: PathBuf,
        file: String,
        reason: String,
    },

    /// `--index` names a folder fazhi-index must not write into.
    IndexFolder { path: PathBuf, reason: Text },

    /// A malformed query, with a caret under the place.
    Query {
        message: Text,
        query: String,
        caret: String,
    },

    /// A value or option the user gave that cannot be used, and what to give instead.
    Usage(Text),

    /// The server's address cannot be bound.
    Serve {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },

    /// Drawing a chart failed (a font, the image): English detail.
    Chart(String),

    /// The search engine's own error.
    Engine(tantivy::TantivyError),
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Read { source, .. } | Error::Write { source, .. } => Some(source),
            Error::Serve { source, .. } => Some(source),
            Error::Engine(e) => Some(e),
            _ => None,
        }
    }
}

impl From<tantivy::TantivyError> for Error {
    fn from(e: tantivy::TantivyError) -> Error {
        Error::Engine(e)
    }
}

/// The fazhi-index command that builds an index again, as the person who ran into it would
/// type it: the `--corpus` and `--index` they gave, the defaults left out. A message about a
/// damaged or outdated index ends with it ([`Error::message_with`](crate::Error)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rebuild {
    corpus: Option<PathBuf>,
    index: Option<PathBuf>,
}

impl Rebuild {
    /// The corpus and the index a command used; the defaults (`corpus`, `index`) are left out.
    pub fn new(corpus: &Path, index: &Path) -> Rebuild {
        let given = |path: &Path, default: &str| {
            let bare = path.strip_prefix(".").unwrap_or(path);
            (bare != Path::new(default)).then(|| path.to_path_buf())
        };
        Rebuild {
            corpus: given(corpus, "corpus"),
            index: given(index, "index"),
        }
    }

    /// For a command that reads an index without knowing the corpus it was built from
    /// (fazhi-query given `--index` but not `--corpus`): the corpus is written `DIR`, never left
    /// out, so that the advice run as it stands cannot rebuild that index from whatever
    /// `./corpus` is where it is run.
    pub fn corpus_unknown(mut self) -> Rebuild {
        if self.index.is_some() && self.corpus.is_none() {
            self.corpus = Some(PathBuf::from("DIR"));
        }
        self
    }

    /// `fazhi-index --corpus C --index I`, with `--rebuild` when it must start over; a path a
    /// shell would split or expand quoted.
    pub fn command(&self, from_scratch: bool) -> String {
        let mut line = String::from("fazhi-index");
        for (option, path) in [("--corpus", &self.corpus), ("--index", &self.index)] {
            if let Some(path) = path {
                line.push_str(&format!(" {option} {}", shell_word(path)));
            }
        }
        if from_scratch {
            line.push_str(" --rebuild");
        }
        line
    }
}

/// `path` as one shell word: as it is when only safe characters make it, else single-quoted.
fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    let safe = |c: char| c.is_alphanumeric() || "_-./,:+@%".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        return text;
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// A row of a table in `index_schema/`, with where it stands, to name in an error.
#[derive(Debug, Clone, Copy)]
pub struct SchemaRow<'a> {
    pub file: &'static str,
    /// From 1.
    pub line: usize,
    pub text: &'a str,
}

impl SchemaRow<'_> {
    /// The row refused, for `reason`: [`Error::SchemaData`] naming the file and the line.
    pub fn bad(&self, reason: impl Into<String>) -> Error {
        Error::SchemaData {
            file: self.file,
            line: self.line,
            reason: reason.into(),
        }
    }
}

/// The rows of `data`, the table `file` of `index_schema/`: blank lines and `#` comments
/// skipped.
pub fn schema_rows<'a>(file: &'static str, data: &'a str) -> impl Iterator<Item = SchemaRow<'a>> {
    data.lines()
        .enumerate()
        .filter(|(_, row)| !row.trim().is_empty() && !row.starts_with('#'))
        .map(move |(i, text)| SchemaRow {
            file,
            line: i + 1,
            text,
        })
}

/// The search engine's error in plain words, for the end of a message: a damaged file's
/// comment without the engine's debug dress (`Data corrupted: 'Data corruption (in file
/// \`"x"\`): …'`), an I/O error as the system words it.
pub fn engine_detail(error: &tantivy::TantivyError) -> String {
    match error {
        tantivy::TantivyError::DataCorruption(corruption) => {
            let text = format!("{corruption:?}");
            let comment = text
                .split_once("): ")
                .or_else(|| text.split_once(": "))
                .map_or(text.as_str(), |(_, comment)| comment);
            // A meta.json that cannot be read is quoted whole after `Content:` (12 KB of
            // JSON, or whatever overwrote it): the reader needs the reason, not the file.
            let comment = comment.split_once(" Content: ").map_or(comment, |(c, _)| c);
            shortened(comment.trim().trim_end_matches('.'))
        }
        tantivy::TantivyError::IoError(io) => io.to_string(),
        other => shortened(&other.to_string()),
    }
}

/// The most characters of the engine's own words a message quotes.
const DETAIL_CHARS: usize = 300;

/// `text`, cut to [`DETAIL_CHARS`] with `…` when longer.
fn shortened(text: &str) -> String {
    match text.char_indices().nth(DETAIL_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
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
            Error::Usage(format!("{what} {name:?}; choose one of {}", names.join(", ")).into())
        })
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Whether writing failed because the reader went away (`| head`): a reader who has seen
/// enough, not an error. The error may carry it inside another (a CSV writer's, an export's).
pub fn is_closed_pipe(error: &std::io::Error) -> bool {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return true;
    }
    let Some(inner) = error.get_ref() else {
        return false;
    };
    if let Some(io) = inner.downcast_ref::<std::io::Error>() {
        return is_closed_pipe(io);
    }
    match inner.downcast_ref::<csv::Error>().map(csv::Error::kind) {
        Some(csv::ErrorKind::Io(io)) => is_closed_pipe(io),
        _ => match inner.downcast_ref::<Error>() {
            Some(Error::Write { source, .. }) => is_closed_pipe(source),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_errors_in_plain_words() {
        let corrupt = tantivy::TantivyError::DataCorruption(tantivy::error::DataCorruption::new(
            "meta.json".into(),
            "Meta file cannot be deserialized. EOF while parsing".into(),
        ));
        let detail = engine_detail(&corrupt);
        assert_eq!(
            detail,
            "Meta file cannot be deserialized. EOF while parsing"
        );
        assert!(
            !detail.contains("DataCorruption") && !detail.contains('`'),
            "{detail}"
        );
        let comment_only = tantivy::TantivyError::DataCorruption(
            tantivy::error::DataCorruption::comment_only("bad footer"),
        );
        assert_eq!(engine_detail(&comment_only), "bad footer");
        // A meta.json that cannot be parsed: the engine quotes the whole file after the
        // reason; a long comment of its own is cut.
        let rows = [
            (
                format!(
                    "Meta file cannot be deserialized. Error(\"expected value\", line: 1, column: 1). Content: \"{}\"",
                    "乡镇,年份\\n".repeat(2_000)
                ),
                "Meta file cannot be deserialized. Error(\"expected value\", line: 1, column: 1)"
                    .to_string(),
            ),
            (
                "坏".repeat(1_000),
                format!("{}…", "坏".repeat(DETAIL_CHARS)),
            ),
            ("坏".repeat(DETAIL_CHARS), "坏".repeat(DETAIL_CHARS)),
        ];
        for (comment, want) in rows {
            let corrupt = tantivy::TantivyError::DataCorruption(
                tantivy::error::DataCorruption::new("meta.json".into(), comment.clone()),
            );
            assert_eq!(engine_detail(&corrupt), want, "{}", &comment[..30]);
        }
    }

    #[test]
    fn the_rebuild_command_repeats_the_folders_given() {
        // (corpus, index, from scratch, the command)
        let rows = [
            ("corpus", "index", true, "fazhi-index --rebuild"),
            ("corpus", "./index", false, "fazhi-index"),
            ("./corpus", "idx", true, "fazhi-index --index idx --rebuild"),
            (
                "/data/报告",
                "index",
                false,
                "fazhi-index --corpus /data/报告",
            ),
            (
                "my reports",
                "it's",
                true,
                "fazhi-index --corpus 'my reports' --index 'it'\\''s' --rebuild",
            ),
        ];
        for (corpus, index, from_scratch, expected) in rows {
            let rebuild = Rebuild::new(Path::new(corpus), Path::new(index));
            assert_eq!(rebuild.command(from_scratch), expected, "{corpus} {index}");
        }
    }
}
