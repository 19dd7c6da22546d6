//! Sections of one-line crawls (issue 17, point 4): every bundled report, its body flattened to
//! one line as crawls save it, gives the same sections as the report with its line breaks.
//!
//! The body is the report's cleaned lines (what `clean` keeps of the file), so that the test does
//! not depend on how site chrome beside the article is cut: a crawl's breadcrumb and footer are
//! the cleaning tests' business. The whole body is flattened, title included: a crawl keeps its
//! title in a header row, or runs it into the article, and the title is part of the preamble
//! section either way, so the sections must not depend on it being a line of its own.

use fazhi_search::clean::clean;
use fazhi_search::report::{Report, parse};

use crate::util::seed_files;

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
        let body: Vec<String> = clean(&raw).lines.into_iter().map(|l| l.text).collect();
        for (join_name, join) in JOINS {
            let flat = parse(&name, &body.join(join), &Default::default());
            compare(&name, join_name, join.is_empty(), &original, &flat);
        }
    }
}

/// Asserts that `flat` has the sections of `original`: the same heading paths, types and text
/// (white space aside). When the lines were joined by nothing, a heading runs on into the text
/// after it with nothing to say where it ended, so its label may go on past the original one.
fn compare(name: &str, join: &str, run_on: bool, original: &Report, flat: &Report) {
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
        flat.sections.iter().all(|s| s.line == 1),
        "{name} joined by {join}: one line, so every section is cited as line 1"
    );
    for (i, (o, f)) in original.sections.iter().zip(&flat.sections).enumerate() {
        let at = format!("{name} joined by {join}, section {i} ({:?})", o.headings);
        assert_eq!(o.section_type, f.section_type, "{at}: type");
        assert_eq!(unjoined(&o.text), unjoined(&f.text), "{at}: text");
        assert_eq!(o.headings.len(), f.headings.len(), "{at}: {:?}", f.headings);
        for (oh, fh) in o.headings.iter().zip(&f.headings) {
            if run_on {
                assert!(
                    unjoined(fh).starts_with(&unjoined(label_stem(oh))),
                    "{at}: heading {fh:?} starts with {oh:?}"
                );
            } else {
                assert_eq!(oh, fh, "{at}: heading");
            }
        }
    }
}
