//! A whole report for reading (`fazhi-query show FILE[:LINE]`, `/api/report`): its metadata,
//! its table of contents from the section tree with each section's type, then its text
//! section by section, the query's matches marked where the search matched them (the same
//! normalised comparison, [`super::passage::find`]). Text for a terminal, Markdown, or JSON
//! for the page.

use std::io::{self, Write};

use serde::Serialize;

use super::Format;
use super::passage::find;
use super::{
    HIGHLIGHT_OFF, HIGHLIGHT_ON, char_ranges, level_name, marked, report_citation,
    section_citation, terminal_line, terminal_safe, type_name,
};
use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::report::ReportMeta;
use crate::search::{DroppedSpan, Engine, IndexedReport, IndexedSection};

/// Where a `show` argument points: a report's file, and maybe a line (and the section's place
/// on it) as a hit's citation line writes them: `a/b.txt`, `a/b.txt:12`, `a/b.txt:12#2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: Option<u64>,
    pub nth: Option<u64>,
}

impl Place {
    /// The readings of `arg`, most literal first: the whole of it as a file (a file name may
    /// hold `:`), then a file with `:LINE` or `:LINE#N` after it.
    pub fn readings(arg: &str) -> Vec<Place> {
        let mut out = vec![Place {
            file: arg.to_string(),
            line: None,
            nth: None,
        }];
        if let Some((file, at)) = arg.rsplit_once(':') {
            let (line, nth) = match at.split_once('#') {
                Some((line, nth)) => (line, Some(nth)),
                None => (at, None),
            };
            let number = |s: &str| {
                (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| s.parse::<u64>().ok())
                    .flatten()
                    .filter(|n| *n > 0)
            };
            let nth = match nth {
                Some(n) => number(n).map(Some),
                None => Some(None),
            };
            if let (Some(line), Some(nth), false) = (number(line), nth, file.is_empty()) {
                out.push(Place {
                    file: file.to_string(),
                    line: Some(line),
                    nth,
                });
            }
        }
        out
    }
}

/// The report `arg` names (`FILE`, `FILE:LINE`, `FILE:LINE#N`, as a hit's citation line writes
/// it) and the id of the section to start at; an error that says what the index has instead
/// when it names no report, or a place the report does not have.
pub fn open(engine: &Engine, arg: &str) -> Result<(IndexedReport, Option<usize>)> {
    for place in Place::readings(arg) {
        let Some(report) = engine.report(&place.file)? else {
            continue;
        };
        let Some(line) = place.line else {
            return Ok((report, None));
        };
        let Some(section) = report.section_at(line, place.nth) else {
            let (line, file) = (line.to_string(), place.file.clone());
            return Err(Error::Usage(crate::lang::both(
                "show.no_place",
                &[("line", &line), ("file", &file)],
            )));
        };
        let id = section.id;
        return Ok((report, Some(id)));
    }
    // A report with a place that is not a line (`:0`, `:abc`, `#`, a full-width colon): say so,
    // not that the report is missing.
    if let Some((file, at)) = arg.rsplit_once([':', '：'])
        && engine.report(file)?.is_some()
    {
        return Err(Error::Usage(crate::lang::both(
            "show.bad_place",
            &[("file", file), ("at", at)],
        )));
    }
    Err(Error::Usage(crate::lang::both(
        "show.not_found",
        &[("file", arg)],
    )))
}

/// How to show a report.
#[derive(Debug, Clone)]
pub struct ShowOptions {
    /// The terms to mark ([`crate::search::Query::positive_terms`]).
    pub terms: Vec<String>,
    /// The query as written (JSON says what was marked).
    pub query: String,
    /// The section to start the text at (its id), from a `:LINE`.
    pub start: Option<usize>,
    /// Mark matches with terminal colours (text).
    pub color: bool,
    pub lang: Lang,
}

/// A section as the JSON of a report view carries it: the indexed section, its citation, the
/// `show` argument that opens it, and where the query matches its text.
#[derive(Debug, Clone, Serialize)]
pub struct ShownSection<'a> {
    #[serde(flatten)]
    pub section: &'a IndexedSection,
    pub citation: String,
    /// `FILE:LINE` or `FILE:LINE#N`: what `fazhi-query show` takes to open the report here.
    pub show: String,
    /// The matches of the query in `text`, as character ranges `[start, end)`.
    pub highlights: Vec<(usize, usize)>,
}

/// A report view as JSON: `/api/report` and `show --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView<'a> {
    #[serde(flatten)]
    pub meta: &'a ReportMeta,
    /// `上桥镇（…）《…报告》`: the report's part of every citation.
    pub citation: String,
    pub query: &'a str,
    /// The section a `:LINE` points at, if one was asked for.
    pub start: Option<usize>,
    /// Matches of the query in the whole report.
    pub matches: usize,
    pub sections: Vec<ShownSection<'a>>,
    /// Every span cleaning dropped from the text as read (site chrome, header rows), in source
    /// order: empty when nothing was dropped.
    pub dropped: &'a [DroppedSpan],
    /// The text as read, lines joined by `\n`, that `dropped` points into (line, character
    /// columns); null when nothing was dropped.
    pub as_read: Option<&'a str>,
}

/// The `show` argument of a section: `FILE:LINE`, `FILE:LINE#N`.
pub fn show_argument(file: &str, line: u64, nth_on_line: Option<u64>) -> String {
    match nth_on_line {
        Some(nth) => format!("{file}:{line}#{nth}"),
        None => format!("{file}:{line}"),
    }
}

impl<'a> ReportView<'a> {
    pub fn new(report: &'a IndexedReport, options: &'a ShowOptions) -> ReportView<'a> {
        let terms: Vec<&str> = options.terms.iter().map(String::as_str).collect();
        let sections: Vec<ShownSection> = report
            .sections
            .iter()
            .map(|s| {
                let matches = find(&s.text, &terms);
                ShownSection {
                    section: s,
                    citation: section_citation(&report.meta, &s.headings, s.line, s.nth_on_line),
                    show: show_argument(&report.meta.file, s.line, s.nth_on_line),
                    highlights: char_ranges(&s.text, &matches),
                }
            })
            .collect();
        ReportView {
            meta: &report.meta,
            citation: report_citation(&report.meta),
            query: &options.query,
            start: options.start,
            matches: sections.iter().map(|s| s.highlights.len()).sum(),
            sections,
            dropped: &report.dropped,
            as_read: report.as_read.as_deref(),
        }
    }
}

/// The metadata a report view lists, in order, by column key (`index_schema/labels.tsv`,
/// `col.*`).
const META_KEYS: [&str; 10] = [
    "title",
    "town",
    "county",
    "city",
    "province",
    "level",
    "year",
    "issuer",
    "published",
    "file",
];

/// The metadata of a report as (label, value) rows, in [`META_KEYS`] order; `—` for unknown.
fn meta_rows(meta: &ReportMeta, lang: Lang) -> Vec<(&'static str, String)> {
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    META_KEYS
        .iter()
        .map(|&key| {
            let value = match key {
                "title" => text(&meta.title),
                "town" => text(&meta.town),
                "county" => text(&meta.county),
                "city" => text(&meta.city),
                "province" => text(&meta.province),
                "level" => level_name(meta.level.as_str(), lang).to_string(),
                "year" => meta.year.map_or_else(|| "—".into(), |y| y.to_string()),
                "issuer" => text(&meta.issuer),
                "published" => text(&meta.published),
                _ => meta.file.clone(),
            };
            (lang.column(key), value)
        })
        .collect()
}

/// A section's name in the table of contents: its own heading, or 前言 for the preamble.
fn section_name(section: &IndexedSection, lang: Lang) -> String {
    section
        .headings
        .last()
        .cloned()
        .unwrap_or_else(|| lang.label("hit.preamble").to_string())
}

/// The formats a report is shown in: text, md or json; any other is refused by name.
pub fn format(format: Format) -> Result<Format> {
    match format {
        Format::Text | Format::Md | Format::Json => Ok(format),
        other => {
            let name = Format::ALL
                .iter()
                .find(|(_, f)| *f == other)
                .map_or("?", |(n, _)| n);
            Err(Error::Usage(
                format!("show writes text, md or json, not {name}: give --format text, md or json")
                    .into(),
            ))
        }
    }
}

/// Writes `report` as text (`color` marks matches in terminal colours), Markdown (`**`) or
/// JSON ([`ReportView`]).
pub fn write(
    out: &mut dyn Write,
    report: &IndexedReport,
    options: &ShowOptions,
    format: Format,
) -> io::Result<()> {
    let view = ReportView::new(report, options);
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &view)?;
            writeln!(out)
        }
        Format::Md => write_md(out, &view, options.lang),
        _ => write_text(out, &view, options),
    }
}

fn write_text(out: &mut dyn Write, view: &ReportView, options: &ShowOptions) -> io::Result<()> {
    let lang = options.lang;
    let untitled = lang.label("hit.untitled");
    let title = view.meta.title.as_deref().unwrap_or(untitled);
    writeln!(out, "《{}》", terminal_line(title))?;
    let rows = meta_rows(view.meta, lang);
    let width = rows.iter().map(|(l, _)| label_width(l)).max().unwrap_or(0);
    for (label, value) in &rows {
        let pad = " ".repeat(width - label_width(label));
        writeln!(out, "  {label}{pad}  {}", terminal_line(value))?;
    }
    let matches = view.matches.to_string();
    if !options.terms.is_empty() {
        let query = terminal_line(view.query);
        let said = lang.fill("show.matches", &[("n", &matches), ("query", &query)]);
        writeln!(out, "  {said}")?;
    }
    writeln!(out, "\n{}", lang.label("show.contents"))?;
    for shown in &view.sections {
        let s = shown.section;
        let marker = if view.start == Some(s.id) { "▶" } else { " " };
        let found = match shown.highlights.len() {
            0 => String::new(),
            n => format!("  ({})", lang.fill("show.found", &[("n", &n.to_string())])),
        };
        writeln!(
            out,
            "{marker} {:>4}  {}{}  [{}]  {}{found}",
            format!("§{}", s.id),
            "  ".repeat(s.headings.len().saturating_sub(1)),
            terminal_line(&section_name(s, lang)),
            type_name(&s.section_type, lang),
            line_label(s, lang),
        )?;
    }
    let start = view.start.unwrap_or(1);
    writeln!(out, "\n{}", lang.label("show.text"))?;
    if start > 1 {
        let (skipped, file) = ((start - 1).to_string(), terminal_line(&view.meta.file));
        let note = lang.fill("show.from", &[("n", &skipped), ("file", &file)]);
        writeln!(out, "{note}")?;
    }
    for shown in view.sections.iter().filter(|s| s.section.id >= start) {
        let s = shown.section;
        let path = heading_path(s, lang);
        writeln!(
            out,
            "\n§{} {} · {} · {}",
            s.id,
            terminal_line(&path),
            type_name(&s.section_type, lang),
            terminal_line(&shown.show)
        )?;
        let matches = byte_ranges(&s.text, &shown.highlights);
        let text = if options.color {
            marked(&s.text, &matches, HIGHLIGHT_ON, HIGHLIGHT_OFF)
        } else {
            terminal_safe(&s.text, true).into_owned()
        };
        writeln!(out, "{text}")?;
    }
    Ok(())
}

fn write_md(out: &mut dyn Write, view: &ReportView, lang: Lang) -> io::Result<()> {
    let untitled = lang.label("hit.untitled");
    let title = view.meta.title.as_deref().unwrap_or(untitled);
    writeln!(out, "# 《{}》\n", md_text(title))?;
    for (label, value) in meta_rows(view.meta, lang) {
        writeln!(out, "- **{label}**：{}", md_text(&value))?;
    }
    if !view.query.is_empty() {
        let (n, query) = (view.matches.to_string(), md_text(view.query));
        writeln!(
            out,
            "- {}",
            lang.fill("show.matches", &[("n", &n), ("query", &query)])
        )?;
    }
    writeln!(out, "\n## {}\n", lang.label("show.contents"))?;
    for shown in &view.sections {
        let s = shown.section;
        writeln!(
            out,
            "{}- §{} {} · {} · {}",
            "  ".repeat(s.headings.len().saturating_sub(1)),
            s.id,
            md_text(&section_name(s, lang)),
            type_name(&s.section_type, lang),
            line_label(s, lang)
        )?;
    }
    let start = view.start.unwrap_or(1);
    writeln!(out, "\n## {}", lang.label("show.text"))?;
    if start > 1 {
        let (skipped, file) = ((start - 1).to_string(), md_text(&view.meta.file));
        writeln!(
            out,
            "\n{}",
            lang.fill("show.from", &[("n", &skipped), ("file", &file)])
        )?;
    }
    for shown in view.sections.iter().filter(|s| s.section.id >= start) {
        let s = shown.section;
        let path = heading_path(s, lang);
        writeln!(
            out,
            "\n### §{} {}\n\n*{} · `{}`*\n",
            s.id,
            md_text(&path),
            type_name(&s.section_type, lang),
            shown.show.replace('`', "'")
        )?;
        let matches = byte_ranges(&s.text, &shown.highlights);
        let mut text = String::new();
        let mut at = 0;
        for &(start, end) in &matches {
            text.push_str(&md_text(&s.text[at..start]));
            text.push_str("**");
            text.push_str(&md_text(&s.text[start..end]));
            text.push_str("**");
            at = end;
        }
        text.push_str(&md_text(&s.text[at..]));
        // A line break inside a paragraph is kept as one.
        writeln!(out, "{}", text.replace('\n', "  \n"))?;
    }
    Ok(())
}

/// `第12行`, `第12行第2节`.
fn line_label(s: &IndexedSection, lang: Lang) -> String {
    let line = s.line.to_string();
    match s.nth_on_line {
        Some(nth) => lang.fill(
            "show.line_nth",
            &[("line", &line), ("nth", &nth.to_string())],
        ),
        None => lang.fill("show.line", &[("line", &line)]),
    }
}

/// Text in Markdown as written: the characters Markdown reads escaped, control characters too.
fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in terminal_safe(text, true).chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '|' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Columns a label takes on a terminal (a Chinese character two).
fn label_width(label: &str) -> usize {
    label.chars().map(crate::search::query::display_width).sum()
}

/// Character ranges of `text` back as byte ranges.
fn byte_ranges(text: &str, chars: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let starts: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain([text.len()])
        .collect();
    chars
        .iter()
        .filter_map(|&(s, e)| Some((*starts.get(s)?, *starts.get(e)?)))
        .collect()
}

/// A section's heading path as the reader reads it (the preamble's name where it has none).
fn heading_path(s: &IndexedSection, lang: Lang) -> String {
    match s.headings.is_empty() {
        true => lang.label("hit.preamble").to_string(),
        false => s.headings.join(" › "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_show_argument_reads_as_a_file_then_a_place_in_it() {
        let place = |file: &str, line: Option<u64>, nth: Option<u64>| Place {
            file: file.into(),
            line,
            nth,
        };
        // (argument, its readings in order)
        let rows = [
            ("a/b.txt", vec![place("a/b.txt", None, None)]),
            (
                "a/b.txt:12",
                vec![
                    place("a/b.txt:12", None, None),
                    place("a/b.txt", Some(12), None),
                ],
            ),
            (
                "a/b.txt:12#2",
                vec![
                    place("a/b.txt:12#2", None, None),
                    place("a/b.txt", Some(12), Some(2)),
                ],
            ),
            ("a:b.txt", vec![place("a:b.txt", None, None)]),
            ("a/b.txt:0", vec![place("a/b.txt:0", None, None)]),
            ("a/b.txt:12#", vec![place("a/b.txt:12#", None, None)]),
            (":12", vec![place(":12", None, None)]),
            (
                "a/b.txt:99999999999999999999999",
                vec![place("a/b.txt:99999999999999999999999", None, None)],
            ),
        ];
        for (arg, expected) in rows {
            assert_eq!(Place::readings(arg), expected, "{arg}");
        }
    }

    #[test]
    fn markdown_text_is_escaped_and_ranges_convert_back_to_bytes() {
        assert_eq!(md_text("a*b_c`<d>|#"), "a\\*b\\_c\\`\\<d\\>\\|\\#");
        let text = "一是法律顾问，二是法律";
        let bytes = byte_ranges(text, &[(2, 6), (9, 11)]);
        assert_eq!(&text[bytes[0].0..bytes[0].1], "法律顾问");
        assert_eq!(&text[bytes[1].0..bytes[1].1], "法律");
    }
}
