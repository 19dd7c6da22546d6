//! Statistics tables as a researcher takes them away: an aligned text table, CSV, JSON,
//! Markdown, XLSX, and a chart — a line over years (one line per group or query), bars
//! otherwise.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::chart::{Chart, ChartKind, Series};
use super::table::{Cell, Column, ColumnKind, Table};
use super::{Format, write_xlsx};
use crate::error::{Error, Result};
use crate::search::{Dimension, StatsRow, StatsTable};

/// The table's rows as cells: the query column only when several queries are compared.
pub fn table(stats: &StatsTable, with_totals: bool) -> Table {
    let compare = stats.queries.len() > 1;
    let mut columns = Vec::new();
    if compare {
        columns.push(Column::new("query", ColumnKind::Text));
    }
    for dim in &stats.by {
        let kind = match dim {
            Dimension::Year => ColumnKind::Int,
            _ => ColumnKind::Text,
        };
        columns.push(Column::new(dim.as_str(), kind));
    }
    for (name, kind) in [
        ("matching_reports", ColumnKind::Int),
        ("reports", ColumnKind::Int),
        ("share", ColumnKind::Percent),
        ("matching_sections", ColumnKind::Int),
    ] {
        columns.push(Column::new(name, kind));
    }
    let cells = |r: &StatsRow| -> Vec<Cell> {
        let mut row = Vec::with_capacity(columns.len());
        if compare {
            row.push(Cell::text(&r.query));
        }
        for (value, dim) in r.group.iter().zip(&stats.by) {
            row.push(match (dim, value.parse::<u64>()) {
                (_, _) if value.is_empty() => Cell::Empty,
                (Dimension::Year, Ok(year)) => Cell::Int(year),
                _ => Cell::text(value),
            });
        }
        row.extend([
            Cell::Int(r.matching_reports as u64),
            Cell::Int(r.reports as u64),
            Cell::Float(r.share),
            Cell::Int(r.matching_sections as u64),
        ]);
        row
    };
    let mut rows: Vec<Vec<Cell>> = stats.rows.iter().map(cells).collect();
    if with_totals {
        rows.extend(stats.totals.iter().map(cells));
    }
    Table {
        sheet: "stats".into(),
        columns,
        rows,
    }
}

/// Writes the table in `format` (text and Markdown end with the totals).
pub fn write(out: &mut dyn Write, stats: &StatsTable, format: Format) -> io::Result<()> {
    match format {
        Format::Text => table(stats, true).write_text(out),
        Format::Md => table(stats, true).write_md(out),
        Format::Csv => table(stats, false).write_csv(out),
        Format::Xlsx => write_xlsx(out, &table(stats, false)),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, stats)?;
            writeln!(out)
        }
        Format::Jsonl => {
            for row in &stats.rows {
                serde_json::to_writer(&mut *out, &JsonlRow::new(row, &stats.by))?;
                writeln!(out)?;
            }
            Ok(())
        }
    }
}

/// A JSON Lines row names its groups: {"query":…,"year":"2023","province":"河南省",…}.
#[derive(Serialize)]
struct JsonlRow<'a> {
    query: &'a str,
    #[serde(flatten)]
    group: std::collections::BTreeMap<&'static str, &'a str>,
    matching_reports: usize,
    reports: usize,
    share: f64,
    matching_sections: usize,
}

impl<'a> JsonlRow<'a> {
    fn new(row: &'a StatsRow, by: &[Dimension]) -> JsonlRow<'a> {
        JsonlRow {
            query: &row.query,
            group: by
                .iter()
                .zip(&row.group)
                .map(|(d, v)| (d.as_str(), v.as_str()))
                .collect(),
            matching_reports: row.matching_reports,
            reports: row.reports,
            share: row.share,
            matching_sections: row.matching_sections,
        }
    }
}

/// Checks, before any work, that a chart can be written to `path`: its extension names a
/// chart format.
pub fn check_chart_path(path: &Path) -> Result<()> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("svg" | "png") => Ok(()),
        _ => Err(Error::Usage(format!(
            "--chart {}: name a .svg or .png file",
            path.display()
        ))),
    }
}

/// The most bars a bar chart shows (the groups with most matching reports).
pub const MAX_BARS: usize = 30;

/// The chart of a table: the share of reports that match, in percent — a line per group (and
/// query) over years when the first dimension is the year, bars per group otherwise.
pub fn chart(stats: &StatsTable) -> Chart {
    let quoted: Vec<String> = stats.queries.iter().map(|q| format!("“{q}”")).collect();
    let by: Vec<&str> = stats.by.iter().map(|d| d.label()).collect();
    let compare = stats.queries.len() > 1;
    let over_years = stats.by.first() == Some(&Dimension::Year);
    let mut series: Vec<Series> = Vec::new();
    let mut add = |name: String, x: String, y: f64| match series.iter_mut().find(|s| s.name == name)
    {
        Some(s) => s.points.push((x, y)),
        None => series.push(Series {
            name,
            points: vec![(x, y)],
        }),
    };
    let mut bars_left: Vec<usize> = vec![MAX_BARS; stats.queries.len()];
    let mut truncated = false;
    for row in &stats.rows {
        let q = stats
            .queries
            .iter()
            .position(|q| *q == row.query)
            .unwrap_or(0);
        let shown = |v: &String| {
            if v.is_empty() {
                "—".to_string()
            } else {
                v.clone()
            }
        };
        if over_years {
            if row.group[0].is_empty() {
                continue; // a report without a year has no place on a time axis
            }
            let mut name: Vec<String> = Vec::new();
            if compare || stats.by.len() == 1 {
                name.push(quoted[q].clone());
            }
            name.extend(row.group.iter().skip(1).map(shown));
            add(name.join(" "), row.group[0].clone(), row.share * 100.0);
        } else {
            if bars_left[q] == 0 {
                truncated = true;
                continue;
            }
            bars_left[q] -= 1;
            let x: Vec<String> = row.group.iter().map(shown).collect();
            add(quoted[q].clone(), x.join(" · "), row.share * 100.0);
        }
    }
    let mut title = format!("{} 提及率（按{}）", quoted.join(" / "), by.join("、"));
    if truncated {
        title.push_str(&format!("，前{MAX_BARS}组"));
    }
    Chart {
        kind: if over_years {
            ChartKind::Line
        } else {
            ChartKind::Bar
        },
        title,
        x_label: by.first().copied().unwrap_or_default().to_string(),
        y_label: "提及的报告占比 (%)".to_string(),
        y_max: Some(100.0),
        series,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(query: &str, group: &[&str], matching: usize, reports: usize) -> StatsRow {
        StatsRow {
            query: query.into(),
            group: group.iter().map(|s| s.to_string()).collect(),
            matching_reports: matching,
            reports,
            share: matching as f64 / reports as f64,
            matching_sections: matching * 2,
        }
    }

    fn stats(by: Vec<Dimension>, queries: &[&str], rows: Vec<StatsRow>) -> StatsTable {
        StatsTable {
            by,
            queries: queries.iter().map(|q| q.to_string()).collect(),
            totals: vec![],
            rows,
        }
    }

    #[test]
    fn a_line_per_group_over_years() {
        let s = stats(
            vec![Dimension::Year, Dimension::Province],
            &["法律顾问"],
            vec![
                row("法律顾问", &["2021", "河南省"], 1, 4),
                row("法律顾问", &["2021", "浙江省"], 2, 4),
                row("法律顾问", &["2022", "河南省"], 3, 4),
                row("法律顾问", &["", "河南省"], 1, 1),
            ],
        );
        let c = chart(&s);
        assert_eq!(c.kind, ChartKind::Line);
        let lines: Vec<(&str, Vec<(&str, f64)>)> = c
            .series
            .iter()
            .map(|s| {
                (
                    s.name.as_str(),
                    s.points.iter().map(|(x, y)| (x.as_str(), *y)).collect(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("河南省", vec![("2021", 25.0), ("2022", 75.0)]),
                ("浙江省", vec![("2021", 50.0)]),
            ]
        );
    }

    #[test]
    fn compared_queries_are_bars_side_by_side() {
        let s = stats(
            vec![Dimension::Province],
            &["法律顾问", "公职律师"],
            vec![
                row("法律顾问", &["河南省"], 1, 2),
                row("公职律师", &["河南省"], 2, 2),
            ],
        );
        let c = chart(&s);
        assert_eq!(c.kind, ChartKind::Bar);
        let names: Vec<&str> = c.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["“法律顾问”", "“公职律师”"]);
        assert!(c.title.contains("“法律顾问” / “公职律师”"), "{}", c.title);
    }

    #[test]
    fn bars_stop_at_the_limit_and_say_so() {
        let rows = (0..MAX_BARS + 5)
            .map(|i| row("普法", &[&format!("{i}镇")], 1, 2))
            .collect();
        let c = chart(&stats(vec![Dimension::Town], &["普法"], rows));
        assert_eq!(c.series[0].points.len(), MAX_BARS);
        assert!(c.title.contains("前30组"), "{}", c.title);
    }

    #[test]
    fn table_columns_follow_the_request() {
        let s = stats(
            vec![Dimension::Year],
            &["a", "b"],
            vec![row("a", &["2023"], 1, 2)],
        );
        let t = table(&s, false);
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "query",
                "year",
                "matching_reports",
                "reports",
                "share",
                "matching_sections"
            ]
        );
        assert_eq!(t.rows[0][1], Cell::Int(2023), "the year is a number");
    }
}
