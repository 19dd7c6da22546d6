//! Export: search results as text for a terminal, JSON, JSON Lines, CSV for spreadsheets and
//! Markdown tables, every hit with the citation a researcher pastes.

pub mod chart;
pub mod copies;
pub mod kwic;
pub mod output;
pub mod panel;
pub mod passage;
pub mod report;
pub mod spill;
pub mod stats;
pub mod summary;
pub mod table;
pub mod wrap;

use std::borrow::{Borrow, Cow};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::str::FromStr;

use serde::Serialize;

use crate::error::Error;
use crate::lang::{Lang, each};
use crate::report::ReportMeta;
use crate::search::collapse::Member;
use crate::search::{Engine, FacetKey, Hit, Ranked, SearchResults};
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
        crate::lang::choose(s, &Format::ALL, "choose.format")
    }
}

impl Format {
    /// Every format: what search, stats, kwic and panel write.
    pub const EVERY: [Format; 6] = [
        Format::Text,
        Format::Json,
        Format::Jsonl,
        Format::Csv,
        Format::Md,
        Format::Xlsx,
    ];

    /// The name `--format` takes (`text`, `xlsx`).
    pub fn name(self) -> &'static str {
        Format::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("text", |(n, _)| n)
    }

    /// The format a file's name promises: its extension (`.txt`, `.text` or none: text), or an
    /// error that lists the extensions of the formats `command` `writes` — `hits.docx` is never
    /// plain text under a Word name, and `show -o a.xlsx` is not offered.
    pub fn of_file(
        path: &std::path::Path,
        command: &str,
        writes: &[Format],
    ) -> Result<Format, Error> {
        let Some(extension) = path.extension() else {
            return Ok(Format::Text);
        };
        let extension = extension.to_string_lossy().to_ascii_lowercase();
        let format = match extension.as_str() {
            "txt" => Some(Format::Text),
            other => other.parse().ok(),
        };
        match format {
            Some(format) if writes.contains(&format) => Ok(format),
            _ => {
                let names: Vec<String> = writes
                    .iter()
                    .map(|f| match f {
                        Format::Text => ".txt".to_string(),
                        other => format!(".{}", other.name()),
                    })
                    .collect();
                let file = path.display().to_string();
                Err(Error::Usage(each(|lang| {
                    lang.fill(
                        "err.no_writer",
                        &[
                            ("file", &file),
                            ("command", command),
                            ("extension", &extension),
                            ("choices", &names.join(lang.pick("、", ", "))),
                        ],
                    )
                })))
            }
        }
    }

    /// The format `--format name` asks for, when `command` `writes` it: an unknown name, or
    /// one the command does not write (`show --format xlsx`), is refused with those it does.
    pub fn named(name: &str, command: &str, writes: &[Format]) -> Result<Format, Error> {
        let asked = Format::ALL.iter().find(|(n, _)| *n == name);
        if let Some((_, format)) = asked.filter(|(_, f)| writes.contains(f)) {
            return Ok(*format);
        }
        let names: Vec<&str> = writes.iter().map(|f| f.name()).collect();
        Err(Error::Usage(each(|lang| {
            lang.fill(
                "err.cannot_write",
                &[
                    ("format", name),
                    ("command", command),
                    ("choices", &names.join(lang.pick("、", ", "))),
                ],
            )
        })))
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
    /// The active filters as a reader reads them ([`summary::filters`]).
    pub filters: String,
    /// The language of labels, headers and the summary (JSON keys and values stay ASCII).
    pub lang: Lang,
    /// Wrap text output to this many columns (the terminal's width); None: one line a passage.
    pub width: Option<usize>,
}

/// One hit as exported: the citation fields and the passage.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    #[serde(flatten)]
    pub meta: ReportMeta,
    pub section_type: String,
    pub headings: Vec<String>,
    pub line: u64,
    /// The section's place on its line when several sections start there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nth_on_line: Option<u64>,
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
    /// The other files that hold the same report ([`Hit::also_saved_as`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_saved_as: Vec<String>,
    /// Where the section is copied, when asked for ([`Hit::copies`]): `{"reports", "towns"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copies: Option<crate::search::CopyCount>,
    /// The sections a collapsed hit stands for, itself first ([`Hit::collapsed`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub collapsed: Vec<Member>,
}

impl Record {
    /// The record of a hit no longer needed: its fields are moved, not copied.
    pub fn of(hit: Hit, terms: &[&str], options: PassageOptions) -> Record {
        let Passage { text, highlights } = passage(&hit.text, terms, options);
        Record {
            highlight_chars: char_ranges(&text, &highlights),
            citation: citation(&hit),
            meta: hit.meta,
            section_type: hit.section_type,
            headings: hit.headings,
            line: hit.line,
            nth_on_line: hit.nth_on_line,
            passage: text,
            score: hit.score,
            highlights,
            also_saved_as: hit.also_saved_as,
            copies: hit.copies,
            collapsed: hit.collapsed,
        }
    }

    /// The record of a hit that is kept (a page of hits in memory).
    pub fn new(hit: &Hit, terms: &[&str], options: PassageOptions) -> Record {
        Record::of(hit.clone(), terms, options)
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

/// A hit's lines about its copies, after its passage: where else its text is (when `copies`
/// were counted: in how many other reports, in none, or too short to tell) and the other files
/// of its report.
fn copy_lines(out: &mut dyn Write, r: &Record, lang: Lang, copies: bool) -> io::Result<()> {
    let line = match &r.copies {
        _ if !copies => None,
        Some(c) if c.reports > 0 => {
            let (reports, towns) = (c.reports.to_string(), c.towns.to_string());
            Some(lang.fill("hit.copies", &[("reports", &reports), ("towns", &towns)]))
        }
        Some(_) => Some(lang.label("hit.copies_none").to_string()),
        None => Some(lang.label("hit.copies_short").to_string()),
    };
    if let Some(line) = line {
        writeln!(out, "   {line}")?;
    }
    if r.collapsed.len() > 1 {
        let others = (r.collapsed.len() - 1).to_string();
        writeln!(out, "   {}", lang.fill("hit.collapsed", &[("n", &others)]))?;
        for m in &r.collapsed[1..] {
            writeln!(out, "     {}", terminal_line(&m.describe()))?;
        }
    }
    if !r.also_saved_as.is_empty() {
        let files: Vec<String> = r
            .also_saved_as
            .iter()
            .map(|f| terminal_line(f).into_owned())
            .collect();
        let files = files.join(lang.pick("、", ", "));
        writeln!(
            out,
            "   {}",
            lang.fill("hit.also_saved_as", &[("files", &files)])
        )?;
    }
    Ok(())
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
    section_citation(&hit.meta, &hit.headings, hit.line, hit.nth_on_line)
}

/// The citation of a report's section: [`report_citation`], then where in it.
pub fn section_citation(
    meta: &ReportMeta,
    headings: &[String],
    line: u64,
    nth_on_line: Option<u64>,
) -> String {
    // Pushed piece by piece, not formatted: a citation is made for every row of an export.
    let mut out = report_citation(meta);
    out.push_str("，“");
    match headings.split_first() {
        None => out.push_str("前言"),
        Some((first, rest)) => {
            out.push_str(first);
            for heading in rest {
                out.push_str(" / ");
                out.push_str(heading);
            }
        }
    }
    let _ = match nth_on_line {
        Some(nth) => write!(out, "”，第{line}行第{nth}节。"),
        None => write!(out, "”，第{line}行。"),
    };
    out
}

/// `上桥镇（宁夏回族自治区吴忠市利通区）《…报告》`: who issued the report and its title (its
/// file when it has none: `城关镇，a/b.txt`).
pub fn report_citation(meta: &ReportMeta) -> String {
    let mut out = String::with_capacity(160);
    let mut region: [&str; 3] = [""; 3];
    let mut parts = 0;
    for place in [&meta.province, &meta.city, &meta.county]
        .into_iter()
        .flatten()
    {
        if Some(place) != meta.town.as_ref() && (parts == 0 || region[parts - 1] != place) {
            region[parts] = place;
            parts += 1;
        }
    }
    let region = &region[..parts];
    if let Some(town) = &meta.town {
        out.push_str(town);
    }
    match (&meta.town, region.is_empty()) {
        (Some(_), false) => {
            out.push('（');
            region.iter().for_each(|p| out.push_str(p));
            out.push('）');
        }
        (None, false) => region.iter().for_each(|p| out.push_str(p)),
        _ => {}
    }
    match &meta.title {
        Some(title) => {
            out.push('《');
            out.push_str(title);
            out.push('》');
        }
        // A file name is not a title: set off from the place, not run on from it.
        None => {
            if !out.is_empty() {
                out.push('，');
            }
            out.push_str(&meta.file);
        }
    }
    out
}

/// What an export says besides its hits: how many sections in how many reports match, and
/// the facets over all of them.
#[derive(Debug, Clone, Copy)]
pub struct Counts<'a> {
    pub total_sections: usize,
    pub total_reports: usize,
    pub facets: &'a crate::search::Facets,
    pub facet_sizes: &'a crate::search::FacetSizes,
}

impl<'a> Counts<'a> {
    pub fn of_results(results: &'a SearchResults) -> Counts<'a> {
        Counts {
            total_sections: results.total_sections,
            total_reports: results.total_reports,
            facets: &results.facets,
            facet_sizes: &results.facet_sizes,
        }
    }

    pub fn of_ranked(ranked: &'a Ranked) -> Counts<'a> {
        Counts {
            total_sections: ranked.total_sections,
            total_reports: ranked.total_reports,
            facets: &ranked.facets,
            facet_sizes: &ranked.facet_sizes,
        }
    }
}

/// Writes `results` (hits already in memory) to `out` in the chosen format.
pub fn write(
    out: &mut dyn Write,
    results: &SearchResults,
    options: &RenderOptions,
) -> io::Result<()> {
    let terms: Vec<&str> = options.terms.iter().map(String::as_str).collect();
    let mut records = results
        .hits
        .iter()
        .map(|h| Ok(Record::new(h, &terms, options.passage)));
    // Hits in memory say themselves whether they were counted (a section too short to tell
    // has no count, so one counted hit is enough).
    let copies = results.hits.iter().any(|h| h.copies.is_some());
    write_records(
        out,
        Counts::of_results(results),
        &mut records,
        options,
        copies,
    )
    .map(|_| ())
}

/// Writes every hit of a ranked search to `out` in the chosen format, in rank order, as they
/// are read from the index a window at a time ([`RecordStream`]): the same bytes as [`write`]
/// of the whole search, in memory bounded by a window whatever the number of hits. Returns the
/// number of hits written. An error reading the index comes back as an `io::Error` whose
/// inner error is the [`Error`] (`io::Error::downcast`).
pub fn write_stream<E: Borrow<Engine>>(
    out: &mut dyn Write,
    stream: &mut RecordStream<E>,
    options: &RenderOptions,
) -> io::Result<usize> {
    if matches!(options.format, Format::Csv | Format::Jsonl) {
        return write_rows(out, stream, options.format, options.lang);
    }
    let ranked = stream.ranked();
    let copies = ranked.counts_copies();
    if options.format == Format::Xlsx {
        table::check_xlsx_rows(ranked.len()).map_err(io::Error::other)?;
    }
    let facets = ranked.facets.clone();
    let facet_sizes = ranked.facet_sizes.clone();
    let counts = Counts {
        facets: &facets,
        facet_sizes: &facet_sizes,
        ..Counts::of_ranked(ranked)
    };
    write_records(out, counts, stream, options, copies)
}

/// Bytes a window of hits is sized to hold (rows as they will be written, or records), from
/// the bytes per hit of the window before. The larger the window, the fewer times each block of
/// the document store is decompressed: a window's hits are read in the store's order, and most
/// windows touch most blocks. But a window's hits may run longer than the last's: at 20,000
/// reports, `法治 --all` had windows of 0.73 to 1.37 times their estimate (CSV rows of 654 to
/// 1,198 bytes a hit), so a window sized to 48 MiB held 69 MB and the export's RSS passed
/// 100 MiB. At 32 MiB a window holds 46 MB at most there.
const WINDOW_BYTES: usize = 32 << 20;
/// Bytes of rows, estimated from the first window, up to which an export is read in one more
/// window, not cut in windows of [`WINDOW_BYTES`]: a second window is a second pass over most
/// of the store's blocks. `普法 --all` at 20,000 reports (52,493 rows, 40 MB of CSV, 51 MB of
/// JSON Lines) took a quarter longer in two windows.
const ONE_WINDOW_BYTES: usize = 52 << 20;
/// The most hits in one window of an export (and the fewest, after the first page).
const MAX_WINDOW: usize = 65_536;
const MIN_WINDOW: usize = 64;
/// The most hits in one window of an export that counts each hit's copies: a hit's copies cost
/// milliseconds (its band keys' postings, hundreds of reports for a template), so a window sized
/// by bytes alone would take many seconds — longer than a server's deadline for one chunk of a
/// download, which would then end empty.
const COPIES_WINDOW: usize = MIN_WINDOW;
/// What a record costs in memory besides its passage and citation: its place, title, file and
/// headings, each a string of its own.
const RECORD_BYTES: usize = 1024;

/// One hit of a window: its record, or (for CSV and JSON Lines) the row it becomes, made on the
/// search thread that read it and held as bytes, several times smaller than the record.
enum Piece {
    Record(Box<Record>),
    Row(Vec<u8>),
}

/// The records of a ranked search in rank order, read from the index a window at a time: the
/// window's hits are read in the order of the document store (each block decompressed once for
/// all its hits), made into records on the search threads, and dropped; only the records of one
/// window are held. The window is sized so that it stays near [`WINDOW_BYTES`].
pub struct RecordStream<E: Borrow<Engine>> {
    engine: E,
    ranked: Ranked,
    terms: Vec<String>,
    passage: PassageOptions,
    /// Rows made on the search threads in this format (CSV or JSON Lines), not records.
    rows: Option<(Format, Lang)>,
    window: usize,
    /// Bytes a window is sized to hold ([`WINDOW_BYTES`]).
    window_bytes: usize,
    pieces: std::vec::IntoIter<Piece>,
    /// The file an export that may spill its rows is written to ([`RecordStream::spill`]).
    output: Option<std::path::PathBuf>,
    /// Where its rows wait between the store's order and rank order, once they do.
    spill: Option<spill::Spill>,
    /// Whether the rest of the hits are read a batch of matches at a time, their rows spilled.
    spilling: bool,
    /// The rows of the batch spilled last, in rank order, still to be given.
    spilled: std::vec::IntoIter<spill::Place>,
    /// How many batches of rows have been spilled.
    batches: usize,
    /// How many batches found no room on disk and were read again a window at a time.
    given_back: usize,
    /// The bytes of a row, as the first window made them: how much room a batch takes.
    row_bytes: usize,
    /// The room beside the output, as a test pretends it is ([`RecordStream::assume_room`]).
    assumed_room: Option<u64>,
    done: bool,
}

impl<E: Borrow<Engine>> RecordStream<E> {
    /// The records of `ranked` (made by `engine`), with passages cut around `terms`.
    pub fn new(engine: E, ranked: Ranked, terms: &[String], passage: PassageOptions) -> Self {
        RecordStream {
            engine,
            ranked,
            terms: terms.to_vec(),
            passage,
            rows: None,
            window: MIN_WINDOW,
            window_bytes: WINDOW_BYTES,
            pieces: Vec::new().into_iter(),
            output: None,
            spill: None,
            spilling: false,
            spilled: Vec::new().into_iter(),
            batches: 0,
            given_back: 0,
            row_bytes: 0,
            assumed_room: None,
            done: false,
        }
    }

    /// Lets the rows of a CSV or JSON Lines export of more than a window wait in a temporary
    /// file beside `output`, the file being written ([`spill`]), not in memory: each batch of
    /// the matches the search holds at once is then read in one pass over the document store,
    /// not a window at a time, each window a pass over most of its blocks. For an export with
    /// no deadline on its first rows (the command line's). An output that is not a regular
    /// file, or whose folder takes no new file, is written a window at a time.
    pub fn spill(mut self, output: &std::path::Path) -> Self {
        self.output = Some(output.to_path_buf());
        self
    }

    /// Sizes windows to hold `bytes` of rows or records, not [`WINDOW_BYTES`]: for tests of
    /// exports of many windows on a small index.
    pub fn window_bytes(mut self, bytes: usize) -> Self {
        self.window_bytes = bytes.max(1);
        self
    }

    /// Takes the disk beside the output to have `bytes` free, whatever it has: for tests of
    /// exports whose rows find no room to wait in.
    pub fn assume_room(mut self, bytes: u64) -> Self {
        self.assumed_room = Some(bytes);
        self
    }

    /// Whether the next batch's rows may have room to wait beside the output ([`batch_fits`]).
    fn next_batch_fits(&self) -> bool {
        if self.spill.is_none() {
            return false;
        }
        let left = self.ranked.len().saturating_sub(self.ranked.hits_read());
        let batch = self.ranked.next_batch().min(left);
        // The next batch is written over the last one: its room is free again.
        let room = self.disk().map(|(free, held)| free.saturating_add(held));
        batch_fits(room, batch, self.row_bytes)
    }

    /// [`ONE_WINDOW_BYTES`], in proportion to the bytes a window is sized to.
    fn one_window_bytes(&self) -> usize {
        (self.window_bytes as f64 * ONE_WINDOW_BYTES as f64 / WINDOW_BYTES as f64) as usize
    }

    /// How many batches of rows have been spilled so far ([`RecordStream::spill`]).
    pub fn batches_spilled(&self) -> usize {
        self.batches
    }

    /// How many batches of rows found no room to wait on disk, and were read again a window
    /// at a time.
    pub fn batches_given_back(&self) -> usize {
        self.given_back
    }

    /// The search, for its counts and how many hits it has read.
    pub fn ranked(&self) -> &Ranked {
        &self.ranked
    }

    fn read_window(&mut self) -> Result<bool, Error> {
        if self.spilling {
            return self.read_spilled();
        }
        let terms: Vec<&str> = self.terms.iter().map(String::as_str).collect();
        let (passage, rows) = (self.passage, self.rows);
        let copies = self.ranked.counts_copies();
        let window = self
            .ranked
            .next_window(self.engine.borrow(), self.window, |hit| {
                let record = Record::of(hit, &terms, passage);
                match rows {
                    Some((format, lang)) => Piece::Row(row_bytes(&record, format, lang, copies)),
                    None => Piece::Record(Box::new(record)),
                }
            })?;
        let Some(pieces) = window else {
            return Ok(false);
        };
        let bytes: usize = pieces
            .iter()
            .map(|piece| match piece {
                Piece::Row(row) => row.len(),
                Piece::Record(r) => RECORD_BYTES + 2 * (r.passage.len() + r.citation.len()),
            })
            .sum();
        let per_hit = bytes.div_ceil(pieces.len().max(1)).max(1);
        self.row_bytes = per_hit;
        let most = if copies { COPIES_WINDOW } else { MAX_WINDOW };
        self.window = (self.window_bytes / per_hit).clamp(MIN_WINDOW, most);
        let left = self.ranked.len().saturating_sub(self.ranked.hits_read());
        // Rows that may wait on disk do when they are more than one more window: one pass over
        // the store either way, and the rows are not held. The file is tried for once: beside
        // an output where none can be made, or on a disk with no room for a batch of rows and
        // the rest of the export, the rows are held a window at a time.
        let rows_may_wait = rows.is_some() && !copies && !self.ranked.collapses();
        if rows_may_wait && left > self.window + self.window / 4 {
            if let Some(output) = self.output.take() {
                self.spill = spill::Spill::beside(&output);
            }
            if !self.next_batch_fits() {
                self.spill = None;
            }
            self.spilling = self.spill.is_some();
        }
        // Else a window leaves no fewer hits than a quarter of itself to one more: a few
        // thousand hits cost a pass over half the blocks again, after the window's rows are
        // written while no hit is read (52,493 JSON Lines rows: 50,788 in one window and
        // 1,641 in the next took a tenth of the export's time). A last window holds up to a
        // quarter more bytes for it.
        let whole = !self.spilling
            && self.ranked.hits_read() <= MIN_WINDOW
            && left <= most
            && left.saturating_mul(per_hit) <= self.one_window_bytes();
        if !copies && !self.spilling && (whole || left <= self.window + self.window / 4) {
            self.window = left.max(MIN_WINDOW);
        }
        self.pieces = pieces.into_iter();
        Ok(true)
    }

    /// Reads the next batch of matches in one pass over the document store, their rows
    /// spilled as they are made; they are then given back in rank order.
    fn read_spilled(&mut self) -> Result<bool, Error> {
        // A disk that has filled since the last batch: the rest is read a window at a time.
        if !self.next_batch_fits() {
            return self.stop_spilling();
        }
        let mark = self.ranked.bookmark();
        let (Some(spill), Some((format, lang))) = (&mut self.spill, self.rows) else {
            // Spilling starts with rows only (`next_row`): this is a bug, not an answer.
            return Err(Error::Engine(tantivy::TantivyError::InternalError(
                "an export mixed rows and records".into(),
            )));
        };
        let terms: Vec<&str> = self.terms.iter().map(String::as_str).collect();
        let passage = self.passage;
        // The matches still held (the rest of the first chunk), else the next chunk.
        let batch = self.ranked.next_batch();
        let spilling = spill.start()?;
        let places = self
            .ranked
            .next_window(self.engine.borrow(), batch, |hit| {
                // Once a row could not be written (a full disk), the rest are not made.
                if spilling.failed() {
                    return Err(io::Error::other("an earlier row was not written"));
                }
                let record = Record::of(hit, &terms, passage);
                spilling.put(&row_bytes(&record, format, lang, false))
            })?;
        let Some(places) = places else {
            return Ok(false);
        };
        // The first row not written says why (the rows after it were not made).
        let written = spilling.finish().and_then(|()| {
            places
                .into_iter()
                .collect::<io::Result<Vec<spill::Place>>>()
        });
        // The rows are copied out beside themselves: the disk needs room for them again.
        let copied_fits = self.disk().is_none_or(|(free, held)| free >= held);
        let no_room = match written {
            Ok(places) if copied_fits => {
                self.spilled = places.into_iter();
                self.batches += 1;
                return Ok(true);
            }
            Ok(_) => io::ErrorKind::StorageFull.into(),
            Err(e) if no_room(&e) => e,
            Err(e) => return Err(self.cannot_spill(e)),
        };
        // No room for the batch or its copy (its rows were longer than the first window's):
        // its hits are read again a window at a time, the file's room given back.
        if !self.ranked.rewind(mark) {
            return Err(self.cannot_spill(no_room));
        }
        self.given_back += 1;
        self.stop_spilling()
    }

    /// Reads the rest of the hits a window at a time, the spilled rows' file dropped.
    fn stop_spilling(&mut self) -> Result<bool, Error> {
        (self.spill, self.spilling) = (None, false);
        self.read_window()
    }

    /// Why rows could not wait beside the output: its folder, and the system's reason.
    fn cannot_spill(&self, e: io::Error) -> Error {
        match &self.spill {
            Some(spill) => spill.cannot_write(e),
            None => Error::Engine(tantivy::TantivyError::InternalError(
                "rows were spilled with no file to wait in".into(),
            )),
        }
    }

    /// The bytes free on the disk the rows wait on, and those they take there now (the room
    /// a test pretends it has, when it does: [`RecordStream::assume_room`]); None when the
    /// system does not say.
    fn disk(&self) -> Option<(u64, u64)> {
        let spill = self.spill.as_ref()?;
        let held = spill.held()?;
        let free = match self.assumed_room {
            Some(room) => room.saturating_sub(held),
            None => spill.free()?,
        };
        Some((free, held))
    }

    fn next_piece(&mut self) -> Option<io::Result<Piece>> {
        loop {
            if let Some(piece) = self.pieces.next() {
                return Some(Ok(piece));
            }
            if let (Some(place), Some(spill)) = (self.spilled.next(), &self.spill) {
                return Some(spill.read(place).map(Piece::Row).map_err(io::Error::other));
            }
            if self.done {
                return None;
            }
            match self.read_window() {
                Ok(true) => {}
                Ok(false) => self.done = true,
                Err(e) => {
                    self.done = true;
                    return Some(Err(io::Error::other(e)));
                }
            }
        }
    }
}

impl<E: Borrow<Engine>> Iterator for RecordStream<E> {
    type Item = io::Result<Record>;

    fn next(&mut self) -> Option<io::Result<Record>> {
        // Rows are only asked for by `write_stream`, which then reads rows only.
        self.rows = None;
        match self.next_piece()? {
            Ok(Piece::Record(record)) => Some(Ok(*record)),
            Ok(Piece::Row(_)) => Some(Err(io::Error::other("an export mixed rows and records"))),
            Err(e) => Some(Err(e)),
        }
    }
}

/// Whether `batch` rows of about `per_row` bytes may fit on a disk with `room` bytes free,
/// with a tenth more for rows longer than the first window's: a batch that will not is not
/// tried (one that does and leaves no room to copy it out is given back: [`RecordStream`]).
/// A disk that does not say its room is tried.
fn batch_fits(room: Option<u64>, batch: usize, per_row: usize) -> bool {
    room.is_none_or(|room| batch as u128 * per_row as u128 * 11 / 10 <= u128::from(room))
}

/// Whether `e` says the disk has no room (full, over quota, or a file size limit).
fn no_room(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded | io::ErrorKind::FileTooLarge
    )
}

/// A record as the row `format` (CSV or JSON Lines) writes for it; a CSV row has the copies
/// columns if `copies` were counted.
pub(crate) fn row_bytes(record: &Record, format: Format, lang: Lang, copies: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 * (record.passage.len() + record.citation.len()) + 512);
    match format {
        Format::Csv => csv_row(&mut out, record, lang, copies),
        _ => {
            // Writing into memory fails only if a record cannot be serialised, which its types
            // rule out.
            serde_json::to_writer(&mut out, record).expect("a record serialises into memory");
            out.push(b'\n');
        }
    }
    // A window holds its rows until they are written: each costs its length, no more (glibc
    // shrinks a block in place).
    out.shrink_to_fit();
    out
}

/// A record's CSV row, written straight from its fields: the bytes [`table::CsvRows`] writes
/// for [`record_row`] (cells that need it quoted, quotes doubled, formulas guarded, `\n` after
/// the row), without a cell copied first.
fn csv_row(out: &mut Vec<u8>, record: &Record, lang: Lang, copies: bool) {
    let counted = copies.then(|| copies_cells(record)).into_iter().flatten();
    for (i, cell) in record_cells(record, lang)
        .into_iter()
        .chain(counted)
        .enumerate()
    {
        if i > 0 {
            out.push(b',');
        }
        match cell {
            CellRef::Text(text) => csv_field(out, &[text], ""),
            CellRef::Joined(parts) => csv_field(out, parts, HEADINGS_JOIN),
            CellRef::Int(n) => {
                let _ = write!(out, "{n}");
            }
            CellRef::Float(x) => {
                if !push_fixed4(out, x) {
                    csv_field(out, &[&format!("{x:.4}")], "");
                }
            }
            CellRef::Empty => {}
        }
    }
    if !record.collapsed.is_empty() {
        let _ = write!(out, ",{}", record.collapsed.len());
        out.push(b',');
        csv_field(out, &[members_cell(&record.collapsed)], "");
    }
    out.push(b'\n');
}

/// Writes `{x:.4}` of `x` as `format!` writes it, without its general formatting of floats
/// (the score's `{:.4}` was a twentieth of an export's time), when `x` is the value of a
/// non-negative `f32` (a score): its ten-thousandths are then exactly a `f64`, rounded as
/// `format!` rounds (half to even). Returns false, writing nothing, for any other value.
fn push_fixed4(out: &mut Vec<u8>, x: f64) -> bool {
    let exact = f64::from(x as f32) == x && x.is_finite() && x.is_sign_positive();
    let scaled = (x * 10_000.0).round_ties_even();
    if !exact || scaled >= 1e18 {
        return false;
    }
    let n = scaled as u64;
    let _ = write!(out, "{}.{:04}", n / 10_000, n % 10_000);
    true
}

/// One CSV field: `parts` joined by `join`, guarded against running as a formula
/// ([`guarded`]), and quoted when it holds a comma, a quote or a line break, as the `csv` crate
/// quotes it.
fn csv_field<S: AsRef<str>>(out: &mut Vec<u8>, parts: &[S], join: &str) {
    let special = |s: &str| s.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'));
    let quoted = special(join) && parts.len() > 1 || parts.iter().any(|p| special(p.as_ref()));
    // What the field starts with: its first part, or the join after an empty one.
    let head = match parts {
        [] => "",
        [first, ..] if !first.as_ref().is_empty() || parts.len() == 1 => first.as_ref(),
        _ => join,
    };
    if quoted {
        out.push(b'"');
    }
    if is_formula(head) {
        out.push(b'\'');
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            push_csv(out, join, quoted);
        }
        push_csv(out, part.as_ref(), quoted);
    }
    if quoted {
        out.push(b'"');
    }
}

/// Text inside a CSV field, its quotes doubled when the field is quoted.
fn push_csv(out: &mut Vec<u8>, text: &str, quoted: bool) {
    if !quoted {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    for (i, piece) in text.split('"').enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\"\"");
        }
        out.extend_from_slice(piece.as_bytes());
    }
}

/// What a CSV or JSON Lines export writes before its rows: the CSV's byte-order mark and header
/// (column names in `lang`); nothing for JSON Lines.
/// With `copies`, the CSV has the copies columns ([`record_columns`]).
pub fn rows_header(format: Format, lang: Lang, copies: bool) -> Vec<u8> {
    rows_header_of(format, lang, copies, false)
}

/// [`rows_header`] of an export of collapsed hits when `collapsed` ([`collapsed_columns`]).
fn rows_header_of(format: Format, lang: Lang, copies: bool, collapsed: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if format == Format::Csv {
        let columns = match collapsed {
            true => collapsed_columns(lang, copies),
            false => record_columns(lang, copies),
        };
        // Writing into memory cannot fail.
        let _ = table::CsvRows::start(&mut out, &columns).and_then(|csv| csv.finish());
    }
    out
}

impl<E: Borrow<Engine>> RecordStream<E> {
    /// The next hit as the row `format` (CSV or JSON Lines, after [`rows_header`]) writes for
    /// it, made on the search thread that read it: what `-o hits.csv` writes, and what the
    /// server streams in chunks.
    pub fn next_row(&mut self, format: Format, lang: Lang) -> Option<io::Result<Vec<u8>>> {
        self.rows = Some((format, lang));
        Some(self.next_piece()?.map(|piece| match piece {
            Piece::Row(row) => row,
            Piece::Record(record) => row_bytes(&record, format, lang, self.ranked.counts_copies()),
        }))
    }
}

/// Writes the rows of a CSV or JSON Lines export as they come; returns how many.
fn write_rows<E: Borrow<Engine>>(
    out: &mut dyn Write,
    stream: &mut RecordStream<E>,
    format: Format,
    lang: Lang,
) -> io::Result<usize> {
    let ranked = stream.ranked();
    let header = rows_header_of(format, lang, ranked.counts_copies(), ranked.collapses());
    out.write_all(&header)?;
    let mut written = 0;
    while let Some(row) = stream.next_row(format, lang) {
        out.write_all(&row?)?;
        written += 1;
    }
    Ok(written)
}

/// Writes records, one at a time as they come, in the chosen format; returns how many.
fn write_records(
    out: &mut dyn Write,
    counts: Counts,
    records: &mut dyn Iterator<Item = io::Result<Record>>,
    options: &RenderOptions,
    copies: bool,
) -> io::Result<usize> {
    let mut written = 0;
    let mut counted = records
        .inspect(|r| {
            if r.is_ok() {
                written += 1;
            }
        })
        .peekable();
    // Collapsed hits (each with its members) have two more columns.
    let collapsed = matches!(counted.peek(), Some(Ok(r)) if !r.collapsed.is_empty());
    let columns = match collapsed {
        true => collapsed_columns(options.lang, copies),
        false => record_columns(options.lang, copies),
    };
    match options.format {
        Format::Text => write_text(out, counts, &mut counted, options, copies)?,
        Format::Json => write_json(out, counts, &mut counted, &options.query, None)?,
        Format::Jsonl => {
            for r in counted {
                serde_json::to_writer(&mut *out, &r?)?;
                out.write_all(b"\n")?;
            }
        }
        Format::Csv => {
            let mut rows = table::CsvRows::start(&mut *out, &columns)?;
            for r in counted {
                rows.row(&record_row(&r?, options.lang, copies))?;
            }
            rows.finish()?;
        }
        Format::Md => write_md(out, &mut counted, options.lang, collapsed)?,
        Format::Xlsx => {
            let mut rows = table::XlsxRows::start(HITS_SHEET, &columns, options.lang)
                .map_err(io::Error::other)?;
            for r in counted {
                rows.row(&record_row(&r?, options.lang, copies))
                    .map_err(io::Error::other)?;
            }
            rows.finish(out).map_err(io::Error::other)?;
        }
    }
    Ok(written)
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

/// A section type as a reader of `lang` reads it: 存在的不足 in Chinese; in English the key
/// (`shortcomings`), which is also what `--type` takes.
pub fn type_name(key: &str, lang: Lang) -> &str {
    match lang {
        Lang::Zh => lang.section_type(key),
        Lang::En => key,
    }
}

/// A level as a reader of `lang` reads it (乡镇, `town`).
pub fn level_name(key: &str, lang: Lang) -> &str {
    match lang {
        Lang::Zh => lang.level(key),
        Lang::En => key,
    }
}

fn write_text(
    out: &mut dyn Write,
    counts: Counts,
    records: &mut dyn Iterator<Item = io::Result<Record>>,
    options: &RenderOptions,
    copies: bool,
) -> io::Result<()> {
    let lang = options.lang;
    let (mut shown, mut stood_for) = (0, 0);
    for (i, r) in records.enumerate() {
        let r = r?;
        shown += 1;
        stood_for += r.collapsed.len();
        let year = r
            .meta
            .year
            .map_or_else(|| "—".to_string(), |y| y.to_string());
        let headings = if r.headings.is_empty() {
            lang.label("hit.preamble").to_string()
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
            type_name(&r.section_type, lang),
            terminal_line(&headings)
        )?;
        writeln!(
            out,
            "   {}:{}{}  《{}》",
            terminal_line(&r.meta.file),
            r.line,
            r.nth_on_line.map(|n| format!("#{n}")).unwrap_or_default(),
            terminal_line(
                r.meta
                    .title
                    .as_deref()
                    .unwrap_or(lang.label("hit.untitled"))
            )
        )?;
        let text = if options.color {
            marked(&r.passage, &r.highlights, HIGHLIGHT_ON, HIGHLIGHT_OFF)
        } else {
            terminal_safe(&r.passage, true).into_owned()
        };
        writeln!(
            out,
            "{}",
            wrap::indented(&text, PASSAGE_INDENT, options.width)
        )?;
        copy_lines(out, &r, lang, copies)?;
        writeln!(out)?;
    }
    let filters = terminal_line(&options.filters);
    let (sections, reports) = (counts.total_sections, counts.total_reports);
    let query = terminal_line(&options.query);
    let line = summary::matches(sections, reports, &query, &filters, lang);
    write!(out, "{line}")?;
    // Collapsed hits are fewer than the sections they stand for: more are shown only when some
    // section stands in none of them.
    let stood = if stood_for > 0 { stood_for } else { shown };
    if stood < counts.total_sections {
        let shown = shown.to_string();
        write!(out, "{}", lang.fill("summary.shown", &[("shown", &shown)]))?;
    }
    writeln!(out)?;
    if stood_for > 0 {
        let (hits, sections) = (shown.to_string(), stood_for.to_string());
        writeln!(
            out,
            "{}",
            lang.fill(
                "summary.collapsed",
                &[("hits", &hits), ("sections", &sections)]
            )
        )?;
    }
    if counts.total_sections > 0 {
        let (f, size) = (counts.facets, counts.facet_sizes);
        for facet in TEXT_FACETS {
            let Some(key) = FacetKey::named(facet) else {
                continue;
            };
            let (values, size) = (&f[facet], size[facet]);
            // Section types and levels by name; places and years as they are.
            let name = |value: &'_ str| -> String {
                match facet {
                    "section_type" => type_name(value, lang).to_string(),
                    "level" => level_name(value, lang).to_string(),
                    _ => value.to_string(),
                }
            };
            let mut entries: Vec<String> = values
                .iter()
                .take(FACET_VALUES_SHOWN)
                .map(|f| format!("{} ({})", terminal_line(&name(&f.value)), f.count))
                .collect();
            if size > entries.len() {
                let more = (size - entries.len()).to_string();
                entries.push(lang.fill("facet.more", &[("n", &more)]));
            }
            if entries.is_empty() {
                // No match has a value here (no issuer given): no line, not an empty one.
                continue;
            }
            let line = wrap::entries(
                &facet_line_label(key, lang),
                FACET_LABEL_WIDTH,
                &entries,
                " · ",
                options.width,
            );
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// The facet lines under a text search, in order; each is labelled with its facet's name in
/// `index_schema/facets.tsv`.
pub const TEXT_FACETS: [&str; 6] = [
    "year",
    "section_type",
    "province",
    "level",
    "issuer",
    "town",
];

/// A facet line's label: `年份：`, `year:`.
fn facet_line_label(facet: FacetKey, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}：", facet.label(lang)),
        Lang::En => format!("{}:", facet.label(lang).to_lowercase()),
    }
}

/// Columns before a passage's text (and its wrapped lines) in text output.
const PASSAGE_INDENT: usize = 3;
/// Columns of a facet line's label (`  year:` padded), where its values start.
const FACET_LABEL_WIDTH: usize = 17;
/// Values listed on a facet line of text output.
const FACET_VALUES_SHOWN: usize = 12;

/// The JSON of a search: `--format json`, and `/api/search` with its page after the hits.
#[derive(Serialize)]
struct JsonResults<'a, 'r> {
    query: &'a str,
    total_sections: usize,
    total_reports: usize,
    facets: &'a crate::search::Facets,
    /// How many values each facet has (the lists hold at most `--facets` of them).
    facet_sizes: &'a crate::search::FacetSizes,
    hits: JsonHits<'r>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<usize>,
}

/// The `hits` array, serialised as the records come: the document is never whole in memory.
/// An error reading them is kept aside (serde only carries a message) and returned as it was.
struct JsonHits<'r> {
    records: RefCell<&'r mut dyn Iterator<Item = io::Result<Record>>>,
    failed: RefCell<Option<io::Error>>,
}

impl Serialize for JsonHits<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let mut seq = serializer.serialize_seq(None)?;
        let mut records = self.records.borrow_mut();
        for record in &mut **records {
            match record {
                Ok(record) => seq.serialize_element(&record)?,
                Err(e) => {
                    let message = e.to_string();
                    *self.failed.borrow_mut() = Some(e);
                    return Err(S::Error::custom(message));
                }
            }
        }
        seq.end()
    }
}

/// Writes the JSON of a search; with `page` (offset, limit), the API's page of it.
pub fn write_json(
    out: &mut dyn Write,
    counts: Counts,
    records: &mut dyn Iterator<Item = io::Result<Record>>,
    query: &str,
    page: Option<(usize, usize)>,
) -> io::Result<()> {
    let doc = JsonResults {
        query,
        total_sections: counts.total_sections,
        total_reports: counts.total_reports,
        facets: counts.facets,
        facet_sizes: counts.facet_sizes,
        hits: JsonHits {
            records: RefCell::new(records),
            failed: RefCell::new(None),
        },
        offset: page.map(|(offset, _)| offset),
        limit: page.map(|(_, limit)| limit),
    };
    let written = serde_json::to_writer_pretty(&mut *out, &doc);
    if let Some(e) = doc.hits.failed.into_inner() {
        return Err(e);
    }
    written?;
    writeln!(out)
}

/// Columns of the CSV and XLSX exports, by key: named in the reader's language
/// ([`record_columns`]; English keeps the key).
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

/// The worksheet of an XLSX export of hits.
pub const HITS_SHEET: &str = "hits";

/// Hits as a table: one row per hit, the citation fields typed (the year a number); column
/// names, section types and levels in `lang`.
pub fn records_table(records: &[Record], lang: Lang) -> Table {
    Table {
        sheet: HITS_SHEET.into(),
        columns: record_columns(lang, false),
        rows: records.iter().map(|r| record_row(r, lang, false)).collect(),
    }
}

/// The columns of a table of hits ([`TABLE_COLUMNS`]) named in `lang` (`乡镇街道`, or `town`
/// in English).
/// With `copies` (counted: `--copies`, `/api/export?copies=true`), [`COPIES_COLUMNS`] after them.
pub fn record_columns(lang: Lang, copies: bool) -> Vec<Column> {
    let counted = if copies { &COPIES_COLUMNS[..] } else { &[] };
    TABLE_COLUMNS
        .iter()
        .chain(counted)
        .map(|(key, kind)| Column::new(lang.column(key), *kind))
        .collect()
}

/// The columns a collapsed hit adds after [`TABLE_COLUMNS`]: how many matching sections it
/// stands for, and every one of them (itself first), a line each — one row per distinct
/// passage, which a spreadsheet sorts by how often it was copied.
pub const COLLAPSED_COLUMNS: [(&str, ColumnKind); 2] = [
    ("sections", ColumnKind::Int),
    ("collapsed", ColumnKind::Sections),
];

/// The columns of a table of collapsed hits: [`record_columns`], then [`COLLAPSED_COLUMNS`].
pub fn collapsed_columns(lang: Lang, copies: bool) -> Vec<Column> {
    let mut columns = record_columns(lang, copies);
    columns.extend(
        COLLAPSED_COLUMNS
            .iter()
            .map(|(key, kind)| Column::new(lang.column(key), *kind)),
    );
    columns
}

/// The members of a collapsed hit in one cell: `FILE:LINE  town · county · year`, a line each.
fn members_cell(members: &[Member]) -> String {
    let lines: Vec<String> = members.iter().map(Member::describe).collect();
    lines.join("\n")
}

/// The columns of a hit's copies, when counted: in how many other reports and towns its text
/// is ([`Hit::copies`]); empty for a section too short to tell.
pub const COPIES_COLUMNS: [(&str, ColumnKind); 2] = [
    ("copies_reports", ColumnKind::Int),
    ("copies_towns", ColumnKind::Int),
];

/// One hit's row under [`TABLE_COLUMNS`] (then [`COPIES_COLUMNS`] with `copies`, then
/// [`COLLAPSED_COLUMNS`] for a collapsed hit), section types and levels in `lang`.
pub fn record_row(r: &Record, lang: Lang, copies: bool) -> Vec<Cell> {
    let counted = copies.then(|| copies_cells(r)).into_iter().flatten();
    let mut row: Vec<Cell> = record_cells(r, lang)
        .into_iter()
        .chain(counted)
        .map(|cell| match cell {
            CellRef::Text(text) => Cell::text(text),
            CellRef::Joined(parts) => Cell::text(parts.join(HEADINGS_JOIN)),
            CellRef::Int(n) => Cell::Int(n),
            CellRef::Float(x) => Cell::Float(x),
            CellRef::Empty => Cell::Empty,
        })
        .collect();
    if !r.collapsed.is_empty() {
        row.push(Cell::Int(r.collapsed.len() as u64));
        row.push(Cell::text(members_cell(&r.collapsed)));
    }
    row
}

/// How a hit's headings are joined in one cell.
const HEADINGS_JOIN: &str = " / ";

/// A cell of a hit's row, borrowed from its record.
enum CellRef<'a> {
    Text(&'a str),
    /// Texts joined by [`HEADINGS_JOIN`].
    Joined(&'a [String]),
    Int(u64),
    Float(f64),
    Empty,
}

/// One hit's cells under [`COPIES_COLUMNS`].
fn copies_cells(r: &Record) -> [CellRef<'_>; COPIES_COLUMNS.len()] {
    match &r.copies {
        Some(c) => [CellRef::Int(c.reports as u64), CellRef::Int(c.towns as u64)],
        None => [CellRef::Empty, CellRef::Empty],
    }
}

/// One hit's cells under [`TABLE_COLUMNS`], in its order.
fn record_cells(r: &Record, lang: Lang) -> [CellRef<'_>; TABLE_COLUMNS.len()] {
    fn opt(s: &Option<String>) -> CellRef<'_> {
        s.as_deref().map_or(CellRef::Empty, CellRef::Text)
    }
    [
        opt(&r.meta.town),
        opt(&r.meta.county),
        opt(&r.meta.city),
        opt(&r.meta.province),
        CellRef::Text(level_name(r.meta.level.as_str(), lang)),
        r.meta.year.map_or(CellRef::Empty, CellRef::Int),
        CellRef::Text(type_name(&r.section_type, lang)),
        CellRef::Joined(&r.headings),
        CellRef::Int(r.line),
        opt(&r.meta.title),
        CellRef::Text(&r.meta.file),
        opt(&r.meta.issuer),
        opt(&r.meta.published),
        CellRef::Text(&r.passage),
        CellRef::Float(f64::from(r.score)),
        CellRef::Text(&r.citation),
    ]
}

/// Writes a table as an XLSX workbook.
pub fn write_xlsx(out: &mut dyn Write, table: &Table, lang: Lang) -> io::Result<()> {
    let bytes = table.to_xlsx(lang).map_err(io::Error::other)?;
    out.write_all(&bytes)
}

/// A cell a spreadsheet would run as a formula (=, +, -, @, or a leading tab or carriage
/// return) is prefixed with an apostrophe, which spreadsheets show as text.
pub fn guard_formula(cell: &str) -> String {
    guarded(cell).into_owned()
}

/// Whether a spreadsheet would run a cell as a formula.
fn is_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// [`guard_formula`] without a copy of a cell that needs no guard.
pub(crate) fn guarded(cell: &str) -> Cow<'_, str> {
    if is_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

pub(crate) fn md_cell(cell: &str) -> String {
    terminal_safe(cell, true)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\r', '\n'], "<br>")
}

/// The columns of a Markdown table of hits: where and when, the section, the passage with its
/// matches in bold, and the citation to paste.
const MD_COLUMNS: [(&str, ColumnKind); 8] = [
    ("town", ColumnKind::Text),
    ("county", ColumnKind::Text),
    ("province", ColumnKind::Text),
    ("year", ColumnKind::Int),
    ("section_type", ColumnKind::Text),
    ("headings", ColumnKind::Wrapped),
    ("passage", ColumnKind::Wrapped),
    ("citation", ColumnKind::Wrapped),
];

fn write_md(
    out: &mut dyn Write,
    records: &mut dyn Iterator<Item = io::Result<Record>>,
    lang: Lang,
    collapsed: bool,
) -> io::Result<()> {
    let more = if collapsed {
        &COLLAPSED_COLUMNS[..]
    } else {
        &[]
    };
    let columns: Vec<Column> = MD_COLUMNS
        .iter()
        .chain(more)
        .map(|(key, kind)| Column::new(lang.column(key), *kind))
        .collect();
    let mut md = table::MdRows::start(out, &columns)?;
    for r in records {
        let r = r?;
        let mut row = vec![
            Cell::opt(&r.meta.town),
            Cell::opt(&r.meta.county),
            Cell::opt(&r.meta.province),
            Cell::opt_int(r.meta.year),
            Cell::text(type_name(&r.section_type, lang)),
            Cell::text(r.headings.join(HEADINGS_JOIN)),
            Cell::text(marked(&r.passage, &r.highlights, "**", "**")),
            Cell::text(r.citation.clone()),
        ];
        if collapsed {
            row.push(Cell::Int(r.collapsed.len() as u64));
            row.push(Cell::text(members_cell(&r.collapsed)));
        }
        md.row(&row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// A score's `{:.4}` written by hand is `format!`'s, for ties (sixteenths, halves of a
    /// ten-thousandth), for values just either side of them, and for a spread of scores;
    /// what is not a non-negative `f32` is left to `format!`.
    #[test]
    fn scores_are_written_as_format_writes_them() {
        let mut values: Vec<f32> = vec![0.0, 1.0, 0.5, 0.03125, 0.000_05, 0.999_95, 4.6315, 1e-9];
        for k in 0..4096_u32 {
            let tie = k as f32 / 16.0 + 0.000_05;
            values.extend([k as f32 / 32.0, tie, f32::from_bits(tie.to_bits() + 1)]);
            values.push(f32::from_bits(0x3F80_0000 + k * 977) * 3.7);
            values.push(k as f32 * 0.013_7 + 0.000_049_999);
        }
        for v in values {
            let x = f64::from(v);
            let mut out = Vec::new();
            assert!(super::push_fixed4(&mut out, x), "{v}");
            assert_eq!(String::from_utf8(out).unwrap(), format!("{x:.4}"), "{v:e}");
        }
        for x in [-1.0, -0.0, 0.1, f64::NAN, f64::INFINITY] {
            let mut out = Vec::new();
            assert!(!super::push_fixed4(&mut out, x) && out.is_empty(), "{x}");
        }
    }

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
            nth_on_line: None,
            text: "=SUM(A1) 法律顾问。".into(),
            score: 1.5,
            also_saved_as: Vec::new(),
            copies: None,
            collapsed: Vec::new(),
        }
    }

    /// Under a hit, `--copies` says in how many other reports its section is, or that it is in
    /// none, or that it is too short to tell (a tester could not tell "not copied" from "too
    /// short" when 0 wrote nothing); without `--copies`, nothing.
    #[test]
    fn a_hits_copy_line_tells_none_from_too_short() {
        let count = |reports| {
            Some(crate::search::CopyCount {
                reports,
                towns: reports,
                files: Vec::new(),
            })
        };
        let cases = [
            (
                count(3),
                true,
                Lang::Zh,
                Some("也见于 3 份报告（3 个乡镇）"),
            ),
            (count(0), true, Lang::Zh, Some("未见于其他报告")),
            (count(0), true, Lang::En, Some("not found in other reports")),
            (None, true, Lang::Zh, Some("太短，无法判断是否为副本")),
            (
                None,
                true,
                Lang::En,
                Some("too short to tell whether it is copied"),
            ),
            (None, false, Lang::Zh, None),
        ];
        for (copies, asked, lang, line) in cases {
            let mut h = hit();
            h.copies = copies.clone();
            let record = Record::new(&h, &["法律顾问"], PassageOptions::default());
            let mut out = Vec::new();
            copy_lines(&mut out, &record, lang, asked).expect("write");
            let text = String::from_utf8(out).expect("utf-8");
            let expected = line.map(|l| format!("   {l}\n")).unwrap_or_default();
            assert_eq!(text, expected, "{copies:?} asked {asked} {lang:?}");
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
        // (town, province, city, county, title, nth on its line) → the citation.
        type Row<'a> = (
            Option<&'a str>,
            [Option<&'a str>; 3],
            Option<&'a str>,
            Option<u64>,
        );
        let rows: [(Row, &str); 4] = [
            (
                (
                    None,
                    [Some("河南省"), None, Some("新县")],
                    Some("报告"),
                    Some(2),
                ),
                "河南省新县《报告》，“前言”，第23行第2节。",
            ),
            (
                (Some("城关镇"), [None; 3], None, None),
                "城关镇，a/b.txt，“前言”，第23行。",
            ),
            ((None, [None; 3], None, None), "a/b.txt，“前言”，第23行。"),
            (
                (
                    Some("新区"),
                    [Some("北京市"), Some("北京市"), Some("新区")],
                    None,
                    None,
                ),
                "新区（北京市），a/b.txt，“前言”，第23行。",
            ),
        ];
        for ((town, [province, city, county], title, nth), want) in rows {
            let mut h = municipal.clone();
            let own = |s: Option<&str>| s.map(String::from);
            (h.meta.town, h.meta.province, h.meta.city) = (own(town), own(province), own(city));
            (h.meta.county, h.meta.title) = (own(county), own(title));
            (h.meta.file, h.nth_on_line) = ("a/b.txt".into(), nth);
            assert_eq!(citation(&h), want);
        }
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
    fn headers_and_names_in_both_languages() {
        let names = |lang: Lang| -> Vec<String> {
            record_columns(lang, false)
                .into_iter()
                .map(|c| c.name)
                .collect()
        };
        let keys: Vec<&str> = TABLE_COLUMNS.iter().map(|(key, _)| *key).collect();
        assert_eq!(names(Lang::En), keys, "English keeps the JSON keys");
        assert_eq!(
            names(Lang::Zh)[..7],
            [
                "乡镇街道",
                "区县",
                "地市",
                "省份",
                "发布主体",
                "年份",
                "章节类型"
            ]
        );
        // (key, 中文, English) of a section type and a level in cells and text.
        let rows = [
            (type_name("shortcomings", Lang::Zh), "存在的不足"),
            (type_name("shortcomings", Lang::En), "shortcomings"),
            (type_name("plans", Lang::Zh), "下一年度工作打算"),
            (level_name("county", Lang::Zh), "县级"),
            (level_name("county", Lang::En), "county"),
        ];
        for (got, expected) in rows {
            assert_eq!(got, expected);
        }
        let record = Record::new(&hit(), &["法律顾问"], PassageOptions::default());
        for (lang, header, cells) in [
            (
                Lang::Zh,
                "| 乡镇街道 | 区县 | 省份 | 年份 | 章节类型 |",
                "| 2023 | 主要举措和成效 |",
            ),
            (
                Lang::En,
                "| town | county | province | year | section_type |",
                "| 2023 | measures |",
            ),
        ] {
            let mut out = Vec::new();
            write_md(
                &mut out,
                &mut std::iter::once(Ok(record.clone())),
                lang,
                false,
            )
            .expect("md");
            let text = String::from_utf8(out).expect("utf-8");
            assert!(text.starts_with(header), "{lang:?}: {text}");
            assert!(text.contains(cells), "{lang:?}: {text}");
            let table = records_table(std::slice::from_ref(&record), lang);
            let level = table.rows[0][4].clone();
            assert_eq!(level, Cell::text(lang.pick("乡镇", "town")), "{lang:?}");
        }
    }

    #[test]
    fn a_csv_row_written_from_its_fields_is_the_table_row() {
        let table_row = |record: &Record, lang: Lang, copies: bool| {
            let columns = record_columns(Lang::En, copies);
            let mut out = Vec::new();
            let mut rows = table::CsvRows::rows(&mut out, &columns);
            rows.row(&record_row(record, lang, copies)).expect("row");
            rows.finish().expect("flush");
            out
        };
        let plain = Record::new(&hit(), &["法律顾问"], PassageOptions::default());
        let mut rows = vec![plain.clone()];
        // Formulas, quotes, commas and line breaks in every kind of cell; missing fields; a
        // negative score; headings empty, one, several, and starting empty.
        let mut odd = plain.clone();
        odd.meta.town = None;
        odd.meta.year = None;
        odd.meta.title = Some("+\"标题\",\n第二行".into());
        odd.meta.file = "@a,b.txt".into();
        odd.meta.issuer = Some("-".into());
        odd.meta.published = Some("\r2023".into());
        odd.passage = "=\"SUM\"(A1)\r\n".into();
        odd.citation = "\t引用".into();
        odd.score = -1.25;
        for headings in [vec![], vec!["=一"], vec!["", "二"], vec!["一,", "\"二\""]] {
            odd.headings = headings.into_iter().map(String::from).collect();
            rows.push(odd.clone());
        }
        // Copies counted, and a section too short to count.
        let mut copied = plain.clone();
        copied.copies = Some(crate::search::CopyCount {
            reports: 12,
            towns: 3,
            files: Vec::new(),
        });
        rows.push(copied);
        for record in &rows {
            for (lang, copies) in [(Lang::Zh, false), (Lang::En, false), (Lang::Zh, true)] {
                let mut fast = Vec::new();
                csv_row(&mut fast, record, lang, copies);
                assert_eq!(
                    String::from_utf8_lossy(&fast),
                    String::from_utf8_lossy(&table_row(record, lang, copies)),
                    "{record:?}"
                );
            }
        }
        let mut row = Vec::new();
        csv_row(
            &mut row,
            rows.last().expect("the copied record"),
            Lang::Zh,
            true,
        );
        assert!(
            String::from_utf8_lossy(&row).ends_with(",12,3\n"),
            "the copies' columns"
        );
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(md_cell("a|b\nc"), "a\\|b<br>c");
    }
}
