//! Helpers shared by the integration tests: the bundled corpus, temporary corpora and indexes,
//! and running the two binaries.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use fazhi_search::index::writer::{IndexConfig, IndexSummary, update};
use fazhi_search::{Engine, Query, SearchRequest, SearchResults};
use indicatif::ProgressBar;
use tempfile::TempDir;

/// The bundled corpus.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The seed reports, in file-name order.
pub fn seed_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus/ exists")
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
}

/// Indexes `corpus` into `index`.
pub fn index(corpus: &Path, index: &Path) -> IndexSummary {
    let config = IndexConfig::new(corpus.to_path_buf(), index.to_path_buf(), 2);
    update(&config, &ProgressBar::hidden()).expect("indexing succeeds")
}

/// An index of the bundled corpus, built once per test run.
pub fn seed_engine() -> &'static Engine {
    static ENGINE: OnceLock<(TempDir, Engine)> = OnceLock::new();
    let (_, engine) = ENGINE.get_or_init(|| {
        let dir = TempDir::new().expect("temp dir");
        index(&corpus_dir(), dir.path());
        let engine = Engine::open(dir.path()).expect("open the fresh index");
        (dir, engine)
    });
    engine
}

/// All matches of one query on the seed index.
pub fn search_all(query: Query) -> SearchResults {
    let request = SearchRequest {
        query,
        filters: Default::default(),
        limit: None,
        facet_limit: None,
    };
    seed_engine().search(&request).expect("search succeeds")
}

/// Every report in `corpus` parsed again (what the index should hold), in no order.
pub fn parse_corpus(corpus: &Path) -> Vec<fazhi_search::report::Report> {
    std::fs::read_dir(corpus)
        .expect("corpus")
        .map(|e| {
            let path = e.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("UTF-8");
            fazhi_search::report::parse(&name, &text, &Default::default())
        })
        .collect()
}

/// A temporary corpus with the given files (path relative to the corpus, contents).
pub fn temp_corpus(files: &[(&str, &[u8])]) -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    for (rel, bytes) in files {
        let path = dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, bytes).expect("write corpus file");
    }
    dir
}

/// Copies the seed reports into `dir`.
pub fn copy_seeds(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    for f in seed_files() {
        std::fs::copy(&f, dir.join(f.file_name().expect("file name"))).expect("copy seed");
    }
}

/// Adds `copies` copies of every report in `corpus` (`copy007_<name>`), each with `tail` (given
/// the copy number) appended, to make a corpus large enough to catch an index run in progress.
pub fn multiply_corpus(corpus: &Path, copies: usize, tail: impl Fn(usize) -> String) {
    let seeds: Vec<(String, String)> = std::fs::read_dir(corpus)
        .expect("corpus")
        .map(|e| {
            let p = e.expect("entry").path();
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("report"))
        })
        .collect();
    for i in 0..copies {
        for (name, text) in &seeds {
            std::fs::write(
                corpus.join(format!("copy{i:03}_{name}")),
                format!("{text}{}", tail(i)),
            )
            .expect("copy");
        }
    }
}

/// Runs one of the binaries in `cwd`.
pub fn run(bin: &str, cwd: &Path, args: &[&str]) -> Output {
    let exe = match bin {
        "fazhi-index" => env!("CARGO_BIN_EXE_fazhi-index"),
        "fazhi-query" => env!("CARGO_BIN_EXE_fazhi-query"),
        other => panic!("no binary {other}"),
    };
    Command::new(exe)
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        // The tests read the default language, Chinese, whatever the developer's shell says.
        .env_remove("FAZHI_LANG")
        .output()
        .expect("the binary runs")
}

/// Runs one of the binaries in `cwd` from a shell `script` that names it `"$0"` and its
/// arguments `"$@"` (`exec "$0" "$@" 1< corpus`): for what only a shell sets up, redirections
/// and limits.
pub fn run_in_shell(bin: &str, cwd: &Path, script: &str, args: &[&str]) -> Output {
    let exe = match bin {
        "fazhi-index" => env!("CARGO_BIN_EXE_fazhi-index"),
        "fazhi-query" => env!("CARGO_BIN_EXE_fazhi-query"),
        other => panic!("no binary {other}"),
    };
    Command::new("sh")
        .args(["-c", script, exe])
        .args(args)
        .current_dir(cwd)
        .env_remove("FAZHI_LANG")
        .output()
        .expect("sh runs")
}

/// A hits CSV as the exports write it: checks the byte-order mark and the header (the export
/// columns), returns the rows.
pub fn hits_csv(bytes: &[u8]) -> Vec<csv::StringRecord> {
    let body = bytes
        .strip_prefix("\u{FEFF}".as_bytes())
        .expect("CSV starts with a UTF-8 byte-order mark");
    let mut reader = csv::Reader::from_reader(body);
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    // Column names in the default language, Chinese (the JSON keys are in TABLE_COLUMNS).
    let columns: Vec<String> = fazhi_search::export::record_columns(Default::default(), false)
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(header, columns);
    reader.records().map(|r| r.expect("row")).collect()
}

/// The index of an export column.
pub fn hits_column(name: &str) -> usize {
    fazhi_search::export::TABLE_COLUMNS
        .iter()
        .position(|(n, _)| *n == name)
        .expect("an export column")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A minimal .docx whose document body is `body` (`<w:p>` elements), as Word would zip it.
pub fn docx_package(body: &str) -> Vec<u8> {
    use std::io::{Cursor, Write};
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", options)
        .expect("zip entry");
    zip.write_all(b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>")
        .expect("write");
    zip.start_file("word/document.xml", options)
        .expect("zip entry");
    zip.write_all(document.as_bytes()).expect("write");
    zip.finish().expect("finish zip").into_inner()
}

/// The line `serve` ends with when it stops, in its default language (Chinese).
pub fn stopped() -> &'static str {
    fazhi_search::lang::Lang::Zh.label("serve.stopped")
}
