//! A panel as a researcher takes it to R, Stata or pandas: one row per report (or per unit of
//! a balanced panel), a column per concept — or, `long`, a row per report (unit) and concept.
//! CSV (byte-order mark; the provenance as one `#` line first, only when asked, so that the
//! file stays plain CSV), JSON Lines (ASCII keys; the concepts under `concepts`, keyed by their
//! names), JSON, XLSX (three worksheets: the panel, the codebook as run with the index it ran
//! on, and a summary per concept), text and Markdown tables.

use std::io::{self, Write};

use serde_json::Value;

use super::passage::find;
use super::table::{Cell, Column, ColumnKind, CsvRows, Table, XlsxRows, check_xlsx_rows};
use super::{Format, level_name, type_name};
use crate::error::Result;
use crate::index::schema::{FacetKey, Shape, Values};
use crate::lang::Lang;
use crate::search::panel::Unit;
use crate::search::{Engine, Panel, PanelRequest};

/// How a panel is written.
#[derive(Debug, Clone, Copy)]
pub struct PanelOptions {
    pub format: Format,
    /// A row per report (unit) and concept, instead of a column per concept.
    pub long: bool,
    /// The provenance as a `#` line before a CSV's header.
    pub provenance: bool,
    pub lang: Lang,
    /// A CSV starts with a byte-order mark (for Excel and WPS): not on a terminal, where it
    /// shows as a stray character.
    pub bom: bool,
}

/// Counts the panel: occurrences as `kwic` finds them ([`find`]), one line each.
pub fn compute(engine: &Engine, request: &PanelRequest) -> Result<Panel> {
    let terms: Vec<Vec<&str>> = request
        .codebook
        .concepts
        .iter()
        .map(|c| c.terms())
        .collect();
    engine.panel(request, &|c, text| {
        terms.get(c).map_or(0, |t| {
            u32::try_from(find(text, t).len()).unwrap_or(u32::MAX)
        })
    })
}

/// The columns of a report's row before its concepts, by key.
pub const REPORT_COLUMNS: [(&str, ColumnKind); 10] = [
    ("file", ColumnKind::Text),
    ("title", ColumnKind::Text),
    ("town", ColumnKind::Text),
    ("county", ColumnKind::Text),
    ("city", ColumnKind::Text),
    ("province", ColumnKind::Text),
    ("level", ColumnKind::Text),
    ("year", ColumnKind::Int),
    ("issuer", ColumnKind::Text),
    ("published", ColumnKind::Text),
];

/// The panel's columns: a report's or a unit's, then (wide) each concept or (long) the concept
/// and its value.
pub fn columns(panel: &Panel, long: bool, lang: Lang) -> Vec<Column> {
    let mut columns: Vec<Column> = if panel.by.is_empty() {
        REPORT_COLUMNS
            .iter()
            .map(|(key, kind)| Column::new(lang.column(key), *kind))
            .collect()
    } else {
        let mut columns: Vec<Column> = panel
            .unit_columns()
            .into_iter()
            .map(|f| {
                let kind = match f.spec().shape {
                    Shape::Number => ColumnKind::Int,
                    _ => ColumnKind::Text,
                };
                Column::new(lang.column(f.name()), kind)
            })
            .collect();
        columns.push(Column::new(lang.column("reports"), ColumnKind::Int));
        columns
    };
    if long {
        columns.push(Column::new(lang.column("concept"), ColumnKind::Text));
        columns.push(Column::new(lang.column("value"), ColumnKind::Int));
    } else {
        columns.extend(
            panel
                .codebook
                .concepts
                .iter()
                .map(|c| Column::new(&c.name, ColumnKind::Int)),
        );
    }
    columns
}

/// The panel's rows, made as they are written (a long panel of 20,000 reports and 30 concepts
/// is 600,000 rows).
pub fn rows<'a>(
    panel: &'a Panel,
    long: bool,
    lang: Lang,
) -> Box<dyn Iterator<Item = Vec<Cell>> + 'a> {
    let names = panel.codebook.names();
    let spread = move |head: Vec<Cell>, values: Vec<Cell>| -> Vec<Vec<Cell>> {
        if !long {
            let mut row = head;
            row.extend(values);
            return vec![row];
        }
        names
            .iter()
            .zip(values)
            .map(|(name, value)| {
                let mut row = head.clone();
                row.push(Cell::text(*name));
                row.push(value);
                row
            })
            .collect()
    };
    if panel.by.is_empty() {
        Box::new(panel.reports.iter().flat_map(move |r| {
            let m = &r.meta;
            let head = vec![
                Cell::text(&m.file),
                Cell::opt(&m.title),
                Cell::opt(&m.town),
                Cell::opt(&m.county),
                Cell::opt(&m.city),
                Cell::opt(&m.province),
                Cell::text(level_name(m.level.as_str(), lang)),
                Cell::opt_int(m.year),
                Cell::opt(&m.issuer),
                Cell::opt(&m.published),
            ];
            let values = r.values.iter().map(|&v| Cell::Int(u64::from(v))).collect();
            spread(head, values)
        }))
    } else {
        let keys = panel.unit_columns();
        let concepts = panel.codebook.concepts.len();
        Box::new(panel.units.iter().flat_map(move |u| {
            let mut head: Vec<Cell> = u
                .key
                .iter()
                .zip(&keys)
                .map(|(value, &f)| key_cell(f, value, lang))
                .collect();
            head.push(Cell::Int(u.reports as u64));
            let values = match &u.values {
                Some(values) => values.iter().map(|&v| Cell::Int(v)).collect(),
                None => vec![Cell::Empty; concepts],
            };
            spread(head, values)
        }))
    }
}

/// A unit's value of facet `f` as a cell: a number as a number, a level by its name.
fn key_cell(f: FacetKey, value: &str, lang: Lang) -> Cell {
    match (&f.spec().shape, f.spec().values, value.parse::<u64>()) {
        _ if value.is_empty() => Cell::Empty,
        (&Shape::Number, _, Ok(n)) => Cell::Int(n),
        (_, Values::Levels, _) => Cell::text(level_name(value, lang)),
        _ => Cell::text(value),
    }
}

/// The rows a panel is written as.
pub fn row_count(panel: &Panel, long: bool) -> usize {
    let rows = if panel.by.is_empty() {
        panel.reports.len()
    } else {
        panel.units.len()
    };
    if long {
        rows * panel.codebook.concepts.len()
    } else {
        rows
    }
}

/// Writes the panel in the format asked for.
pub fn write(out: &mut dyn Write, panel: &Panel, options: PanelOptions) -> io::Result<()> {
    let (long, lang) = (options.long, options.lang);
    match options.format {
        Format::Csv => {
            // Excel and WPS read a CSV without a byte-order mark as the local code page.
            if options.bom {
                out.write_all("\u{FEFF}".as_bytes())?;
            }
            if options.provenance {
                writeln!(out, "{}", provenance(panel, lang))?;
            }
            let columns = columns(panel, long, lang);
            let mut csv = CsvRows::rows(&mut *out, &columns);
            let header: Vec<Cell> = columns.iter().map(|c| Cell::text(&c.name)).collect();
            csv.row(&header)?;
            for row in rows(panel, long, lang) {
                csv.row(&row)?;
            }
            csv.finish()
        }
        Format::Jsonl => {
            for row in json_rows(panel, long) {
                serde_json::to_writer(&mut *out, &row)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Json => {
            let doc = Json::Object(vec![
                ("index".into(), value(&panel.index)),
                ("filters".into(), value(panel.filters.describe())),
                ("measure".into(), value(panel.measure)),
                ("by".into(), value(&panel.by)),
                ("left_out".into(), value(panel.left_out)),
                ("codebook".into(), value(&panel.codebook.concepts)),
                ("rows".into(), Json::Array(json_rows(panel, long).collect())),
            ]);
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        Format::Text | Format::Md => {
            let table = Table {
                sheet: lang.label("panel.sheet").into(),
                columns: columns(panel, long, lang),
                rows: rows(panel, long, lang).collect(),
            };
            if options.format == Format::Md {
                table.write_md(out)
            } else {
                table.write_text(out)
            }
        }
        Format::Xlsx => write_xlsx(out, panel, long, lang).map_err(io::Error::other),
    }
}

/// The workbook: the panel, the codebook as run (with the index it ran on), the summary.
fn write_xlsx(out: &mut dyn Write, panel: &Panel, long: bool, lang: Lang) -> Result<()> {
    check_xlsx_rows(row_count(panel, long))?;
    let mut book = XlsxRows::start(lang.label("panel.sheet"), &columns(panel, long, lang), lang)?;
    for row in rows(panel, long, lang) {
        book.row(&row)?;
    }
    for table in [codebook_table(panel, lang), summary_table(panel, lang)] {
        book.next_sheet(&table.sheet, &table.columns)?;
        for row in &table.rows {
            book.row(row)?;
        }
    }
    book.finish(out)
}

/// The codebook as run, then what it ran on: the index's fingerprint and size, the filters,
/// what was counted, the program.
pub fn codebook_table(panel: &Panel, lang: Lang) -> Table {
    let column = |key: &str| Column::new(lang.column(key), ColumnKind::Text);
    let mut rows: Vec<Vec<Cell>> = panel
        .codebook
        .concepts
        .iter()
        .map(|c| {
            let types: Vec<&str> = c
                .types
                .iter()
                .map(|t| type_name(t.as_str(), lang))
                .collect();
            vec![
                Cell::text(&c.name),
                Cell::text(&c.query),
                Cell::text(types.join(lang.label("filters.and"))),
                Cell::text(&c.description),
            ]
        })
        .collect();
    rows.push(vec![Cell::Empty; 4]);
    for (key, value) in facts(panel, lang) {
        rows.push(vec![
            Cell::text(lang.label(key)),
            value,
            Cell::Empty,
            Cell::Empty,
        ]);
    }
    Table {
        sheet: lang.label("panel.sheet.codebook").into(),
        columns: vec![
            column("concept"),
            column("query"),
            column("section_type"),
            column("description"),
        ],
        rows,
    }
}

/// What a panel was made from, as (label key, value).
fn facts(panel: &Panel, lang: Lang) -> Vec<(&'static str, Cell)> {
    let by: Vec<&str> = panel.by.iter().map(|f| f.name()).collect();
    let filters = panel.filters.describe_in(lang);
    vec![
        (
            "panel.fact.fingerprint",
            Cell::text(&panel.index.fingerprint),
        ),
        (
            "panel.fact.schema",
            Cell::Int(u64::from(panel.index.schema_version)),
        ),
        (
            "panel.fact.index_reports",
            Cell::Int(panel.index.reports as u64),
        ),
        (
            "panel.fact.index_sections",
            Cell::Int(panel.index.sections as u64),
        ),
        (
            "panel.fact.filters",
            Cell::text(if filters.is_empty() {
                lang.label("panel.none").to_string()
            } else {
                filters
            }),
        ),
        (
            "panel.fact.measure",
            Cell::text(lang.label(&format!("panel.measure.{}", panel.measure.key()))),
        ),
        ("panel.fact.by", Cell::text(by.join(","))),
        (
            "panel.fact.codebook",
            Cell::text(panel.codebook.path.display().to_string()),
        ),
        (
            "panel.fact.program",
            Cell::text(format!("fazhi-search {}", env!("CARGO_PKG_VERSION"))),
        ),
    ]
}

/// Each concept over the panel's reports: how many mention it, of how many, and its count
/// added up; then the panel's size.
pub fn summary_table(panel: &Panel, lang: Lang) -> Table {
    let column = |key: &str, kind| Column::new(lang.column(key), kind);
    let n = panel.reports.len();
    let mut rows: Vec<Vec<Cell>> = panel
        .codebook
        .concepts
        .iter()
        .zip(panel.totals())
        .map(|(c, t)| {
            vec![
                Cell::text(&c.name),
                Cell::Int(t.matching_reports as u64),
                Cell::Int(n as u64),
                if n > 0 {
                    Cell::Float(t.matching_reports as f64 / n as f64)
                } else {
                    Cell::Empty
                },
                Cell::Int(t.value),
            ]
        })
        .collect();
    rows.push(vec![Cell::Empty; 5]);
    let mut size = vec![("panel.fact.reports", n)];
    if !panel.by.is_empty() {
        size.push(("panel.fact.units", panel.units.len()));
        size.push(("panel.fact.left_out", panel.left_out));
    }
    for (key, value) in size {
        let mut row = vec![Cell::text(lang.label(key)), Cell::Int(value as u64)];
        row.resize(5, Cell::Empty);
        rows.push(row);
    }
    Table {
        sheet: lang.label("panel.sheet.summary").into(),
        columns: vec![
            column("concept", ColumnKind::Text),
            column("matching_reports", ColumnKind::Int),
            column("n", ColumnKind::Int),
            column("share", ColumnKind::Percent),
            Column::new(
                lang.label(&format!("panel.measure.{}", panel.measure.key())),
                ColumnKind::Int,
            ),
        ],
        rows,
    }
}

/// The provenance as one `#` line: the program, the index's fingerprint and size, the filters,
/// what was counted and the codebook (each concept's name, query and section types).
pub fn provenance(panel: &Panel, lang: Lang) -> String {
    let concepts: Vec<String> = panel
        .codebook
        .concepts
        .iter()
        .map(|c| {
            let types: Vec<&str> = c.types.iter().map(|t| t.as_str()).collect();
            if types.is_empty() {
                format!("{} = {}", c.name, c.query)
            } else {
                format!("{} = {} [{}]", c.name, c.query, types.join(","))
            }
        })
        .collect();
    let filters = panel.filters.describe_in(lang);
    let filters = if filters.is_empty() {
        lang.label("panel.none").to_string()
    } else {
        filters
    };
    let by: Vec<&str> = panel.by.iter().map(|f| f.name()).collect();
    let by = if by.is_empty() {
        lang.label("panel.none").to_string()
    } else {
        by.join(",")
    };
    let line = lang.fill(
        "panel.provenance",
        &[
            ("version", env!("CARGO_PKG_VERSION")),
            ("fingerprint", &panel.index.fingerprint),
            ("schema", &panel.index.schema_version.to_string()),
            ("reports", &panel.index.reports.to_string()),
            ("sections", &panel.index.sections.to_string()),
            ("filters", &filters),
            (
                "measure",
                lang.label(&format!("panel.measure.{}", panel.measure.key())),
            ),
            ("by", &by),
            ("codebook", &panel.codebook.path.display().to_string()),
            ("concepts", &concepts.join(" | ")),
        ],
    );
    // One line, whatever a description or a file name holds.
    format!("# {}", line.replace(['\r', '\n'], " "))
}

/// A JSON value whose objects keep their keys in the order given (the report's columns, the
/// codebook's concepts).
#[derive(Debug, Clone)]
enum Json {
    Value(Value),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl serde::Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Json::Value(v) => v.serialize(s),
            Json::Array(items) => s.collect_seq(items),
            Json::Object(entries) => s.collect_map(entries.iter().map(|(k, v)| (k, v))),
        }
    }
}

fn value(v: impl serde::Serialize) -> Json {
    Json::Value(serde_json::to_value(v).unwrap_or(Value::Null))
}

/// The rows as JSON objects with ASCII keys: a report's metadata (or a unit's facets and
/// `reports`), then `concepts` (name → count, in the codebook's order) or, long, `concept` and
/// `value`.
fn json_rows<'a>(panel: &'a Panel, long: bool) -> Box<dyn Iterator<Item = Json> + 'a> {
    let names = panel.codebook.names();
    let spread = move |head: Vec<(String, Json)>, values: Vec<Json>| -> Vec<Json> {
        if long {
            return names
                .iter()
                .zip(values)
                .map(|(name, v)| {
                    let mut row = head.clone();
                    row.push(("concept".into(), value(name)));
                    row.push(("value".into(), v));
                    Json::Object(row)
                })
                .collect();
        }
        let mut row = head;
        let concepts = names.iter().map(|n| n.to_string()).zip(values).collect();
        row.push(("concepts".into(), Json::Object(concepts)));
        vec![Json::Object(row)]
    };
    if panel.by.is_empty() {
        Box::new(panel.reports.iter().flat_map(move |r| {
            let m = &r.meta;
            let head: Vec<(String, Json)> = vec![
                ("file".into(), value(&m.file)),
                ("title".into(), value(&m.title)),
                ("town".into(), value(&m.town)),
                ("county".into(), value(&m.county)),
                ("city".into(), value(&m.city)),
                ("province".into(), value(&m.province)),
                ("level".into(), value(m.level.as_str())),
                ("year".into(), value(m.year)),
                ("issuer".into(), value(&m.issuer)),
                ("published".into(), value(&m.published)),
            ];
            spread(head, r.values.iter().map(|&v| value(v)).collect())
        }))
    } else {
        let keys = panel.unit_columns();
        let concepts = panel.codebook.concepts.len();
        Box::new(panel.units.iter().flat_map(move |u: &Unit| {
            let mut head: Vec<(String, Json)> = u
                .key
                .iter()
                .zip(&keys)
                .map(|(v, f)| {
                    let v = match (&f.spec().shape, v.parse::<u64>()) {
                        _ if v.is_empty() => Json::Value(Value::Null),
                        (&Shape::Number, Ok(n)) => value(n),
                        _ => value(v),
                    };
                    (f.name().to_string(), v)
                })
                .collect();
            head.push(("reports".into(), value(u.reports)));
            let values = match &u.values {
                Some(values) => values.iter().map(|&v| value(v)).collect(),
                None => vec![Json::Value(Value::Null); concepts],
            };
            spread(head, values)
        }))
    }
}
