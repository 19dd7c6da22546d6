//! Sections of one-line crawls (issue 17, point 4): every bundled report, its body flattened to
//! one line as crawls save it, gives the same sections as the report with its line breaks.
//!
//! The body is the report's cleaned lines (what `clean` keeps of the file), so that the test does
//! not depend on how site chrome beside the article is cut: a crawl's breadcrumb and footer are
//! the cleaning tests' business. The title stays a line of its own, as a crawl keeps it (its
//! `标题:` header row, the page's `<h1>`); and the whole file is also run onto one line with
//! nothing between, title and all ("…年度报告一、总体情况…"): a first heading that names a part
//! of the report is found after the title as after a paragraph without a full stop.

use fazhi_search::clean::clean;
use fazhi_search::report::{Report, parse};

use crate::util::{run, seed_files, stderr, stdout, temp_corpus};

/// How crawls join a page's paragraphs: `textContent` of `<p>`s (nothing), a space, or the
/// full-width space of an indented paragraph.
const JOINS: [(&str, &str); 3] = [
    ("nothing", ""),
    ("a space", " "),
    ("a full-width space", "　"),
];

/// The text without any white space: the joins, and the line breaks they replaced, removed.
fn unjoined(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A label cut by [`fazhi_search::sections::heading_label`] loses its `…`.
fn label_stem(label: &str) -> &str {
    label.strip_suffix('…').unwrap_or(label)
}

#[test]
fn a_report_flattened_to_one_line_has_the_same_sections() {
    let seeds = seed_files();
    assert!(seeds.len() >= 5, "the bundled corpus is there");
    for path in seeds {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let raw = std::fs::read_to_string(&path).expect("UTF-8 report");
        let original = parse(&name, &raw, &Default::default());
        assert!(
            original.sections.len() >= 3,
            "{name}: a bundled report has a heading tree ({} sections)",
            original.sections.len()
        );
        let (title, body) = title_and_body(&name, &raw, original.meta.title.as_deref());
        for (join_name, join) in JOINS {
            let text = format!("{title}\n{}", body.join(join));
            let flat = parse(&name, &text, &Default::default());
            compare(&name, join_name, join.is_empty(), 2, &original, &flat);
        }
        let whole = format!("{title}{}", body.concat());
        let flat = parse(&name, &whole, &Default::default());
        compare(&name, "nothing, the title too", true, 1, &original, &flat);
    }
}

/// The report's title, as one line, and the cleaned lines after it: the title is the leading
/// lines that spell the title the report was parsed with (a title may take two lines).
fn title_and_body(name: &str, raw: &str, title: Option<&str>) -> (String, Vec<String>) {
    let title = title.unwrap_or_else(|| panic!("{name}: a bundled report has a title"));
    let mut lines: Vec<String> = clean(raw).lines.into_iter().map(|l| l.text).collect();
    let mut spelled = String::new();
    let mut taken = 0;
    while spelled != title {
        let next = lines
            .get(taken)
            .unwrap_or_else(|| panic!("{name}: title {title:?}"));
        spelled.push_str(next.trim());
        assert!(
            title.starts_with(&spelled),
            "{name}: the title {title:?} is the first lines"
        );
        taken += 1;
    }
    let body = lines.split_off(taken);
    (spelled, body)
}

/// Asserts that `flat` has the sections of `original`: the same heading paths, types and text
/// (white space aside). When the lines were joined by nothing, a heading runs on into the text
/// after it with nothing to say where it ended, so its label may go on past the original one
/// (or, grown too long, be cut at its first comma).
fn compare(name: &str, join: &str, run_on: bool, line: usize, original: &Report, flat: &Report) {
    let shown = |r: &Report| -> Vec<String> {
        r.sections
            .iter()
            .map(|s| format!("{} [{}]", s.headings.join(" / "), s.section_type))
            .collect()
    };
    assert_eq!(
        original.sections.len(),
        flat.sections.len(),
        "{name} joined by {join}: section count\noriginal: {:#?}\nflattened: {:#?}",
        shown(original),
        shown(flat)
    );
    assert!(
        flat.sections.iter().skip(1).all(|s| s.line == line),
        "{name} joined by {join}: one line, so every section after the preamble is cited as line {line}"
    );
    for (i, (o, f)) in original.sections.iter().zip(&flat.sections).enumerate() {
        let at = format!("{name} joined by {join}, section {i} ({:?})", o.headings);
        assert_eq!(o.section_type, f.section_type, "{at}: type");
        assert_eq!(unjoined(&o.text), unjoined(&f.text), "{at}: text");
        assert_eq!(o.headings.len(), f.headings.len(), "{at}: {:?}", f.headings);
        for (oh, fh) in o.headings.iter().zip(&f.headings) {
            if run_on {
                // The run-on label is cut to its first clause when it grows too long, so one of
                // the two labels starts the other.
                let (o, f) = (unjoined(label_stem(oh)), unjoined(label_stem(fh)));
                assert!(
                    f.starts_with(&o) || o.starts_with(&f),
                    "{at}: heading {fh:?} agrees with {oh:?}"
                );
            } else {
                assert_eq!(oh, fh, "{at}: heading");
            }
        }
    }
}

/// Sections that start on one source line (the points of one paragraph) are cited apart: the
/// text output's location `file:2#2`, the citation's 第2行第2节, JSON's `nth_on_line`; a section
/// alone on its line is cited by the line only.
#[test]
fn sections_that_start_on_one_line_are_cited_apart() {
    let report = "某镇2023年法治政府建设年度报告\n\
                  （一）建立法律顾问制度，一是聘请律师某甲。二是定期研判某乙。\n\
                  （二）加强学习某丙。\n";
    let corpus = temp_corpus(&[("corpus/report.txt", report.as_bytes())]);
    let out = run("fazhi-index", corpus.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // (term, location in the text output, the citation's line, nth_on_line)
    let rows = [
        ("某甲", "report.txt:2#2", "第2行第2节", Some(2)),
        ("某乙", "report.txt:2#3", "第2行第3节", Some(3)),
        ("某丙", "report.txt:3 ", "第3行。", None),
    ];
    for (term, location, cited, nth) in rows {
        let text = run("fazhi-query", corpus.path(), &["--color", "never", term]);
        assert!(
            stdout(&text).contains(location),
            "{term}: {}",
            stdout(&text)
        );
        let json = run("fazhi-query", corpus.path(), &["--format", "json", term]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
        let point = v["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .find(|h| h["headings"].as_array().is_some_and(|p| p.len() == 2) || nth.is_none())
            .expect("the hit");
        assert_eq!(
            point["nth_on_line"].as_u64(),
            nth.map(|n| n as u64),
            "{term}"
        );
        assert!(
            point["citation"]
                .as_str()
                .is_some_and(|c| c.contains(cited)),
            "{term}: {}",
            point["citation"]
        );
    }
}
