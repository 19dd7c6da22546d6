//! Control characters in a report's text and in its file name never reach a terminal raw (issue
//! 18): the text output of search, kwic and stats escapes them (`\x1B`), while JSON keeps the
//! exact data (escaped by JSON itself).

use serde_json::Value;
use tempfile::TempDir;

use crate::util::{run, stderr, stdout};

/// A window title (OSC 0, ended by BEL) and a clear-screen (CSI 2J).
const RETITLE: &str = "\x1b]0;pwned\x07";
const CLEAR: &str = "\x1b[2J";
/// The marks `--color always` puts around a match.
const HIGHLIGHT_ON: &str = "\x1b[1;31m";
const HIGHLIGHT_OFF: &str = "\x1b[0m";

/// A workspace whose corpus holds one report with both sequences in its name and its text.
fn hostile_workspace() -> (TempDir, String) {
    let dir = TempDir::new().expect("temp dir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).expect("mkdir");
    let name = format!("报告{RETITLE}{CLEAR}.txt");
    // Enough prose that a few control characters do not make the file look like binary data.
    let prose = "坚持依法行政，推进法治政府建设。".repeat(40);
    let text = format!(
        "某镇2023年法治政府建设年度报告\n一、工作开展情况\n开展法治宣传{RETITLE}活动。{CLEAR}推进法治建设。{prose}\n"
    );
    std::fs::write(corpus.join(&name), text).expect("write report");
    let out = run("fazhi-index", dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "fazhi-index: {}", stderr(&out));
    (dir, name)
}

/// Asserts that `text` holds no control character but line breaks, once the highlight marks
/// (the only escape sequences the tool writes itself) are taken out.
fn assert_no_raw_controls(what: &str, text: &str) {
    let text = text.replace(HIGHLIGHT_ON, "").replace(HIGHLIGHT_OFF, "");
    let raw: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(raw.is_empty(), "{what}: raw controls {raw:?} in\n{text}");
}

#[test]
fn text_output_escapes_control_characters() {
    let (dir, name) = hostile_workspace();
    let runs: [(&str, &[&str]); 5] = [
        ("search", &["法治", "--color", "never"]),
        ("search, coloured", &["法治", "--color", "always"]),
        ("search --full", &["法治", "--full", "--color", "always"]),
        ("kwic", &["kwic", "法治", "--color", "always"]),
        ("stats", &["stats", "--compare", "法治", "宣传\x1b[2J"]),
    ];
    for (what, args) in runs {
        let out = run("fazhi-query", dir.path(), args);
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "{what}: {}",
            stderr(&out)
        );
        let text = stdout(&out);
        assert_no_raw_controls(what, &text);
        if what != "stats" {
            assert!(text.contains("\\x1B"), "{what}: ESC shown escaped:\n{text}");
        }
    }
    let out = run("fazhi-query", dir.path(), &["法治", "--color", "never"]);
    let text = stdout(&out);
    assert!(
        text.contains("报告\\x1B]0;pwned\\x07\\x1B[2J.txt"),
        "the file name, escaped:\n{text}"
    );
    assert!(
        text.contains("宣传\\x1B]0;pwned\\x07活动"),
        "the text, escaped:\n{text}"
    );

    let out = run("fazhi-query", dir.path(), &["法治", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let hit = &json["hits"][0];
    // A name's control characters are escaped where it becomes the report's key (ingest), so
    // that it is one string everywhere: JSON gives that key.
    assert_eq!(
        hit["file"],
        fazhi_search::ingest::escape_name(name.as_bytes()),
        "JSON gives the file's key, its name with control characters escaped"
    );
    let passage = hit["passage"].as_str().expect("passage");
    assert!(
        passage.contains(RETITLE),
        "JSON keeps the exact text: {passage:?}"
    );
}
