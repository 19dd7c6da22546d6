//! Concordances stream: `kwic` reads its sections a window at a time, drops each section's
//! text as it is read, and a CSV or JSON Lines file's rows wait on disk beside it; the bytes are
//! the ones every line made in memory and sorted gives.

use std::path::Path;
use std::sync::OnceLock;

use fazhi_search::export::Format;
use fazhi_search::export::kwic::{self, Concordance, KwicLine, KwicSort, Reading};
use fazhi_search::lang::Lang;
use fazhi_search::{Engine, SearchRequest, search, synth};
use tempfile::TempDir;

use crate::util;

/// Reports in the synthetic corpus: reports of one town and year, sections of one line, and
/// far more sections than a window of the tests'.
const REPORTS: usize = 150;

/// The folder of a synthetic corpus (`corpus/`) and its index (`index/`), and the engine.
fn built() -> &'static (TempDir, Engine) {
    static BUILT: OnceLock<(TempDir, Engine)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = TempDir::new().expect("temp dir");
        let corpus = dir.path().join("corpus");
        let index = dir.path().join("index");
        synth::generate(&util::corpus_dir(), &corpus, REPORTS, 7).expect("synthetic corpus");
        util::index(&corpus, &index);
        let engine = Engine::open(&index).expect("open the fresh index");
        (dir, engine)
    })
}

fn request(text: &str) -> SearchRequest {
    SearchRequest {
        query: search::parse(text).expect("query"),
        filters: Default::default(),
        limit: None,
        facet_limit: Some(search::DEFAULT_FACET_LIMIT),
    }
}

/// The concordance as it was made before it streamed: every section read with its text, every
/// line made, sorted and cut in memory, then written.
fn whole(text: &str, terms: &[&str], sort: KwicSort, cut: Option<usize>) -> Vec<KwicLine> {
    let hits = built()
        .1
        .search_sections(&request(text))
        .expect("search")
        .hits;
    let mut lines = kwic::lines(&hits, terms, kwic::DEFAULT_WIDTH, sort);
    lines.truncate(cut.unwrap_or(usize::MAX));
    lines
}

fn written(lines: &[KwicLine], format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    kwic::write(&mut out, lines, format, false, Lang::Zh).expect("write");
    out
}

/// The concordance as it streams, its sections read `window` at a time by an engine holding
/// `chunk` matches at a time, its rows waiting beside `beside` when given.
fn streamed(
    engine: &Engine,
    (text, terms): (&str, &[&str]),
    (sort, format, cut): (KwicSort, Format, Option<usize>),
    window: usize,
    beside: Option<&Path>,
) -> (Vec<u8>, Concordance) {
    let mut ranked = engine.rank_sections(&request(text)).expect("rank");
    let how = Reading {
        terms,
        width: kwic::DEFAULT_WIDTH,
        sort,
        format,
        lang: Lang::Zh,
        beside,
        window,
    };
    let mut concordance = Concordance::read(engine, &mut ranked, &how).expect("read");
    if let Some(n) = cut {
        concordance.truncate(n);
    }
    let mut out = Vec::new();
    concordance.write(&mut out, false).expect("write");
    (out, concordance)
}

#[test]
fn a_concordance_read_in_windows_writes_the_bytes_of_one_made_whole() {
    let index = built().0.path().join("index");
    let out = TempDir::new().expect("temp dir");
    let output = out.path().join("kwic.csv");
    std::fs::write(&output, "").expect("the concordance's file");
    let sorts = KwicSort::ALL.map(|(_, sort)| sort);
    // (query, its terms, lines kept)
    let queries: [(&str, &[&str], Option<usize>); 3] = [
        ("法治", &["法治"], None),
        ("普法 OR 依法", &["普法", "依法"], Some(37)),
        ("法治", &["法治"], Some(0)),
    ];
    // (matches the engine holds at a time, sections a window)
    let readings = [(7, 5), (500, 64), (usize::MAX, Reading::WHOLE_BATCH)];
    for (chunk, window) in readings {
        let mut engine = Engine::open(&index).expect("open");
        if chunk < usize::MAX {
            engine.hold_matches(chunk);
        }
        for (text, terms, cut) in queries {
            for sort in sorts {
                let reference = whole(text, terms, sort, cut);
                let all = whole(text, terms, sort, None).len();
                assert!(all > 200, "{text}: {all} lines should need many windows");
                for format in [Format::Csv, Format::Jsonl, Format::Json, Format::Md] {
                    let expected = written(&reference, format);
                    let rows = matches!(format, Format::Csv | Format::Jsonl);
                    for beside in [Some(output.as_path()), None] {
                        let case = format!(
                            "{format:?} of {text} by {sort:?}, cut to {cut:?}, chunks of {chunk}, \
                             windows of {window}, beside {beside:?}"
                        );
                        let (bytes, concordance) =
                            streamed(&engine, (text, terms), (sort, format, cut), window, beside);
                        assert_eq!(concordance.spilled(), rows && beside.is_some(), "{case}");
                        assert_eq!(concordance.all(), all, "{case}: lines before the cut");
                        assert_eq!(concordance.len(), reference.len(), "{case}: lines kept");
                        if window < 64 {
                            assert!(concordance.windows() > 10, "{case}: several windows");
                        }
                        assert!(
                            bytes == expected,
                            "{case}: {} bytes differ from {} bytes",
                            bytes.len(),
                            expected.len()
                        );
                    }
                }
            }
        }
    }
    // The rows waited in a file with no name: nothing is left beside the concordance.
    assert_eq!(std::fs::read_dir(out.path()).expect("list").count(), 1);
}

#[test]
fn the_concordance_compared_has_ties_for_every_order_to_break() {
    // Lines of one report and year (of one section, and of several), and lines whose context
    // and match are the same: the orders' last keys (file, line, place in the section, the
    // search's order) decide between them, and the test above would see them wrong.
    let by_town = whole("法治", &["法治"], KwicSort::Town, None);
    let same_file = by_town
        .windows(2)
        .filter(|w| w[0].meta.file == w[1].meta.file && w[0].line != w[1].line)
        .count();
    let same_section = by_town
        .windows(2)
        .filter(|w| w[0].meta.file == w[1].meta.file && w[0].line == w[1].line)
        .count();
    let by_right = whole("法治", &["法治"], KwicSort::Right, None);
    let same_right = by_right
        .windows(2)
        .filter(|w| w[0].right == w[1].right && w[0].keyword == w[1].keyword)
        .count();
    let mut town_years: Vec<(Option<String>, Option<u64>, String)> = by_town
        .iter()
        .map(|l| (l.meta.town.clone(), l.meta.year, l.meta.file.clone()))
        .collect();
    town_years.dedup();
    let reports_of_a_town_year = town_years
        .windows(2)
        .filter(|w| (&w[0].0, w[0].1) == (&w[1].0, w[1].1))
        .count();
    for (what, n) in [
        ("lines of one report, other sections", same_file),
        ("lines of one section", same_section),
        ("lines of one right context and match", same_right),
        ("reports of one town and year", reports_of_a_town_year),
    ] {
        assert!(n > 0, "no {what} in the concordance");
    }
}

#[test]
fn a_concordance_whose_rows_cannot_wait_on_disk_is_an_error_naming_the_folder() {
    // A file-size limit of 8 KiB (its signal ignored, so that a write fails with EFBIG as on a
    // full disk): the rows waiting beside the concordance do not fit.
    let index = built().0.path().join("index");
    let dir = TempDir::new().expect("temp dir");
    let output = dir.path().join("kwic.csv");
    let script = r#"trap "" XFSZ; ulimit -f 8; exec "$0" "$@""#;
    let (index, file) = (index.to_string_lossy(), output.to_string_lossy());
    let args = [
        "--index", &index, "kwic", "法治", "--format", "csv", "-o", &file,
    ];
    let out = util::run_in_shell("fazhi-query", dir.path(), script, &args);
    let stderr = util::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let folder = dir.path().canonicalize().expect("the folder");
    assert!(
        stderr.contains(&format!("无法写入 {}：", folder.display())),
        "{stderr}"
    );
    // Nothing of the concordance was written: no part of it passes for all of it.
    let written = std::fs::read(&output).unwrap_or_default();
    assert!(written.is_empty(), "{} bytes written", written.len());
}
