//! Tables: the one shape that search hits, statistics and concordance lines take on their way
//! to a spreadsheet — typed cells under named columns, written as an aligned text table, CSV
//! (byte-order mark, formula guard), Markdown or a real XLSX workbook (header row, frozen
//! panes, column widths that fit Chinese text, long text wrapped, numbers as numbers).

use std::io::{self, Write};

use rust_xlsxwriter::{Format as CellFormat, FormatAlign, Workbook, XlsxError};
use unicode_width::UnicodeWidthStr;

use crate::error::{Error, Result};

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
        // Excel and WPS read a CSV without a byte-order mark as the local code page.
        out.write_all("\u{FEFF}".as_bytes())?;
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record(self.columns.iter().map(|c| c.name.as_str()))?;
        for row in &self.rows {
            csv.write_record(row.iter().zip(&self.columns).map(|(cell, column)| {
                match (cell, column.kind) {
                    (Cell::Float(x), ColumnKind::Percent) => format!("{x:.4}"),
                    (cell, kind) => super::guard_formula(&Table::plain(cell, kind)),
                }
            }))?;
        }
        csv.flush()
    }

    /// A Markdown table.
    pub fn write_md(&self, out: &mut dyn Write) -> io::Result<()> {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        writeln!(out, "| {} |", names.join(" | "))?;
        let rule: Vec<&str> = self
            .columns
            .iter()
            .map(|c| match c.kind {
                ColumnKind::Text | ColumnKind::Wrapped => "---",
                _ => "---:",
            })
            .collect();
        writeln!(out, "| {} |", rule.join(" | "))?;
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&self.columns)
                .map(|(cell, column)| super::md_cell(&Table::plain(cell, column.kind)))
                .collect();
            writeln!(out, "| {} |", cells.join(" | "))?;
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
                        ColumnKind::Text | ColumnKind::Wrapped => format!("{cell}{pad}"),
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

    /// The table as an XLSX workbook of one worksheet.
    pub fn to_xlsx(&self) -> Result<Vec<u8>> {
        if self.rows.len() >= MAX_XLSX_ROWS {
            return Err(Error::Usage(format!(
                "{} rows do not fit in one worksheet (at most {}): narrow the query or use --format csv",
                self.rows.len(),
                MAX_XLSX_ROWS - 1
            )));
        }
        self.workbook()
            .map_err(|e| Error::Usage(format!("cannot make the spreadsheet: {e}")))
    }

    fn workbook(&self) -> std::result::Result<Vec<u8>, XlsxError> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(&self.sheet))?;
        let header = CellFormat::new().set_bold().set_align(FormatAlign::Top);
        let top = CellFormat::new().set_align(FormatAlign::Top);
        let wrapped = CellFormat::new()
            .set_text_wrap()
            .set_align(FormatAlign::Top);
        let float = CellFormat::new()
            .set_num_format("0.0000")
            .set_align(FormatAlign::Top);
        let percent = CellFormat::new()
            .set_num_format("0.0%")
            .set_align(FormatAlign::Top);
        for (c, column) in self.columns.iter().enumerate() {
            let c = c as u16;
            sheet.write_string_with_format(0, c, &column.name, &header)?;
            let width = match column.kind {
                ColumnKind::Wrapped => WRAPPED_WIDTH,
                _ => self
                    .rows
                    .iter()
                    .map(|row| Table::plain(&row[c as usize], column.kind).width())
                    .chain([column.name.width()])
                    .max()
                    .unwrap_or(8)
                    .clamp(6, MAX_TEXT_WIDTH),
            };
            sheet.set_column_width(c, width as f64 + 2.0)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (r, row) in self.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, (cell, column)) in row.iter().zip(&self.columns).enumerate() {
                let c = c as u16;
                match (cell, column.kind) {
                    (Cell::Text(s), kind) => {
                        let s = clip(s);
                        let format = if kind == ColumnKind::Wrapped {
                            &wrapped
                        } else {
                            &top
                        };
                        sheet.write_string_with_format(r, c, s, format)?;
                    }
                    (Cell::Int(n), _) => {
                        sheet.write_number_with_format(r, c, *n as f64, &top)?;
                    }
                    (Cell::Float(x), ColumnKind::Percent) => {
                        sheet.write_number_with_format(r, c, *x, &percent)?;
                    }
                    (Cell::Float(x), _) => {
                        sheet.write_number_with_format(r, c, *x, &float)?;
                    }
                    (Cell::Empty, _) => {}
                }
            }
        }
        workbook.save_to_buffer()
    }
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

/// A cell's text cut to what a worksheet cell holds.
fn clip(s: &str) -> &str {
    match s.char_indices().nth(MAX_XLSX_CELL_CHARS) {
        Some((byte, _)) => &s[..byte],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn long_cells_are_clipped_to_the_worksheet_limit() {
        let long = "法".repeat(MAX_XLSX_CELL_CHARS + 10);
        assert_eq!(clip(&long).chars().count(), MAX_XLSX_CELL_CHARS);
        assert_eq!(clip("法治"), "法治");
    }
}
