//! The page's files, compiled into the binary: served from memory by fixed routes, so no
//! request ever names a file on disk. Both pages load `common.js` (the language, the words,
//! making elements) before their own script; it starts with the labels the pages share with the
//! command line (section types, levels, the summary), made from `index_schema/labels.tsv`.

use std::sync::LazyLock;

use axum::http::Uri;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::lang::Lang;

const INDEX_HTML: &str = include_str!("assets/index.html");
const COMMON_JS: &str = include_str!("assets/common.js");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");
const FAVICON_SVG: &str = include_str!("assets/favicon.svg");
const REPORT_HTML: &str = include_str!("assets/report.html");
const REPORT_JS: &str = include_str!("assets/report.js");
const REPORT_CSS: &str = include_str!("assets/report.css");

/// An embedded file; browsers revalidate it, so a new binary's page is never mixed with an
/// old script.
fn asset(content_type: &'static str, body: &'static str) -> Response {
    // `body` lives as long as the program: the files are constants, the script a static.
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")],
        body,
    )
        .into_response()
}

/// The page; for a request in English (`?lang=en`, or a server started with `--lang en`)
/// marked so, and the script starts in English unless its reader chose Chinese.
pub async fn index(uri: Uri) -> Response {
    match super::params::lang_of(&uri) {
        Lang::Zh => asset("text/html; charset=utf-8", INDEX_HTML),
        Lang::En => asset("text/html; charset=utf-8", INDEX_HTML_EN.as_str()),
    }
}

/// The page with `<html lang="en">`, which the script reads as its first language.
static INDEX_HTML_EN: LazyLock<String> =
    LazyLock::new(|| INDEX_HTML.replacen("<html lang=\"zh-CN\">", "<html lang=\"en\">", 1));

/// The label groups of `labels.tsv` the page reads, by the name the script knows them by.
const PAGE_LABELS: [(&str, &str); 6] = [
    ("page", "page."),
    ("hit", "hit."),
    ("types", "type."),
    ("levels", "level."),
    ("count", "count."),
    ("summary", "summary."),
];

/// `const LABELS = {"zh": {"types": {"overview": "总体情况", …}, …}, "en": {…}};` and the
/// helpers both pages' scripts use.
static COMMON_SCRIPT: LazyLock<String> = LazyLock::new(|| with_labels(COMMON_JS));

/// `script` with the labels line before it.
fn with_labels(script: &str) -> String {
    let mut languages = Map::new();
    for (code, zh) in [("zh", true), ("en", false)] {
        let mut groups = Map::new();
        for (name, prefix) in PAGE_LABELS {
            let group: Map<String, Value> = crate::lang::rows(prefix)
                .into_iter()
                .map(|(key, zh_text, en_text)| {
                    (key.to_string(), json!(if zh { zh_text } else { en_text }))
                })
                .collect();
            groups.insert(name.to_string(), Value::Object(group));
        }
        languages.insert(code.to_string(), Value::Object(groups));
    }
    format!(
        "// Labels from index_schema/labels.tsv, shared with the command line.\nconst LABELS = {};\n{script}",
        Value::Object(languages)
    )
}

/// What both pages' scripts share, loaded before them.
pub async fn common_script() -> Response {
    asset("text/javascript; charset=utf-8", COMMON_SCRIPT.as_str())
}

pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

pub async fn style() -> Response {
    asset("text/css; charset=utf-8", APP_CSS)
}

pub async fn icon() -> Response {
    asset("image/svg+xml", FAVICON_SVG)
}

/// `/report?file=…&q=…#section-N`: the page reads the report from `/api/report`; marked English
/// as the search page is (`?lang=en`, or a server started with `--lang en`).
pub async fn report_page(uri: Uri) -> Response {
    match super::params::lang_of(&uri) {
        Lang::Zh => asset("text/html; charset=utf-8", REPORT_HTML),
        Lang::En => asset("text/html; charset=utf-8", REPORT_HTML_EN.as_str()),
    }
}

static REPORT_HTML_EN: LazyLock<String> = LazyLock::new(|| {
    REPORT_HTML
        .replacen("<html lang=\"zh-CN\">", "<html lang=\"en\">", 1)
        .replacen("<title>报告全文</title>", "<title>Report</title>", 1)
});

pub async fn report_script() -> Response {
    asset("text/javascript; charset=utf-8", REPORT_JS)
}

pub async fn report_style() -> Response {
    asset("text/css; charset=utf-8", REPORT_CSS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_runs_no_inline_script() {
        for (html, script) in [(INDEX_HTML, "/app.js"), (REPORT_HTML, "/report.js")] {
            page_runs_only(html, script);
        }
    }

    fn page_runs_only(html: &str, script: &str) {
        let page = html.to_ascii_lowercase();
        let scripts: Vec<&str> = page.split("<script").skip(1).collect();
        assert_eq!(scripts.len(), 2, "common.js and the page's script");
        for (tag, src) in scripts.iter().zip(["/common.js", script]) {
            assert!(
                tag.trim_start()
                    .starts_with(&format!("src=\"{src}\" defer")),
                "{tag}"
            );
            assert!(tag.contains("></script>"), "the script tag is empty");
        }
        for handler in [
            " onclick=",
            " onload=",
            " onerror=",
            " style=",
            "javascript:",
        ] {
            assert!(!page.contains(handler), "the page has {handler}");
        }
    }

    #[test]
    fn the_script_starts_with_the_shared_labels() {
        let script = COMMON_SCRIPT.as_str();
        let (first, rest) = script
            .split_once("\nconst LABELS = ")
            .expect("the labels line");
        assert!(first.starts_with("//"), "{first}");
        let json = &rest[..rest.find(";\n").expect("the end of the labels")];
        let labels: Value = serde_json::from_str(json).expect("the labels are JSON");
        let rows = [
            ("zh", "types", "shortcomings", "存在的不足"),
            ("en", "types", "shortcomings", "Shortcomings"),
            ("zh", "levels", "town", "乡镇"),
            ("en", "levels", "department", "Department"),
            ("zh", "count", "report", "{n} 份报告"),
            (
                "zh",
                "hit",
                "copies",
                "也见于 {reports} 份报告（{towns} 个乡镇）",
            ),
            ("en", "hit", "also_saved_as", "also saved as {files}"),
            (
                "en",
                "summary",
                "query.one",
                "{sections} in {reports} matches {query}",
            ),
        ];
        for (lang, group, key, text) in rows {
            assert_eq!(labels[lang][group][key], text, "{lang} {group} {key}");
        }
        assert!(script.ends_with(COMMON_JS));
    }

    /// Every word the page asks for (`t('…')` in the script, `data-i18n…` in the page) is in
    /// the table, in both languages: a missing one would show as `undefined`.
    #[test]
    fn every_word_the_page_uses_is_in_the_table() {
        let page: std::collections::HashSet<&str> = crate::lang::rows("page.")
            .iter()
            .map(|(key, _, _)| *key)
            .collect();
        let mut used = Vec::new();
        for script in [COMMON_JS, APP_JS, REPORT_JS] {
            let pieces: Vec<&str> = script.split("t('").collect();
            for (before, piece) in pieces.iter().zip(&pieces[1..]) {
                // `t('x')`, not `get('x')`.
                if before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                used.push(&piece[..piece.find('\'').expect("a closing quote")]);
            }
        }
        for attribute in [
            "data-i18n=\"",
            "data-i18n-placeholder=\"",
            "data-i18n-label=\"",
            "data-i18n-alt=\"",
        ] {
            for html in [INDEX_HTML, REPORT_HTML] {
                for piece in html.split(attribute).skip(1) {
                    used.push(&piece[..piece.find('"').expect("a closing quote")]);
                }
            }
        }
        // The report page's metadata rows, looked up by a variable.
        used.extend([
            "town",
            "county",
            "city",
            "province",
            "level",
            "year",
            "issuer",
            "published",
            "file",
        ]);
        assert!(
            used.len() > 20,
            "found only {} words: the scan is broken",
            used.len()
        );
        // Looked up by a variable: the trend table's columns, and `region` (the one filter that
        // is not a facet: the facets' names come from /api/facets).
        used.push("region");
        // Every such list in either script (the trend table's, the copies table's).
        let list = "for (const key of [";
        let mut lists = 0;
        for script in [APP_JS, REPORT_JS] {
            for piece in script.split(list).skip(1) {
                let names = &piece[..piece.find(']').expect("a list")];
                used.extend(names.split(',').map(|n| n.trim().trim_matches('\'')));
                lists += 1;
            }
        }
        assert!(
            lists >= 2,
            "found {lists} lists of words: the scan is broken"
        );
        for key in used {
            assert!(
                page.contains(key),
                "the page uses page.{key}, which labels.tsv lacks"
            );
        }
    }

    #[test]
    fn the_script_never_parses_html() {
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
        ] {
            for (name, script) in [
                ("common.js", COMMON_JS),
                ("app.js", APP_JS),
                ("report.js", REPORT_JS),
            ] {
                assert!(!script.contains(sink), "{name} uses {sink}");
            }
        }
    }
}
