//! Export: search results as text for a terminal, JSON, JSON Lines, CSV for spreadsheets and
//! Markdown tables, every hit with the citation a researcher pastes.

pub mod chart;
pub mod kwic;
pub mod passage;
pub mod stats;
pub mod summary;
pub mod table;

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::str::FromStr;

use serde::Serialize;

use crate::error::Error;
use crate::report::ReportMeta;
use crate::search::{FacetCount, Hit, SearchResults};
pub use passage::{Passage, PassageOptions, passage};
pub use table::{Cell, Column, ColumnKind, Table};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Jsonl,
    Csv,
    Md,
    /// An Excel workbook (binary: written to a file).
    Xlsx,
}

impl Format {
    pub const ALL: [(&'static str, Format); 6] = [
        ("text", Format::Text),
        ("json", Format::Json),
        ("jsonl", Format::Jsonl),
        ("csv", Format::Csv),
        ("md", Format::Md),
        ("xlsx", Format::Xlsx),
    ];

    /// Whether the format is binary (not for a terminal).
    pub fn is_binary(self) -> bool {
        self == Format::Xlsx
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Format, Error> {
        crate::error::choose(s, &Format::ALL, "unknown format")
    }
}

impl Format {
    /// The format a file's name promises: its extension (`.txt`, `.text` or none: text), or an
    /// error that lists the formats — `hits.docx` is never plain text under a Word name.
    pub fn of_file(path: &std::path::Path) -> Result<Format, Error> {
        let Some(extension) = path.extension() else {
            return Ok(Format::Text);
        };
        let extension = extension.to_string_lossy().to_ascii_lowercase();
        if extension == "txt" {
            return Ok(Format::Text);
        }
        extension.parse().map_err(|_| {
            let names: Vec<String> = Format::ALL.iter().map(|(n, _)| format!(".{n}")).collect();
            Error::Usage(format!(
                "{}: no writer for .{extension} files; name the file {} or .txt (or give --format)",
                path.display(),
                names.join(", ")
            ))
        })
    }
}

/// How to render results.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub format: Format,
    pub passage: PassageOptions,
    /// Mark matches with terminal colours (text format).
    pub color: bool,
    /// The query as the user wrote it.
    pub query: String,
    /// The terms to highlight.
    pub terms: Vec<String>,
    /// The active filters as a reader reads them ([`crate::search::Filters::describe`]).
    pub filters: String,
}

/// One hit as exported: the citation fields and the passage.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    #[serde(flatten)]
    pub meta: ReportMeta,
    pub section_type: String,
    pub headings: Vec<String>,
    pub line: u64,
    pub passage: String,
    pub score: f32,
    pub citation: String,
    /// Where the matches are in the passage, as byte ranges.
    #[serde(skip)]
    pub highlights: Vec<(usize, usize)>,
    /// The same as character ranges `[start, end)`, for readers of the JSON (a web page marks
    /// them without parsing HTML out of the passage).
    #[serde(rename = "highlights")]
    pub highlight_chars: Vec<(usize, usize)>,
}

impl Record {
    pub fn new(hit: &Hit, terms: &[&str], options: PassageOptions) -> Record {
        let Passage { text, highlights } = passage(&hit.text, terms, options);
        Record {
            highlight_chars: char_ranges(&text, &highlights),
            citation: citation(hit),
            meta: hit.meta.clone(),
            section_type: hit.section_type.clone(),
            headings: hit.headings.clone(),
            line: hit.line,
            passage: text,
            score: hit.score,
            highlights,
        }
    }
}

/// The byte ranges `ranges` of `text` (in order, not overlapping) as character ranges, counted
/// in one walk from each range to the next: recounting from the start for each range made a
/// passage of many matches cost the square of its length.
fn char_ranges(text: &str, ranges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let (mut counted_bytes, mut counted_chars) = (0, 0);
    let mut count_to = |byte: usize| {
        if byte >= counted_bytes {
            counted_chars += text[counted_bytes..byte].chars().count();
        } else {
            counted_chars -= text[byte..counted_bytes].chars().count();
        }
        counted_bytes = byte;
        counted_chars
    };
    ranges
        .iter()
        .map(|&(s, e)| (count_to(s), count_to(e)))
        .collect()
}

/// Text for a terminal: every control character (C0 such as ESC and BEL, DEL, C1) is written as
/// file names are ([`crate::ingest::escape_control`]: `\x1B`, `\u{85}`), so that a report's
/// text or a file name cannot retitle the window, move the cursor
/// or clear the screen. Line breaks and tabs are kept when `keep_breaks` (a `--full` passage).
/// Text output only: JSON, CSV and XLSX carry the exact data, escaped by their format.
pub fn terminal_safe(text: &str, keep_breaks: bool) -> Cow<'_, str> {
    let escaped = |c: char| c.is_control() && !(keep_breaks && (c == '\n' || c == '\t'));
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            crate::ingest::escape_control(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line of text for a terminal: control characters escaped, line breaks too.
pub(crate) fn terminal_line(text: &str) -> Cow<'_, str> {
    terminal_safe(text, false)
}

/// `上桥镇（宁夏回族自治区吴忠市利通区）《…报告》，“一、工作开展情况 / （三）…”，第12行。`
pub fn citation(hit: &Hit) -> String {
    let mut out = String::new();
    let region: String = [&hit.meta.province, &hit.meta.city, &hit.meta.county]
        .into_iter()
        .flatten()
        .filter(|p| Some(*p) != hit.meta.town.as_ref())
        .fold(Vec::<&str>::new(), |mut acc, p| {
            if acc.last() != Some(&p.as_str()) {
                acc.push(p);
            }
            acc
        })
        .concat();
    match (&hit.meta.town, region.is_empty()) {
        (Some(town), false) => {
            let _ = write!(out, "{town}（{region}）");
        }
        (Some(town), true) => out.push_str(town),
        (None, false) => out.push_str(&region),
        (None, true) => {}
    }
    match &hit.meta.title {
        Some(title) => {
            let _ = write!(out, "《{title}》");
        }
        None => {
            let _ = write!(out, "{}", hit.meta.file);
        }
    }
    let place = if hit.headings.is_empty() {
        "前言".to_string()
    } else {
        hit.headings.join(" / ")
    };
    let _ = write!(out, "，“{place}”，第{}行。", hit.line);
    out
}

/// Writes `results` to `out` in the chosen format.
pub fn write(
    out: &mut dyn Write,
    results: &SearchResults,
    options: &RenderOptions,
) -> io::Result<()> {
    let terms: Vec<&str> = options.terms.iter().map(String::as_str).collect();
    let records: Vec<Record> = results
        .hits
        .iter()
        .map(|h| Record::new(h, &terms, options.passage))
        .collect();
    match options.format {
        Format::Text => write_text(out, results, &records, options),
        Format::Json => write_json(out, results, &records, options),
        Format::Jsonl => {
            for r in &records {
                serde_json::to_writer(&mut *out, r)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Csv => records_table(&records).write_csv(out),
        Format::Md => write_md(out, &records),
        Format::Xlsx => write_xlsx(out, &records_table(&records)),
    }
}

pub(crate) const HIGHLIGHT_ON: &str = "\x1b[1;31m";
pub(crate) const HIGHLIGHT_OFF: &str = "\x1b[0m";

/// `text` with each highlight between `on` and `off`, and its control characters escaped (the
/// marks are the only escape sequences that reach the terminal).
fn marked(text: &str, highlights: &[(usize, usize)], on: &str, off: &str) -> String {
    let mut out = String::with_capacity(text.len() + highlights.len() * (on.len() + off.len()));
    let mut at = 0;
    for &(s, e) in highlights {
        out.push_str(&terminal_safe(&text[at..s], true));
        out.push_str(on);
        out.push_str(&terminal_safe(&text[s..e], true));
        out.push_str(off);
        at = e;
    }
    out.push_str(&terminal_safe(&text[at..], true));
    out
}

fn or_dash(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("—")
}

fn write_text(
    out: &mut dyn Write,
    results: &SearchResults,
    records: &[Record],
    options: &RenderOptions,
) -> io::Result<()> {
    for (i, r) in records.iter().enumerate() {
        let year = r
            .meta
            .year
            .map_or_else(|| "—".to_string(), |y| y.to_string());
        let headings = if r.headings.is_empty() {
            "前言".to_string()
        } else {
            r.headings.join(" › ")
        };
        writeln!(
            out,
            "{}. {} · {} · {} · {} · {}",
            i + 1,
            terminal_line(or_dash(&r.meta.town)),
            terminal_line(or_dash(&r.meta.county)),
            year,
            r.section_type,
            terminal_line(&headings)
        )?;
        writeln!(
            out,
            "   {}:{}  《{}》",
            terminal_line(&r.meta.file),
            r.line,
            terminal_line(r.meta.title.as_deref().unwrap_or("无标题"))
        )?;
        let text = if options.color {
            marked(&r.passage, &r.highlights, HIGHLIGHT_ON, HIGHLIGHT_OFF)
        } else {
            terminal_safe(&r.passage, true).into_owned()
        };
        writeln!(out, "   {text}\n")?;
    }
    let shown = records.len();
    let filters = terminal_line(&options.filters);
    let (sections, reports) = (results.total_sections, results.total_reports);
    let line = summary::matches(sections, reports, &terminal_line(&options.query), &filters);
    write!(out, "{line}")?;
    if shown < results.total_sections {
        write!(out, " (showing {shown}; --limit N or --all for more)")?;
    }
    writeln!(out)?;
    let line = |name: &str, facets: &[FacetCount], size: usize| -> String {
        let values: Vec<String> = facets
            .iter()
            .take(12)
            .map(|f| format!("{} ({})", terminal_line(&f.value), f.count))
            .collect();
        let more = if size > values.len() {
            format!(" · … {} more", size - values.len())
        } else {
            String::new()
        };
        format!("  {name:<15}{}{more}", values.join(" · "))
    };
    if results.total_sections > 0 {
        let (f, size) = (&results.facets, &results.facet_sizes);
        writeln!(out, "{}", line("year:", &f["year"], size["year"]))?;
        writeln!(
            out,
            "{}",
            line("section type:", &f["section_type"], size["section_type"])
        )?;
        writeln!(
            out,
            "{}",
            line("province:", &f["province"], size["province"])
        )?;
        writeln!(out, "{}", line("level:", &f["level"], size["level"]))?;
        writeln!(out, "{}", line("town:", &f["town"], size["town"]))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonResults<'a> {
    query: &'a str,
    total_sections: usize,
    total_reports: usize,
    facets: &'a crate::search::Facets,
    /// How many values each facet has (the lists hold at most `--facets` of them).
    facet_sizes: &'a crate::search::FacetSizes,
    hits: &'a [Record],
}

fn write_json(
    out: &mut dyn Write,
    results: &SearchResults,
    records: &[Record],
    options: &RenderOptions,
) -> io::Result<()> {
    let doc = JsonResults {
        query: &options.query,
        total_sections: results.total_sections,
        total_reports: results.total_reports,
        facets: &results.facets,
        facet_sizes: &results.facet_sizes,
        hits: records,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Columns of the CSV and XLSX exports.
pub const TABLE_COLUMNS: [(&str, ColumnKind); 16] = [
    ("town", ColumnKind::Text),
    ("county", ColumnKind::Text),
    ("city", ColumnKind::Text),
    ("province", ColumnKind::Text),
    ("level", ColumnKind::Text),
    ("year", ColumnKind::Int),
    ("section_type", ColumnKind::Text),
    ("headings", ColumnKind::Text),
    ("line", ColumnKind::Int),
    ("title", ColumnKind::Text),
    ("file", ColumnKind::Text),
    ("issuer", ColumnKind::Text),
    ("published", ColumnKind::Text),
    ("passage", ColumnKind::Wrapped),
    ("score", ColumnKind::Float),
    ("citation", ColumnKind::Wrapped),
];

/// Hits as a table: one row per hit, the citation fields typed (the year a number).
pub fn records_table(records: &[Record]) -> Table {
    Table {
        sheet: "hits".into(),
        columns: TABLE_COLUMNS
            .iter()
            .map(|(name, kind)| Column::new(*name, *kind))
            .collect(),
        rows: records
            .iter()
            .map(|r| {
                vec![
                    Cell::opt(&r.meta.town),
                    Cell::opt(&r.meta.county),
                    Cell::opt(&r.meta.city),
                    Cell::opt(&r.meta.province),
                    Cell::text(r.meta.level.as_str()),
                    Cell::opt_int(r.meta.year),
                    Cell::text(&r.section_type),
                    Cell::text(r.headings.join(" / ")),
                    Cell::Int(r.line),
                    Cell::opt(&r.meta.title),
                    Cell::text(&r.meta.file),
                    Cell::opt(&r.meta.issuer),
                    Cell::opt(&r.meta.published),
                    Cell::text(&r.passage),
                    Cell::Float(f64::from(r.score)),
                    Cell::text(&r.citation),
                ]
            })
            .collect(),
    }
}

/// Writes a table as an XLSX workbook.
pub fn write_xlsx(out: &mut dyn Write, table: &Table) -> io::Result<()> {
    let bytes = table.to_xlsx().map_err(io::Error::other)?;
    out.write_all(&bytes)
}

/// A cell a spreadsheet would run as a formula (=, +, -, @, or a leading tab or carriage
/// return) is prefixed with an apostrophe, which spreadsheets show as text.
pub fn guard_formula(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

pub(crate) fn md_cell(cell: &str) -> String {
    terminal_safe(cell, true)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], "<br>")
}

fn write_md(out: &mut dyn Write, records: &[Record]) -> io::Result<()> {
    let columns = [
        "town",
        "county",
        "province",
        "year",
        "section_type",
        "headings",
        "passage",
        "citation",
    ];
    writeln!(out, "| {} |", columns.join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(columns.len()))?;
    for r in records {
        let passage = marked(&r.passage, &r.highlights, "**", "**");
        let year = r.meta.year.map(|y| y.to_string()).unwrap_or_default();
        let cells = [
            or_dash(&r.meta.town).to_string(),
            or_dash(&r.meta.county).to_string(),
            or_dash(&r.meta.province).to_string(),
            year,
            r.section_type.clone(),
            r.headings.join(" / "),
            passage,
            r.citation.clone(),
        ];
        let cells: Vec<String> = cells.iter().map(|c| md_cell(c)).collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit() -> Hit {
        Hit {
            meta: ReportMeta {
                file: "a.txt".into(),
                title: Some("利通区上桥镇2023年法治政府建设情况报告".into()),
                town: Some("上桥镇".into()),
                county: Some("利通区".into()),
                city: Some("吴忠市".into()),
                province: Some("宁夏回族自治区".into()),
                level: crate::region::Level::Town,
                year: Some(2023),
                issuer: None,
                published: None,
            },
            section_type: "measures".into(),
            headings: vec![
                "一、工作开展情况".into(),
                "（三）坚持依法行政，促进行政规范".into(),
            ],
            line: 23,
            text: "=SUM(A1) 法律顾问。".into(),
            score: 1.5,
        }
    }

    #[test]
    fn citations() {
        assert_eq!(
            citation(&hit()),
            "上桥镇（宁夏回族自治区吴忠市利通区）《利通区上桥镇2023年法治政府建设情况报告》，“一、工作开展情况 / （三）坚持依法行政，促进行政规范”，第23行。"
        );
        let mut municipal = hit();
        municipal.meta.town = Some("东棘坨镇".into());
        municipal.meta.province = Some("天津市".into());
        municipal.meta.city = Some("天津市".into());
        municipal.meta.county = Some("宁河区".into());
        municipal.headings.clear();
        assert!(
            citation(&municipal).starts_with("东棘坨镇（天津市宁河区）"),
            "{}",
            citation(&municipal)
        );
        assert!(citation(&municipal).contains("“前言”"));
    }

    #[test]
    fn formula_guard() {
        let rows = [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@x", "'@x"),
            ("法治", "法治"),
            ("1-2", "1-2"),
        ];
        for (cell, guarded) in rows {
            assert_eq!(guard_formula(cell), guarded, "cell {cell:?}");
        }
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(md_cell("a|b\nc"), "a\\|b<br>c");
    }
}
