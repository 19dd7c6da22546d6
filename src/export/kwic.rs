//! Concordance (keyword in context): every occurrence of the query's terms in the matching
//! sections, one line each — left context, the match as written, right context — with the
//! report and section it comes from. In a terminal the lines align on the match by display
//! width (a CJK character takes two columns).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};

use serde::{Serialize, Serializer};
use unicode_width::UnicodeWidthStr;

use super::passage::find;
use super::spill::{Place, Spill, Spilling};
use super::table::{Cell, Column, ColumnKind, CsvRows, MdRows, Table, XlsxRows, check_xlsx_rows};
use super::{Format, HIGHLIGHT_OFF, HIGHLIGHT_ON, citation, section_citation, terminal_line};
use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::report::ReportMeta;
use crate::search::{Engine, Hit, Ranked};

/// One occurrence in context.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KwicLine {
    #[serde(flatten)]
    pub meta: ReportMeta,
    pub section_type: String,
    pub headings: Vec<String>,
    /// The section's first line in the source file.
    pub line: u64,
    pub left: String,
    #[serde(rename = "match")]
    pub keyword: String,
    pub right: String,
    pub citation: String,
    /// Where the match starts in the section, in characters (orders lines of one section).
    #[serde(skip)]
    pub offset: usize,
}

/// The order of concordance lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KwicSort {
    /// Town, then year, report and place in it: a reading order.
    #[default]
    Town,
    /// Year, then town.
    Year,
    /// The text right of the match, character by character: what follows the term.
    Right,
    /// The text left of the match, read backwards from it: what precedes the term.
    Left,
}

impl KwicSort {
    pub const ALL: [(&'static str, KwicSort); 4] = [
        ("town", KwicSort::Town),
        ("year", KwicSort::Year),
        ("right", KwicSort::Right),
        ("left", KwicSort::Left),
    ];
}

impl FromStr for KwicSort {
    type Err = Error;

    fn from_str(s: &str) -> Result<KwicSort> {
        crate::lang::choose(s, &KwicSort::ALL, "choose.sort")
    }
}

/// Context each side of the match, in characters, when not asked.
pub const DEFAULT_WIDTH: usize = 20;

/// The widest context the library shows each side of a match, in characters: a wider `width`
/// is taken as this (a concordance line is read on one screen line; the binaries refuse larger
/// numbers with a message, the library never fails or overflows on one).
pub const MAX_WIDTH: usize = 1_000;

/// Every occurrence of `terms` in `hits`, with `width` characters of context each side (at most
/// [`MAX_WIDTH`]), in the order `sort` asks. The cost is linear in the sections' length plus
/// the context shown: character positions are counted once, from one match to the next.
pub fn lines(hits: &[Hit], terms: &[&str], width: usize, sort: KwicSort) -> Vec<KwicLine> {
    let mut out = Vec::new();
    for hit in hits {
        let cite = citation(hit);
        for o in occurrences(&hit.text, terms, width) {
            out.push(KwicLine {
                meta: hit.meta.clone(),
                section_type: hit.section_type.clone(),
                headings: hit.headings.clone(),
                line: hit.line,
                left: o.left,
                keyword: o.keyword,
                right: o.right,
                citation: cite.clone(),
                offset: o.offset,
            });
        }
    }
    out.sort_by(|a, b| order(a, b, sort));
    out
}

/// One occurrence in a section's text: the context left of it, the match as written and the
/// context right of it, each on one line, and where the match starts, in characters.
struct Occurrence {
    left: String,
    keyword: String,
    right: String,
    offset: usize,
}

/// Every occurrence of `terms` in `text`, in the text's order, with `width` characters of
/// context each side (at most [`MAX_WIDTH`]).
fn occurrences(text: &str, terms: &[&str], width: usize) -> Vec<Occurrence> {
    let width = width.min(MAX_WIDTH);
    // Characters before `counted_bytes`: advanced from match to match, never recounted.
    let (mut counted_bytes, mut counted_chars) = (0, 0);
    find(text, terms)
        .into_iter()
        .map(|(start, end)| {
            counted_chars += text[counted_bytes..start].chars().count();
            counted_bytes = start;
            let left_from = text[..start]
                .char_indices()
                .rev()
                .take(width)
                .last()
                .map_or(start, |(b, _)| b);
            let right_to = text[end..]
                .char_indices()
                .nth(width)
                .map_or(text.len(), |(b, _)| end + b);
            Occurrence {
                left: one_line(&text[left_from..start]),
                keyword: one_line(&text[start..end]),
                right: one_line(&text[end..right_to]),
                offset: counted_chars,
            }
        })
        .collect()
}

/// Puts concordance lines in the order `sort` asks, as [`lines`] does: for a caller that
/// builds them a hit at a time (the server, to stop between hits).
pub fn sort_lines(lines: &mut [KwicLine], sort: KwicSort) {
    lines.sort_by(|a, b| order(a, b, sort));
}

/// Line breaks and tabs become spaces: a concordance line is one line.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect()
}

fn order(a: &KwicLine, b: &KwicLine, sort: KwicSort) -> Ordering {
    let place = |l: &KwicLine| (l.meta.town.clone(), l.meta.county.clone());
    let reading = |a: &KwicLine, b: &KwicLine| {
        a.meta
            .file
            .cmp(&b.meta.file)
            .then(a.line.cmp(&b.line))
            .then(a.offset.cmp(&b.offset))
    };
    match sort {
        KwicSort::Town => place(a)
            .cmp(&place(b))
            .then(a.meta.year.cmp(&b.meta.year))
            .then_with(|| reading(a, b)),
        KwicSort::Year => a
            .meta
            .year
            .cmp(&b.meta.year)
            .then_with(|| place(a).cmp(&place(b)))
            .then_with(|| reading(a, b)),
        KwicSort::Right => a
            .right
            .cmp(&b.right)
            .then_with(|| a.keyword.cmp(&b.keyword))
            .then_with(|| reading(a, b)),
        KwicSort::Left => a
            .left
            .chars()
            .rev()
            .cmp(b.left.chars().rev())
            .then_with(|| a.keyword.cmp(&b.keyword))
            .then_with(|| reading(a, b)),
    }
}

/// A concordance line as it is written, borrowed from a [`KwicLine`] or from a
/// [`Concordance`]: it serialises as the `KwicLine` does.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LineView<'a> {
    #[serde(flatten)]
    pub meta: &'a ReportMeta,
    pub section_type: &'a str,
    pub headings: &'a [String],
    pub line: u64,
    pub left: &'a str,
    #[serde(rename = "match")]
    pub keyword: &'a str,
    pub right: &'a str,
    pub citation: &'a str,
}

/// Concordance lines in the order they are written: what [`write_lines`] writes.
pub trait Lines {
    fn line_count(&self) -> usize;
    /// The `i`th line, `i` below [`Lines::line_count`].
    fn line_at(&self, i: usize) -> LineView<'_>;
}

impl Lines for [KwicLine] {
    fn line_count(&self) -> usize {
        self.len()
    }

    fn line_at(&self, i: usize) -> LineView<'_> {
        let l = &self[i];
        LineView {
            meta: &l.meta,
            section_type: &l.section_type,
            headings: &l.headings,
            line: l.line,
            left: &l.left,
            keyword: &l.keyword,
            right: &l.right,
            citation: &l.citation,
        }
    }
}

/// The lines of `lines`, one after another.
fn views<L: Lines + ?Sized>(lines: &L) -> impl Iterator<Item = LineView<'_>> {
    (0..lines.line_count()).map(|i| lines.line_at(i))
}

/// Lines as a JSON array, serialised one by one.
struct Seq<'a, L: ?Sized>(&'a L);

impl<L: Lines + ?Sized> Serialize for Seq<'_, L> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(views(self.0))
    }
}

/// Writes concordance lines in `format`: the one writer of `fazhi-query kwic` and `/api/kwic`
/// (which answers `--format json`). Matches are coloured in text when `color`; column names
/// and section types of text and tables are in `lang`, JSON keys and values in ASCII.
pub fn write(
    out: &mut dyn Write,
    lines: &[KwicLine],
    format: Format,
    color: bool,
    lang: Lang,
) -> io::Result<()> {
    write_lines(out, lines, format, color, lang)
}

/// [`write`] of any [`Lines`]: a line at a time, nothing copied first (but text, which
/// measures every line before it aligns them).
pub fn write_lines<L: Lines + ?Sized>(
    out: &mut dyn Write,
    lines: &L,
    format: Format,
    color: bool,
    lang: Lang,
) -> io::Result<()> {
    match format {
        Format::Text => write_text(out, lines, color, lang),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &Seq(lines))?;
            writeln!(out)
        }
        Format::Jsonl => views(lines).try_for_each(|l| {
            serde_json::to_writer(&mut *out, &l)?;
            writeln!(out)
        }),
        Format::Csv => {
            let mut csv = CsvRows::start(&mut *out, &columns(lang))?;
            for l in views(lines) {
                csv.row(&cells(&l, lang))?;
            }
            csv.finish()
        }
        Format::Md => {
            let mut md = MdRows::start(out, &columns(lang))?;
            views(lines).try_for_each(|l| md.row(&cells(&l, lang)))
        }
        Format::Xlsx => {
            check_xlsx_rows(lines.line_count()).map_err(io::Error::other)?;
            let mut book =
                XlsxRows::start(SHEET, &columns(lang), lang).map_err(io::Error::other)?;
            for l in views(lines) {
                book.row(&cells(&l, lang)).map_err(io::Error::other)?;
            }
            book.finish(out).map_err(io::Error::other)
        }
    }
}

/// The concordance for a terminal: left context right-aligned, the match (coloured when
/// asked), right context, then town · year · section type. Control characters in the text are
/// escaped (see [`terminal_line`]) before the columns are measured, once to measure and once to
/// write.
fn write_text<L: Lines + ?Sized>(
    out: &mut dyn Write,
    lines: &L,
    color: bool,
    lang: Lang,
) -> io::Result<()> {
    let shown = |l: &LineView| {
        let place = l
            .meta
            .town
            .as_deref()
            .or(l.meta.county.as_deref())
            .unwrap_or("—");
        [l.left, l.keyword, l.right, place].map(|s| terminal_line(s).into_owned())
    };
    let (mut left_width, mut match_width, mut right_width) = (0, 0, 0);
    for l in views(lines) {
        let [left, keyword, right, _] = shown(&l);
        left_width = left_width.max(left.width());
        match_width = match_width.max(keyword.width());
        right_width = right_width.max(right.width());
    }
    for l in views(lines) {
        let [left, keyword, right, place] = shown(&l);
        let marked = if color {
            format!("{HIGHLIGHT_ON}{keyword}{HIGHLIGHT_OFF}")
        } else {
            keyword.clone()
        };
        writeln!(
            out,
            "{}{} {}{} {}{}  {} · {} · {}",
            " ".repeat(left_width - left.width()),
            left,
            marked,
            " ".repeat(match_width - keyword.width()),
            right,
            " ".repeat(right_width - right.width()),
            place,
            l.meta
                .year
                .map_or_else(|| "—".to_string(), |y| y.to_string()),
            super::type_name(l.section_type, lang),
        )?;
    }
    Ok(())
}

/// The worksheet of a concordance.
const SHEET: &str = "kwic";

/// The concordance's columns, named in `lang`.
fn columns(lang: Lang) -> Vec<Column> {
    let columns = [
        ("left", ColumnKind::Text),
        ("match", ColumnKind::Text),
        ("right", ColumnKind::Text),
        ("town", ColumnKind::Text),
        ("county", ColumnKind::Text),
        ("city", ColumnKind::Text),
        ("province", ColumnKind::Text),
        ("year", ColumnKind::Int),
        ("section_type", ColumnKind::Text),
        ("headings", ColumnKind::Text),
        ("line", ColumnKind::Int),
        ("file", ColumnKind::Text),
        ("citation", ColumnKind::Wrapped),
    ];
    columns
        .into_iter()
        .map(|(key, kind)| Column::new(lang.column(key), kind))
        .collect()
}

/// A line's cells under [`columns`], its section type in `lang`.
fn cells(l: &LineView, lang: Lang) -> Vec<Cell> {
    vec![
        Cell::text(l.left),
        Cell::text(l.keyword),
        Cell::text(l.right),
        Cell::opt(&l.meta.town),
        Cell::opt(&l.meta.county),
        Cell::opt(&l.meta.city),
        Cell::opt(&l.meta.province),
        Cell::opt_int(l.meta.year),
        Cell::text(super::type_name(l.section_type, lang)),
        Cell::text(l.headings.join(" / ")),
        Cell::Int(l.line),
        Cell::text(&l.meta.file),
        Cell::text(l.citation),
    ]
}

/// The concordance as a table (CSV, Markdown, XLSX), its column names and section types in
/// `lang`.
pub fn table(lines: &[KwicLine], lang: Lang) -> Table {
    Table {
        sheet: SHEET.into(),
        columns: columns(lang),
        rows: views(lines).map(|l| cells(&l, lang)).collect(),
    }
}

/// What a CSV or JSON Lines concordance writes before its rows: the CSV's byte-order mark and
/// header (column names in `lang`); nothing for JSON Lines.
fn rows_header(format: Format, lang: Lang) -> Vec<u8> {
    let mut out = Vec::new();
    if format == Format::Csv {
        // Writing into memory cannot fail.
        let _ = CsvRows::start(&mut out, &columns(lang)).and_then(|csv| csv.finish());
    }
    out
}

/// A line as the row `format` (CSV or JSON Lines) writes for it in [`write_lines`].
fn row_bytes(l: &LineView, format: Format, lang: Lang, columns: &[Column]) -> Vec<u8> {
    let row = match format {
        Format::Csv => {
            let mut csv = CsvRows::rows(Vec::with_capacity(512), columns);
            csv.row(&cells(l, lang)).and_then(|()| csv.into_inner())
        }
        _ => serde_json::to_vec(l)
            .map(|mut row| {
                row.push(b'\n');
                row
            })
            .map_err(io::Error::from),
    };
    // A line's fields are strings and numbers: writing them into memory cannot fail.
    row.expect("a concordance line is written into memory")
}

/// How a [`Concordance`] is read from a ranked search.
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    /// The terms whose occurrences are listed.
    pub terms: &'a [&'a str],
    /// Characters of context each side (at most [`MAX_WIDTH`]).
    pub width: usize,
    pub sort: KwicSort,
    /// The format it will be written in, and the language of its column names.
    pub format: Format,
    pub lang: Lang,
    /// The file it will be written to (`/dev/stdout` for standard output): when that is a
    /// regular file, the rows of a CSV or JSON Lines concordance wait in a temporary file
    /// beside it ([`Spill`]), not in memory.
    pub beside: Option<&'a Path>,
    /// The most sections read in one window: by default ([`Reading::WHOLE_BATCH`]) every
    /// match the search holds at once, in one pass over the document store; fewer for tests of
    /// many windows on a small index.
    pub window: usize,
}

impl Reading<'_> {
    pub const WHOLE_BATCH: usize = usize::MAX;
}

/// A concordance read from a ranked search a window of sections at a time, each section's
/// text dropped on the search thread that read it, and held in the order asked: each report's
/// metadata once, each section's headings and citation once, and each line's left, match and
/// right. When its rows wait on disk (a CSV or JSON Lines file, [`Reading::beside`]) it holds
/// no more of a line than where its row is and what its order compares: nothing for `town`
/// and `year` (the section's report and line decide), the context and the match for `right`
/// and `left`. Written by [`Concordance::write`]: the bytes [`write`] writes for the same
/// lines.
pub struct Concordance {
    format: Format,
    lang: Lang,
    kept: Kept,
    /// Where the rows wait, when they do.
    spill: Option<Spill>,
    /// Lines before [`Concordance::truncate`].
    all: usize,
    windows: usize,
}

/// What a concordance keeps of its sections and lines.
#[derive(Default)]
struct Kept {
    /// Each report's metadata, once (only what the order reads, when rows wait on disk).
    reports: Vec<ReportMeta>,
    hits: Vec<HitEntry>,
    /// The lines, in order once read.
    lines: Vec<LineEntry>,
    /// Each line's row among its section's rows (where it starts, its length), by
    /// [`LineEntry::id`], when rows wait on disk.
    rows: Vec<[u32; 2]>,
    /// Each line's kept parts, by [`LineEntry::id`], when any is kept.
    parts: Vec<Parts>,
    text: String,
    /// Each match as written, once.
    keywords: Vec<String>,
}

/// A section with occurrences.
struct HitEntry {
    /// Its report in [`Concordance::reports`].
    report: u32,
    /// Its place in the search's order: the last tie-break, as the sort of all lines in that
    /// order was stable.
    rank: u32,
    /// Its first line in the report's file.
    line: u64,
    /// Where its lines' rows wait, one after another, when they do.
    rows: Option<Place>,
    /// What its lines show of it, when they are held in memory.
    shown: Option<Box<Shown>>,
}

/// What a section's concordance lines show of it besides its report.
struct Shown {
    section_type: String,
    headings: Vec<String>,
    citation: String,
}

/// Shown for a line whose row waits on disk (never written from memory).
static NOTHING_SHOWN: Shown = Shown {
    section_type: String::new(),
    headings: Vec::new(),
    citation: String::new(),
};

/// One concordance line as its order reads it; the rest of it is under its `id`.
#[derive(Debug, Clone, Copy)]
struct LineEntry {
    /// Its section in [`Concordance::hits`].
    hit: u32,
    /// Where its match starts in the section, in characters.
    offset: u32,
    /// The order it was read in (a section's lines one after another, in the text's order):
    /// where its row and parts are.
    id: u32,
}

/// A line's left and right context, one after the other from `at` in [`Concordance::text`]
/// (of these lengths in bytes, 0 for one not kept), and its match in
/// [`Concordance::keywords`]. A context is [`MAX_WIDTH`] characters at most: 16 bits hold it.
struct Parts {
    at: u32,
    left: u16,
    right: u16,
    keyword: u32,
}

/// The contexts of each line a concordance keeps, left and right; the match is kept with
/// either.
type Keep = [bool; 2];

/// What a concordance being read has gathered, from any search thread.
#[derive(Default)]
struct Gathered {
    kept: Kept,
    /// The last report of each file in `kept.reports`.
    report_of: HashMap<String, u32>,
    keyword_of: HashMap<String, u32>,
    /// A count that did not fit in a line's 32 bits (more than four billion sections).
    overflow: bool,
}

/// `n` as 32 bits; None when it does not fit.
fn narrow(n: usize) -> Option<u32> {
    u32::try_from(n).ok()
}

/// A section's occurrences, and where their rows wait when they do: the place of the
/// section's rows and each row's start and length in it.
type Found = (Vec<Occurrence>, Option<(Place, Vec<[u32; 2]>)>);

impl Gathered {
    /// Adds a section's lines; returns the section's index. None: a count does not fit.
    fn add(
        &mut self,
        meta: ReportMeta,
        line: u64,
        shown: Option<Box<Shown>>,
        (found, rows): Found,
        keep: Keep,
    ) -> Option<u32> {
        let report = match self.report_of.get(&meta.file) {
            Some(&i) if self.kept.reports[i as usize] == meta => i,
            _ => {
                let i = narrow(self.kept.reports.len())?;
                self.report_of.insert(meta.file.clone(), i);
                self.kept.reports.push(meta);
                i
            }
        };
        let hit = narrow(self.kept.hits.len())?;
        let (place, rows) = rows.unzip();
        self.kept.hits.push(HitEntry {
            report,
            rank: 0,
            line,
            rows: place,
            shown,
        });
        self.kept.rows.extend(rows.into_iter().flatten());
        for o in found {
            if keep.contains(&true) {
                let at = narrow(self.kept.text.len())?;
                let mut len = |part: &str, kept: bool| {
                    if !kept {
                        return Some(0);
                    }
                    self.kept.text.push_str(part);
                    u16::try_from(part.len()).ok()
                };
                let (left, right) = (len(&o.left, keep[0])?, len(&o.right, keep[1])?);
                let keyword = match self.keyword_of.get(&o.keyword) {
                    Some(&k) => k,
                    None => {
                        let k = narrow(self.kept.keywords.len())?;
                        self.keyword_of.insert(o.keyword.clone(), k);
                        self.kept.keywords.push(o.keyword);
                        k
                    }
                };
                self.kept.parts.push(Parts {
                    at,
                    left,
                    right,
                    keyword,
                });
            }
            self.kept.lines.push(LineEntry {
                hit,
                offset: narrow(o.offset)?,
                id: narrow(self.kept.lines.len())?,
            });
        }
        Some(hit)
    }
}

/// A concordance too large for its compact lines: said, never cut short silently.
fn too_many() -> Error {
    Error::Engine(tantivy::TantivyError::InternalError(
        "a concordance of more than 4,294,967,295 sections or lines, or of a section longer than \
         that, cannot be listed"
            .into(),
    ))
}

impl Concordance {
    /// Reads the occurrences of `how.terms` in every section `ranked` gives (read with
    /// `engine`), in the order `how.sort` asks.
    pub fn read(engine: &Engine, ranked: &mut Ranked, how: &Reading) -> Result<Concordance> {
        let rows = matches!(how.format, Format::Csv | Format::Jsonl);
        let mut spill = match (rows, how.beside) {
            (true, Some(output)) => Spill::beside(output),
            _ => None,
        };
        let keep: Keep = match (spill.is_some(), how.sort) {
            (false, _) => [true; 2],
            (true, KwicSort::Town | KwicSort::Year) => [false; 2],
            (true, KwicSort::Right) => [false, true],
            (true, KwicSort::Left) => [true, false],
        };
        let columns = columns(how.lang);
        let (read, finished) = {
            let spilling = spill.as_mut().map(Spill::start).transpose()?;
            let read = read_windows(engine, ranked, how, keep, &columns, spilling.as_ref());
            (read, spilling.map(Spilling::finish))
        };
        if let (Some(Err(e)), Some(spill)) = (finished, &spill) {
            // The first row not written says why (a full disk): the rows after it were not made.
            return Err(spill.cannot_write(e));
        }
        let (gathered, windows) = read?;
        let mut concordance = Concordance {
            format: how.format,
            lang: how.lang,
            kept: gathered.kept,
            spill,
            all: 0,
            windows,
        };
        concordance.sort(how.sort);
        concordance.all = concordance.kept.lines.len();
        Ok(concordance)
    }

    /// Lines now (after [`Concordance::truncate`]).
    pub fn len(&self) -> usize {
        self.kept.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.lines.is_empty()
    }

    /// Lines found, before [`Concordance::truncate`].
    pub fn all(&self) -> usize {
        self.all
    }

    /// Keeps the first `n` lines.
    pub fn truncate(&mut self, n: usize) {
        self.kept.lines.truncate(n);
    }

    /// Whether the rows wait in a file beside the output ([`Reading::beside`]).
    pub fn spilled(&self) -> bool {
        self.spill.is_some()
    }

    /// How many windows of sections were read.
    pub fn windows(&self) -> usize {
        self.windows
    }

    /// Writes the lines in the format they were read for ([`Reading::format`]): from the file
    /// their rows wait in, or from memory; the bytes [`write`] writes for them. An error
    /// reading the rows back comes as an `io::Error` whose inner error is the [`Error`].
    pub fn write(&self, out: &mut dyn Write, color: bool) -> io::Result<()> {
        let Some(spill) = &self.spill else {
            return write_lines(out, self, self.format, color, self.lang);
        };
        out.write_all(&rows_header(self.format, self.lang))?;
        for l in &self.kept.lines {
            let [from, len] = self.kept.rows[l.id as usize];
            // A section whose rows could not be spilled ends the reading with that error.
            let place = self.kept.hits[l.hit as usize]
                .rows
                .and_then(|rows| rows.part(from, len))
                .ok_or_else(|| io::Error::other("a concordance line was not spilled"))?;
            out.write_all(&spill.read(place).map_err(io::Error::other)?)?;
        }
        Ok(())
    }

    /// Part `i` (0 left, 1 match, 2 right) of a line, as kept ("" when not).
    fn part(&self, l: &LineEntry, i: usize) -> &str {
        let Some(parts) = self.kept.parts.get(l.id as usize) else {
            return "";
        };
        let (at, left) = (parts.at as usize, usize::from(parts.left));
        match i {
            0 => &self.kept.text[at..at + left],
            1 => &self.kept.keywords[parts.keyword as usize],
            _ => &self.kept.text[at + left..at + left + usize::from(parts.right)],
        }
    }

    /// A line's match's place among the matches as written, in order.
    fn keyword_ranks(&self) -> Vec<u32> {
        let mut by_order: Vec<usize> = (0..self.kept.keywords.len()).collect();
        by_order.sort_unstable_by_key(|&k| &self.kept.keywords[k]);
        let mut ranks = vec![0u32; self.kept.keywords.len()];
        for (rank, k) in (0..).zip(by_order) {
            ranks[k] = rank;
        }
        ranks
    }

    /// Puts the lines in the order `sort` asks: [`lines`]' order.
    fn sort(&mut self, sort: KwicSort) {
        fn place(m: &ReportMeta) -> (Option<&str>, Option<&str>) {
            (m.town.as_deref(), m.county.as_deref())
        }
        let reports = &self.kept.reports;
        let compare = |a: &ReportMeta, b: &ReportMeta| match sort {
            KwicSort::Town => place(a)
                .cmp(&place(b))
                .then(a.year.cmp(&b.year))
                .then_with(|| a.file.cmp(&b.file)),
            KwicSort::Year => a
                .year
                .cmp(&b.year)
                .then_with(|| place(a).cmp(&place(b)))
                .then_with(|| a.file.cmp(&b.file)),
            KwicSort::Right | KwicSort::Left => a.file.cmp(&b.file),
        };
        // Each report's place in that order, equal reports in equal places.
        let mut by_order: Vec<usize> = (0..reports.len()).collect();
        by_order.sort_unstable_by(|&a, &b| compare(&reports[a], &reports[b]));
        let mut report_rank = vec![0u32; reports.len()];
        let mut rank = 0;
        for (i, &r) in by_order.iter().enumerate() {
            if i > 0 && compare(&reports[by_order[i - 1]], &reports[r]) != Ordering::Equal {
                rank += 1;
            }
            report_rank[r] = rank;
        }
        let hits = &self.kept.hits;
        // The report's place, then the reading order, then the search's (a section's lines
        // have ids in the text's order).
        let reading = |l: &LineEntry| {
            let hit = &hits[l.hit as usize];
            (
                report_rank[hit.report as usize],
                hit.line,
                l.offset,
                hit.rank,
                l.id,
            )
        };
        let keyword_rank = self.keyword_ranks();
        let keyword = |l: &LineEntry| {
            self.kept
                .parts
                .get(l.id as usize)
                .map_or(0, |p| keyword_rank[p.keyword as usize])
        };
        let mut lines = std::mem::take(&mut self.kept.lines);
        match sort {
            KwicSort::Town | KwicSort::Year => lines.sort_unstable_by_key(reading),
            KwicSort::Right => lines.sort_unstable_by(|a, b| {
                self.part(a, 2)
                    .cmp(self.part(b, 2))
                    .then_with(|| keyword(a).cmp(&keyword(b)))
                    .then_with(|| reading(a).cmp(&reading(b)))
            }),
            KwicSort::Left => lines.sort_unstable_by(|a, b| {
                let backwards = |l: &LineEntry| self.part(l, 0).chars().rev();
                backwards(a)
                    .cmp(backwards(b))
                    .then_with(|| keyword(a).cmp(&keyword(b)))
                    .then_with(|| reading(a).cmp(&reading(b)))
            }),
        }
        self.kept.lines = lines;
    }
}

impl Lines for Concordance {
    fn line_count(&self) -> usize {
        self.kept.lines.len()
    }

    fn line_at(&self, i: usize) -> LineView<'_> {
        let l = &self.kept.lines[i];
        let hit = &self.kept.hits[l.hit as usize];
        let shown = hit.shown.as_deref().unwrap_or(&NOTHING_SHOWN);
        LineView {
            meta: &self.kept.reports[hit.report as usize],
            section_type: &shown.section_type,
            headings: &shown.headings,
            line: hit.line,
            left: self.part(l, 0),
            keyword: self.part(l, 1),
            right: self.part(l, 2),
            citation: &shown.citation,
        }
    }
}

/// Reads every section of `ranked`, a window at a time, into what a concordance keeps of
/// their lines ([`gather`]); returns it and how many windows were read.
fn read_windows(
    engine: &Engine,
    ranked: &mut Ranked,
    how: &Reading,
    keep: Keep,
    columns: &[Column],
    spilling: Option<&Spilling>,
) -> Result<(Gathered, usize)> {
    let gathered = Mutex::new(Gathered::default());
    let (mut read, mut windows) = (0, 0);
    loop {
        let window = ranked.next_batch().min(how.window).max(1);
        let made = ranked.next_window(engine, window, |hit| {
            gather(hit, how, keep, columns, spilling, &gathered)
        })?;
        let Some(made) = made else { break };
        windows += 1;
        let given = made.len();
        let mut gathered = gathered.lock().unwrap_or_else(PoisonError::into_inner);
        for (i, hit) in made.into_iter().enumerate() {
            match hit {
                Gather::Lines(hit) => {
                    gathered.kept.hits[hit as usize].rank = narrow(read + i).ok_or_else(too_many)?
                }
                Gather::None => {}
                Gather::TooMany => return Err(too_many()),
            }
        }
        read += given;
    }
    let gathered = gathered
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    if gathered.overflow {
        return Err(too_many());
    }
    Ok((gathered, windows))
}

/// What a section read became.
enum Gather {
    /// Its lines, gathered as this section.
    Lines(u32),
    /// No occurrence (or its rows could not be spilled: the reading then fails).
    None,
    TooMany,
}

/// Finds a section's occurrences on the search thread that read it, spills their rows when
/// they wait on disk, and gathers what the concordance keeps of them; the section's text is
/// dropped here.
fn gather(
    hit: Hit,
    how: &Reading,
    keep: Keep,
    columns: &[Column],
    spilling: Option<&Spilling>,
    gathered: &Mutex<Gathered>,
) -> Gather {
    let Hit {
        mut meta,
        section_type,
        headings,
        line,
        nth_on_line,
        text,
        ..
    } = hit;
    let found = occurrences(&text, how.terms, how.width);
    drop(text);
    if found.is_empty() {
        return Gather::None;
    }
    let citation = section_citation(&meta, &headings, line, nth_on_line);
    let shown = Shown {
        section_type,
        headings,
        citation,
    };
    // The section's rows, one after another, spilled at once.
    let rows = match spilling {
        None => None,
        Some(spilling) => {
            let (mut bytes, mut rows) = (Vec::new(), Vec::with_capacity(found.len()));
            for o in &found {
                let view = LineView {
                    meta: &meta,
                    section_type: &shown.section_type,
                    headings: &shown.headings,
                    line,
                    left: &o.left,
                    keyword: &o.keyword,
                    right: &o.right,
                    citation: &shown.citation,
                };
                let row = row_bytes(&view, how.format, how.lang, columns);
                let (Some(from), Some(len)) = (narrow(bytes.len()), narrow(row.len())) else {
                    return Gather::TooMany;
                };
                rows.push([from, len]);
                bytes.extend_from_slice(&row);
            }
            // Once rows could not be written (a full disk), the rest are not made; the
            // reading fails with why.
            if spilling.failed() {
                return Gather::None;
            }
            let Ok(place) = spilling.put(&bytes) else {
                return Gather::None;
            };
            Some((place, rows))
        }
    };
    let shown = match spilling {
        // The rows hold the rest: the order reads the report's place, year and file.
        Some(_) => {
            (
                meta.title,
                meta.city,
                meta.province,
                meta.issuer,
                meta.published,
            ) = (None, None, None, None, None);
            None
        }
        None => Some(Box::new(shown)),
    };
    let mut gathered = gathered.lock().unwrap_or_else(PoisonError::into_inner);
    match gathered.add(meta, line, shown, (found, rows), keep) {
        Some(hit) => Gather::Lines(hit),
        None => {
            gathered.overflow = true;
            Gather::TooMany
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(town: &str, year: u64, text: &str) -> Hit {
        Hit {
            meta: ReportMeta {
                file: format!("{town}{year}.txt"),
                title: None,
                town: Some(town.into()),
                county: Some("某县".into()),
                city: None,
                province: None,
                level: crate::region::Level::Town,
                year: Some(year),
                issuer: None,
                published: None,
            },
            section_type: "measures".into(),
            headings: vec!["一、工作".into()],
            line: 3,
            nth_on_line: None,
            text: text.into(),
            score: 1.0,
            also_saved_as: Vec::new(),
            copies: None,
            collapsed: Vec::new(),
        }
    }

    #[test]
    fn every_occurrence_with_context() {
        let hits = [hit("甲镇", 2023, "聘请法律顾问2名。\n法律顾问审核合同。")];
        let got = lines(&hits, &["法律顾问"], 3, KwicSort::Town);
        let shown: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|l| (l.left.as_str(), l.keyword.as_str(), l.right.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("聘请", "法律顾问", "2名。"),
                ("名。 ", "法律顾问", "审核合")
            ]
        );
    }

    #[test]
    fn matches_are_shown_as_written() {
        let hits = [hit("甲镇", 2023, "ＡＢＣ法治")];
        let got = lines(&hits, &["abc"], 5, KwicSort::Town);
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].keyword.as_str(), got[0].right.as_str()),
            ("ＡＢＣ", "法治")
        );
    }

    #[test]
    fn sort_orders() {
        let hits = [
            hit("乙镇", 2021, "甲普法丙"),
            hit("甲镇", 2023, "乙普法甲"),
            hit("甲镇", 2020, "丙普法乙"),
        ];
        let rows: [(KwicSort, [(&str, u64); 3]); 4] = [
            // Towns by code point: 乙 (4e59) < 甲 (7532).
            (
                KwicSort::Town,
                [("乙镇", 2021), ("甲镇", 2020), ("甲镇", 2023)],
            ),
            (
                KwicSort::Year,
                [("甲镇", 2020), ("乙镇", 2021), ("甲镇", 2023)],
            ),
            // Right contexts 丙 乙 甲 sort by code point: 丙 (4e19) < 乙 (4e59) < 甲 (7532).
            (
                KwicSort::Right,
                [("乙镇", 2021), ("甲镇", 2020), ("甲镇", 2023)],
            ),
            (
                KwicSort::Left,
                [("甲镇", 2020), ("甲镇", 2023), ("乙镇", 2021)],
            ),
        ];
        for (sort, expected) in rows {
            let got: Vec<(String, u64)> = lines(&hits, &["普法"], 1, sort)
                .iter()
                .map(|l| {
                    (
                        l.meta.town.clone().unwrap_or_default(),
                        l.meta.year.unwrap_or(0),
                    )
                })
                .collect();
            let expected: Vec<(String, u64)> =
                expected.iter().map(|(t, y)| (t.to_string(), *y)).collect();
            assert_eq!(got, expected, "--sort {sort:?}");
        }
    }

    #[test]
    fn terminal_lines_align_on_the_match() {
        let hits = [
            hit("甲镇", 2023, "开展普法宣传"),
            hit("乙镇", 2023, "ab普法c"),
        ];
        let got = lines(&hits, &["普法"], 2, KwicSort::Town);
        let mut out = Vec::new();
        write_text(&mut out, got.as_slice(), false, Lang::Zh).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        let columns: Vec<usize> = text
            .lines()
            .map(|l| l[..l.find("普法").expect("match")].width())
            .collect();
        assert_eq!(columns, [5, 5], "{text}");
        let towns: Vec<usize> = text
            .lines()
            .map(|l| l[..l.find("镇").expect("town")].width())
            .collect();
        assert_eq!(towns[0], towns[1], "{text}");
    }

    #[test]
    fn any_width_is_taken_without_overflow() {
        let hits = [hit("甲镇", 2023, "聘请法律顾问2名。")];
        for width in [0, 3, MAX_WIDTH, usize::MAX] {
            let got = lines(&hits, &["法律顾问"], width, KwicSort::Town);
            assert_eq!(got.len(), 1, "--width {width}");
            let (left, right) = (got[0].left.as_str(), got[0].right.as_str());
            let expected = match width {
                0 => ("", ""),
                3 => ("聘请", "2名。"),
                _ => ("聘请", "2名。"),
            };
            assert_eq!((left, right), expected, "--width {width}");
        }
        let long = format!(
            "{}法治{}",
            "甲".repeat(2 * MAX_WIDTH),
            "乙".repeat(2 * MAX_WIDTH)
        );
        let hits = [hit("甲镇", 2023, &long)];
        let got = lines(&hits, &["法治"], usize::MAX, KwicSort::Town);
        assert_eq!(
            got[0].left.chars().count(),
            MAX_WIDTH,
            "the context is capped"
        );
        assert_eq!(
            got[0].right.chars().count(),
            MAX_WIDTH,
            "the context is capped"
        );
        assert_eq!(got[0].offset, 2 * MAX_WIDTH);
    }

    #[test]
    fn terminal_lines_escape_control_characters() {
        let mut h = hit("甲\x1b]0;x\x07镇", 2023, "清屏\x1b[2J普法\x07宣传");
        h.meta.file = "a\x1b[2J.txt".into();
        let got = lines(&[h], &["普法"], 6, KwicSort::Town);
        let mut out = Vec::new();
        write_text(&mut out, got.as_slice(), false, Lang::Zh).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(!text.contains(['\x1b', '\x07']), "{text:?}");
        assert!(text.contains("清屏\\x1B[2J 普法 \\x07宣传"), "{text:?}");
        assert!(text.contains("甲\\x1B]0;x\\x07镇"), "{text:?}");
        assert_eq!(got[0].left, "清屏\x1b[2J", "the data itself is exact");
    }
}
