//! Tables: the one shape that search hits, statistics and concordance lines take on their way
//! to a spreadsheet — typed cells under named columns, written as an aligned text table, CSV
//! (byte-order mark, formula guard), Markdown or a real XLSX workbook (header row, frozen
//! panes, column widths that fit Chinese text, long text wrapped, numbers as numbers).

use std::borrow::Cow;
use std::io::{self, Seek, SeekFrom, Write};

use rust_xlsxwriter::{Format as CellFormat, FormatAlign, Workbook, XlsxError};
use unicode_width::UnicodeWidthStr;

use crate::error::{Error, Result};
use crate::lang::{Lang, both};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(u64),
    /// A number shown with its column's format (a share in a Percent column).
    Float(f64),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// Text, or an empty cell for None.
    pub fn opt(s: &Option<String>) -> Cell {
        s.as_ref().map_or(Cell::Empty, |s| Cell::Text(s.clone()))
    }

    pub fn opt_int(n: Option<u64>) -> Cell {
        n.map_or(Cell::Empty, Cell::Int)
    }
}

/// How a column's cells are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Short text: the column is as wide as its longest cell (up to a limit).
    Text,
    /// Long text (a passage, a citation): a fixed width, wrapped.
    Wrapped,
    /// Sections, one a line (those a collapsed hit stands for): wrapped; cut in a worksheet at
    /// a line, saying how many sections are left out ([`clip`]).
    Sections,
    /// A whole number.
    Int,
    /// A number with four decimals (a score).
    Float,
    /// A fraction shown as a percentage.
    Percent,
}

/// A column: its heading and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
}

impl ColumnKind {
    /// Whether the column has a fixed width and its text wraps.
    fn wraps(self) -> bool {
        matches!(self, ColumnKind::Wrapped | ColumnKind::Sections)
    }
}

impl Column {
    pub fn new(name: impl Into<String>, kind: ColumnKind) -> Column {
        Column {
            name: name.into(),
            kind,
        }
    }
}

/// Rows of cells under columns, with the name its worksheet gets.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub sheet: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

/// Widest text column in a spreadsheet, in character widths (a CJK character counts two).
const MAX_TEXT_WIDTH: usize = 40;
/// The width of a wrapped column.
const WRAPPED_WIDTH: usize = 60;
/// The longest cell a worksheet holds (Excel's limit).
const MAX_XLSX_CELL_CHARS: usize = 32_767;
/// Most rows a worksheet holds, header included (Excel's limit).
const MAX_XLSX_ROWS: usize = 1_048_576;

impl Table {
    /// The cell as plain text (CSV, text tables).
    fn plain(cell: &Cell, kind: ColumnKind) -> String {
        match (cell, kind) {
            (Cell::Text(s), _) => s.clone(),
            (Cell::Int(n), _) => n.to_string(),
            (Cell::Float(x), ColumnKind::Percent) => format!("{:.1}%", x * 100.0),
            (Cell::Float(x), _) => format!("{x:.4}"),
            (Cell::Empty, _) => String::new(),
        }
    }

    /// A CSV that Excel and WPS open as UTF-8, with cells that would run as formulas guarded;
    /// shares as fractions (0.625), so the spreadsheet can compute with them.
    pub fn write_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut csv = CsvRows::start(out, &self.columns)?;
        for row in &self.rows {
            csv.row(row)?;
        }
        csv.finish()
    }

    /// A Markdown table.
    pub fn write_md(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut md = MdRows::start(out, &self.columns)?;
        for row in &self.rows {
            md.row(row)?;
        }
        Ok(())
    }

    /// An aligned text table for a terminal: columns padded by display width (a CJK character
    /// takes two columns), numbers right-aligned, an empty cell shown as —, control characters
    /// escaped (a column may be named after a query).
    pub fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        let shown: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&self.columns)
                    .map(|(cell, column)| match cell {
                        Cell::Empty => "—".to_string(),
                        cell => super::terminal_line(
                            &Table::plain(cell, column.kind).replace(['\n', '\r'], " "),
                        )
                        .into_owned(),
                    })
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                shown
                    .iter()
                    .map(|row| row[i].width())
                    .chain([c.name.width()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| -> String {
            let padded: Vec<String> = cells
                .iter()
                .zip(&self.columns)
                .zip(&widths)
                .map(|((cell, column), width)| {
                    let pad = " ".repeat(width.saturating_sub(cell.width()));
                    match column.kind {
                        ColumnKind::Text => format!("{cell}{pad}"),
                        kind if kind.wraps() => format!("{cell}{pad}"),
                        _ => format!("{pad}{cell}"),
                    }
                })
                .collect();
            padded.join("  ").trim_end().to_string()
        };
        let names: Vec<String> = self
            .columns
            .iter()
            .map(|c| super::terminal_line(&c.name).into_owned())
            .collect();
        writeln!(out, "{}", line(&names))?;
        let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
        writeln!(out, "{}", rule.join("  "))?;
        for row in &shown {
            writeln!(out, "{}", line(row))?;
        }
        Ok(())
    }

    /// The table as an XLSX workbook of one worksheet (a cut cell says so in `lang`).
    pub fn to_xlsx(&self, lang: Lang) -> Result<Vec<u8>> {
        check_xlsx_rows(self.rows.len())?;
        let mut book = XlsxRows::start(&self.sheet, &self.columns, lang)?;
        for row in &self.rows {
            book.row(row)?;
        }
        let mut bytes = Vec::new();
        book.finish(&mut bytes)?;
        Ok(bytes)
    }
}

/// A CSV that Excel and WPS open as UTF-8, written a row at a time: the byte-order mark and
/// the header first, then each row as it comes, cells that would run as formulas guarded,
/// shares as fractions (0.625).
pub struct CsvRows<W: Write> {
    csv: csv::Writer<W>,
    kinds: Vec<ColumnKind>,
}

impl<W: Write> CsvRows<W> {
    /// A CSV file: the byte-order mark and the header, then the rows.
    pub fn start(mut out: W, columns: &[Column]) -> io::Result<CsvRows<W>> {
        // Excel and WPS read a CSV without a byte-order mark as the local code page.
        out.write_all("\u{FEFF}".as_bytes())?;
        let mut rows = CsvRows::rows(out, columns);
        rows.csv
            .write_record(columns.iter().map(|c| c.name.as_str()))?;
        Ok(rows)
    }

    /// More rows of a CSV whose start was written before (a download sent in chunks).
    pub fn rows(out: W, columns: &[Column]) -> CsvRows<W> {
        CsvRows {
            csv: csv::Writer::from_writer(out),
            kinds: columns.iter().map(|c| c.kind).collect(),
        }
    }

    pub fn row(&mut self, row: &[Cell]) -> io::Result<()> {
        let cells: Vec<Cow<str>> = row
            .iter()
            .zip(&self.kinds)
            .map(|(cell, kind)| match (cell, kind) {
                (Cell::Float(x), ColumnKind::Percent) => Cow::Owned(format!("{x:.4}")),
                (Cell::Text(s), _) => super::guarded(s),
                (cell, kind) => super::guarded(&Table::plain(cell, *kind))
                    .into_owned()
                    .into(),
            })
            .collect();
        Ok(self.csv.write_record(cells.iter().map(|c| c.as_bytes()))?)
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.csv.flush()
    }

    /// Flushes the rows and gives the output back.
    pub fn into_inner(self) -> io::Result<W> {
        self.csv.into_inner().map_err(|e| e.into_error())
    }
}

/// A Markdown table, written a row at a time: the header and the rule (numbers aligned right),
/// then each row as it comes, a cell that would break the table escaped ([`super::md_cell`]);
/// an empty cell stays empty.
pub struct MdRows<'a> {
    out: &'a mut dyn Write,
    kinds: Vec<ColumnKind>,
}

impl<'a> MdRows<'a> {
    pub fn start(out: &'a mut dyn Write, columns: &[Column]) -> io::Result<MdRows<'a>> {
        let names: Vec<String> = columns.iter().map(|c| super::md_cell(&c.name)).collect();
        writeln!(out, "| {} |", names.join(" | "))?;
        let rule: Vec<&str> = columns
            .iter()
            .map(|c| match c.kind {
                ColumnKind::Text => "---",
                kind if kind.wraps() => "---",
                _ => "---:",
            })
            .collect();
        writeln!(out, "| {} |", rule.join(" | "))?;
        Ok(MdRows {
            out,
            kinds: columns.iter().map(|c| c.kind).collect(),
        })
    }

    /// A row; each cell without trailing spaces (a text table's padding, such as a share's
    /// room for the small-n mark, would show in the Markdown source).
    pub fn row(&mut self, row: &[Cell]) -> io::Result<()> {
        let cells: Vec<String> = row
            .iter()
            .zip(&self.kinds)
            .map(|(cell, kind)| super::md_cell(Table::plain(cell, *kind).trim_end()))
            .collect();
        writeln!(self.out, "| {} |", cells.join(" | "))
    }
}

/// Whether `rows` rows (and a header) fit in one worksheet.
pub fn check_xlsx_rows(rows: usize) -> Result<()> {
    if rows >= MAX_XLSX_ROWS {
        return Err(Error::Usage(both(
            "err.xlsx_rows",
            &[
                ("rows", &rows.to_string()),
                ("max", &(MAX_XLSX_ROWS - 1).to_string()),
            ],
        )));
    }
    Ok(())
}

/// An XLSX workbook of one worksheet (or several, one after another: [`XlsxRows::next_sheet`])
/// written a row at a time, in rust_xlsxwriter's constant memory mode: each row goes to a temporary file as it comes, and the workbook is zipped into
/// another, then copied out, so that a sheet of a million rows costs no more memory than one.
/// A header row in bold, frozen; column widths that fit the widest cell (counted as the rows
/// pass); long text wrapped; numbers as numbers; a text too long for a cell cut, saying so in
/// `lang` ([`clip`]).
pub struct XlsxRows {
    book: Workbook,
    lang: Lang,
    columns: Vec<Column>,
    widths: Vec<usize>,
    rows: u32,
    /// The worksheet being written.
    sheet: usize,
    formats: XlsxFormats,
}

struct XlsxFormats {
    top: CellFormat,
    wrapped: CellFormat,
    float: CellFormat,
    percent: CellFormat,
}

/// `work` on the workbook, whose panic is an error: rust_xlsxwriter panics when it cannot
/// write its temporary files (a full disk or a file size limit under the temporary folder).
fn unpanicked<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    crate::index::check::quietly(work).unwrap_or_else(|detail| {
        // Its panics on a failed write carry the system's error (`Os { code: 28, … }`).
        let key = match detail.contains("Os {") || detail.contains("os error") {
            true => "err.xlsx_temp",
            false => "err.xlsx_make",
        };
        let dir = std::env::temp_dir().display().to_string();
        Err(Error::Usage(crate::lang::both(
            key,
            &[("dir", &dir), ("detail", &detail)],
        )))
    })
}

fn xlsx_error(e: XlsxError) -> Error {
    let detail = e.to_string();
    Error::Usage(crate::lang::both("err.xlsx_make", &[("detail", &detail)]))
}

impl XlsxRows {
    pub fn start(sheet: &str, columns: &[Column], lang: Lang) -> Result<XlsxRows> {
        let mut book = Workbook::new();
        add_sheet(&mut book, sheet, columns)?;
        Ok(XlsxRows {
            book,
            lang,
            widths: columns.iter().map(|c| c.name.width()).collect(),
            columns: columns.to_vec(),
            rows: 0,
            sheet: 0,
            formats: XlsxFormats {
                top: CellFormat::new().set_align(FormatAlign::Top),
                wrapped: CellFormat::new()
                    .set_text_wrap()
                    .set_align(FormatAlign::Top),
                float: CellFormat::new()
                    .set_num_format("0.0000")
                    .set_align(FormatAlign::Top),
                percent: CellFormat::new()
                    .set_num_format("0.0%")
                    .set_align(FormatAlign::Top),
            },
        })
    }

    /// Ends the worksheet being written and starts another, whose rows come next.
    pub fn next_sheet(&mut self, sheet: &str, columns: &[Column]) -> Result<()> {
        self.set_widths()?;
        add_sheet(&mut self.book, sheet, columns)?;
        self.sheet += 1;
        self.widths = columns.iter().map(|c| c.name.width()).collect();
        self.columns = columns.to_vec();
        self.rows = 0;
        Ok(())
    }

    pub fn row(&mut self, row: &[Cell]) -> Result<()> {
        unpanicked(|| self.write_row(row))
    }

    fn write_row(&mut self, row: &[Cell]) -> Result<()> {
        check_xlsx_rows(self.rows as usize + 1)?;
        self.rows += 1;
        let r = self.rows;
        let f = &self.formats;
        let sheet = self
            .book
            .worksheet_from_index(self.sheet)
            .map_err(xlsx_error)?;
        for (c, (cell, column)) in row.iter().zip(&self.columns).enumerate() {
            if !column.kind.wraps() {
                let width = &mut self.widths[c];
                *width = (*width).max(match cell {
                    Cell::Text(s) => s.width(),
                    cell => Table::plain(cell, column.kind).width(),
                });
            }
            let c = c as u16;
            match (cell, column.kind) {
                (Cell::Text(s), kind) => {
                    let format = if kind.wraps() { &f.wrapped } else { &f.top };
                    sheet.write_string_with_format(r, c, clip(s, kind, self.lang), format)
                }
                (Cell::Int(n), _) => sheet.write_number_with_format(r, c, *n as f64, &f.top),
                (Cell::Float(x), ColumnKind::Percent) => {
                    sheet.write_number_with_format(r, c, *x, &f.percent)
                }
                (Cell::Float(x), _) => sheet.write_number_with_format(r, c, *x, &f.float),
                (Cell::Empty, _) => Ok(&mut *sheet),
            }
            .map_err(xlsx_error)?;
        }
        Ok(())
    }

    /// Sets the column widths of the worksheet being written.
    fn set_widths(&mut self) -> Result<()> {
        let sheet = self
            .book
            .worksheet_from_index(self.sheet)
            .map_err(xlsx_error)?;
        for (c, (column, width)) in self.columns.iter().zip(&self.widths).enumerate() {
            let width = match column.kind.wraps() {
                true => WRAPPED_WIDTH,
                false => (*width).clamp(6, MAX_TEXT_WIDTH),
            };
            sheet
                .set_column_width(c as u16, width as f64 + 2.0)
                .map_err(xlsx_error)?;
        }
        Ok(())
    }

    /// Sets the column widths and writes the workbook to `out`.
    pub fn finish(self, out: &mut dyn Write) -> Result<()> {
        unpanicked(|| self.write_out(out))
    }

    fn write_out(mut self, out: &mut dyn Write) -> Result<()> {
        self.set_widths()?;
        let mut zipped = tempfile::tempfile().map_err(|e| {
            let (dir, detail) = (std::env::temp_dir().display().to_string(), e.to_string());
            Error::Usage(crate::lang::both(
                "err.xlsx_temp",
                &[("dir", &dir), ("detail", &detail)],
            ))
        })?;
        self.book.save_to_writer(&mut zipped).map_err(xlsx_error)?;
        let copied = zipped
            .seek(SeekFrom::Start(0))
            .and_then(|_| io::copy(&mut zipped, out));
        copied.map_err(|e| {
            let detail = e.to_string();
            Error::Usage(crate::lang::both("err.xlsx_write", &[("detail", &detail)]))
        })?;
        Ok(())
    }
}

/// Adds a worksheet named `sheet` (as Excel accepts it) whose header row names `columns`, in
/// bold and frozen.
fn add_sheet(book: &mut Workbook, sheet: &str, columns: &[Column]) -> Result<()> {
    let header = CellFormat::new().set_bold().set_align(FormatAlign::Top);
    let worksheet = book
        .add_worksheet_with_constant_memory()
        .map_err(xlsx_error)?;
    worksheet.set_name(sheet_name(sheet)).map_err(xlsx_error)?;
    for (c, column) in columns.iter().enumerate() {
        worksheet
            .write_string_with_format(0, c as u16, &column.name, &header)
            .map_err(xlsx_error)?;
    }
    worksheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    Ok(())
}

/// A worksheet name Excel accepts: at most 31 characters, none of []:*?/\.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !"[]:*?/\\'".contains(*c))
        .take(31)
        .collect();
    if cleaned.is_empty() {
        "Sheet1".to_string()
    } else {
        cleaned
    }
}

/// A cell's text as a worksheet cell holds it (Excel's limit is 32,767 characters): a longer
/// text is cut at its last line break before the limit (at the limit when a line is longer)
/// and ends with a line saying how much is left out — sections in a column of
/// [`ColumnKind::Sections`], characters otherwise — and that a CSV or JSON Lines export holds
/// it all.
fn clip(s: &str, kind: ColumnKind, lang: Lang) -> Cow<'_, str> {
    if s.len() <= MAX_XLSX_CELL_CHARS {
        return Cow::Borrowed(s);
    }
    let chars = s.chars().count();
    if chars <= MAX_XLSX_CELL_CHARS {
        return Cow::Borrowed(s);
    }
    let sections = kind == ColumnKind::Sections;
    let note = |n: usize| {
        let key = if sections {
            "xlsx.more_sections"
        } else {
            "xlsx.more_chars"
        };
        lang.fill(key, &[("n", &n.to_string())])
    };
    // Room for the note with the largest count it can have, and its line break.
    let room = note(chars).chars().count() + 1;
    let limit = s
        .char_indices()
        .nth(MAX_XLSX_CELL_CHARS - room)
        .map_or(s.len(), |(byte, _)| byte);
    let kept = match s[..limit].rfind('\n') {
        Some(line_end) => &s[..line_end],
        None => &s[..limit],
    };
    let left = match sections {
        true => s.lines().count() - kept.lines().count(),
        false => chars - kept.chars().count(),
    };
    Cow::Owned(format!("{kept}\n{}", note(left)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The XML of the first sheet of `table`'s workbook (in English).
    fn sheet_xml(table: &Table) -> String {
        use std::io::Read;
        let book = table.to_xlsx(Lang::En).expect("a workbook");
        let mut zip = zip::ZipArchive::new(io::Cursor::new(book)).expect("a zip");
        let mut sheet = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .expect("the sheet")
            .read_to_string(&mut sheet)
            .expect("XML");
        sheet
    }

    fn table() -> Table {
        Table {
            sheet: "stats".into(),
            columns: vec![
                Column::new("province", ColumnKind::Text),
                Column::new("reports", ColumnKind::Int),
                Column::new("share", ColumnKind::Percent),
            ],
            rows: vec![
                vec![Cell::text("河南省"), Cell::Int(8), Cell::Float(0.625)],
                vec![Cell::Empty, Cell::Int(12), Cell::Float(0.0)],
            ],
        }
    }

    #[test]
    fn text_tables_align_by_display_width() {
        let mut out = Vec::new();
        table().write_text(&mut out).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "province  reports  share");
        assert_eq!(lines[2], "河南省          8  62.5%");
        assert_eq!(lines[3], "—              12   0.0%");
        let widths: Vec<usize> = [lines[0], lines[2], lines[3]]
            .iter()
            .map(|l| l.width())
            .collect();
        assert_eq!(widths, [24, 24, 24], "{text}");
    }

    #[test]
    fn csv_keeps_fractions_and_guards_formulas() {
        let mut t = table();
        t.rows[1][0] = Cell::text("=HYPERLINK(\"x\")");
        let mut out = Vec::new();
        t.write_csv(&mut out).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            text,
            "\u{FEFF}province,reports,share\n河南省,8,0.6250\n\"'=HYPERLINK(\"\"x\"\")\",12,0.0000\n"
        );
    }

    #[test]
    fn sheet_names_are_what_excel_accepts() {
        let rows = [
            ("stats", "stats"),
            ("a/b:c", "abc"),
            ("", "Sheet1"),
            (&"法".repeat(40), &"法".repeat(31)),
        ];
        for (name, expected) in rows {
            assert_eq!(sheet_name(name), expected, "sheet name {name:?}");
        }
    }

    #[test]
    fn workbook_columns_fit_their_widest_cell() {
        // Fourteen Chinese characters: 42 bytes, 28 columns wide.
        let table = Table {
            sheet: "hits".into(),
            columns: vec![
                Column::new("town", ColumnKind::Text),
                Column::new("passage", ColumnKind::Wrapped),
            ],
            rows: vec![
                vec![Cell::text("法".repeat(14)), Cell::text("审")],
                vec![Cell::text("镇"), Cell::text("审".repeat(500))],
            ],
        };
        let sheet = sheet_xml(&table);
        for (column, width) in [(1, 28 + 2), (2, WRAPPED_WIDTH + 2)] {
            let col = format!("<col min=\"{column}\" max=\"{column}\" width=\"{width}.");
            assert!(
                sheet.contains(&col),
                "column {column} is {width} wide: {sheet:.400}"
            );
        }
    }

    /// A text too long for a worksheet cell (a tester's collapsed hit of 4,211 sections was
    /// cut mid-line at 32,767 characters, saying nothing) is cut at a line and says how much
    /// is left out, and where it all is.
    #[test]
    fn long_cells_are_cut_at_a_line_and_say_what_is_left_out() {
        let sections: Vec<String> = (0..4211)
            .map(|i| format!("reports/{i:06}_320722401_2023.txt:12  上桥镇 · 利通区 · 2023"))
            .collect();
        let sections = sections.join("\n");
        let unbroken = "法".repeat(MAX_XLSX_CELL_CHARS + 10);
        let cases = [
            (
                &sections,
                ColumnKind::Sections,
                Lang::Zh,
                "……另有 ",
                " 个章节（完整列表见 CSV 或 JSON Lines 导出）",
            ),
            (
                &sections,
                ColumnKind::Sections,
                Lang::En,
                "… and ",
                " more sections (the full list is in a CSV or JSON Lines export)",
            ),
            (
                &unbroken,
                ColumnKind::Wrapped,
                Lang::Zh,
                "……另有 ",
                " 字（全文见 CSV 或 JSON Lines 导出）",
            ),
            (
                &unbroken,
                ColumnKind::Text,
                Lang::En,
                "… and ",
                " more characters (the full text is in a CSV or JSON Lines export)",
            ),
        ];
        for (text, kind, lang, before, after) in cases {
            let cell = clip(text, kind, lang);
            assert!(
                cell.chars().count() <= MAX_XLSX_CELL_CHARS,
                "{kind:?} {lang:?}"
            );
            let (kept, note) = cell.rsplit_once('\n').expect("a note line");
            let n: usize = note
                .strip_prefix(before)
                .and_then(|rest| rest.strip_suffix(after))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{kind:?} {lang:?}: {note}"));
            assert!(
                text.starts_with(kept),
                "{kind:?} {lang:?}: a prefix is kept"
            );
            if kind == ColumnKind::Sections {
                let lines = kept.lines().count();
                let room = MAX_XLSX_CELL_CHARS - kept.chars().count();
                assert!(room < 200, "the cell is filled: {room} characters to spare");
                assert_eq!(
                    kept.lines().last(),
                    text.lines().nth(lines - 1),
                    "whole lines"
                );
                assert_eq!(lines + n, text.lines().count(), "{lang:?}: {note}");
            } else {
                assert_eq!(kept.chars().count() + n, text.chars().count(), "{note}");
            }
        }
        assert_eq!(clip("法治", ColumnKind::Sections, Lang::Zh), "法治");
        assert_eq!(
            clip(
                &"法".repeat(MAX_XLSX_CELL_CHARS),
                ColumnKind::Text,
                Lang::Zh
            )
            .chars()
            .count(),
            MAX_XLSX_CELL_CHARS
        );

        // The workbook holds the cut cell; a CSV the whole list.
        let table = Table {
            sheet: "hits".into(),
            columns: vec![Column::new("collapsed", ColumnKind::Sections)],
            rows: vec![vec![Cell::text(sections.clone())]],
        };
        let sheet = sheet_xml(&table);
        assert!(
            sheet.contains(" more sections (the full list is in a CSV"),
            "{sheet:.400}"
        );
        let mut csv = Vec::new();
        table.write_csv(&mut csv).expect("csv");
        let csv = String::from_utf8(csv).expect("utf-8");
        assert!(
            csv.contains(sections.as_str()),
            "the CSV keeps every section"
        );
    }
}
