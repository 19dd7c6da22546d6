//! `fazhi-query copies`: a report's sections found in other reports, or the reports that hold a
//! passage, as text or JSON.

use std::io::{self, Write};

use serde::Serialize;

use super::{Format, terminal_line};
use crate::lang::Lang;
use crate::search::copies::{PassageMatch, SectionCopies, towns_of};

/// The most other reports named under a section in text output (JSON names them all).
const FILES_SHOWN: usize = 5;

/// A section's place as a hit's citation line writes it: FILE:LINE or FILE:LINE#N.
fn place(file: &str, line: u64, nth: Option<u64>) -> String {
    match nth {
        Some(n) => format!("{file}:{line}#{n}"),
        None => format!("{file}:{line}"),
    }
}

/// Writes the sections of `file` found elsewhere.
pub fn write_report(
    out: &mut dyn Write,
    file: &str,
    sections: &[SectionCopies],
    format: Format,
    lang: Lang,
) -> io::Result<()> {
    if format == Format::Json {
        #[derive(Serialize)]
        struct Answer<'a> {
            file: &'a str,
            sections: &'a [SectionCopies],
        }
        serde_json::to_writer_pretty(&mut *out, &Answer { file, sections })?;
        return writeln!(out);
    }
    for s in sections {
        let (reports, towns) = (s.reports.to_string(), s.towns.to_string());
        writeln!(
            out,
            "{}  {}",
            terminal_line(&place(file, s.line, s.nth_on_line)),
            if s.headings.is_empty() {
                lang.label("hit.preamble").into()
            } else {
                terminal_line(&s.headings.join(" › ")).into_owned()
            }
        )?;
        let line = lang.fill("hit.copies", &[("reports", &reports), ("towns", &towns)]);
        let mut files: Vec<String> = s
            .files
            .iter()
            .take(FILES_SHOWN)
            .map(|f| terminal_line(f).into_owned())
            .collect();
        if s.files.len() > FILES_SHOWN {
            let more = (s.files.len() - FILES_SHOWN).to_string();
            files.push(lang.fill("facet.more", &[("n", &more)]));
        }
        writeln!(
            out,
            "   {line}{}{}",
            lang.pick("：", ": "),
            files.join(lang.pick("、", ", "))
        )?;
    }
    let (n, file) = (sections.len().to_string(), terminal_line(file).into_owned());
    writeln!(
        out,
        "{}",
        lang.fill("copies.report_summary", &[("n", &n), ("file", &file)])
    )
}

/// Writes the reports that hold a passage.
pub fn write_passage(
    out: &mut dyn Write,
    matches: &[PassageMatch],
    format: Format,
    lang: Lang,
) -> io::Result<()> {
    let towns = towns_of(matches);
    if format == Format::Json {
        #[derive(Serialize)]
        struct Answer<'a> {
            reports: usize,
            towns: usize,
            matches: &'a [PassageMatch],
        }
        let answer = Answer {
            reports: matches.len(),
            towns,
            matches,
        };
        serde_json::to_writer_pretty(&mut *out, &answer)?;
        return writeln!(out);
    }
    for m in matches {
        let town: Vec<&str> = [&m.meta.town, &m.meta.county]
            .into_iter()
            .map(|p| p.as_deref().unwrap_or("—"))
            .collect();
        let year = m.meta.year.map_or_else(|| "—".into(), |y| y.to_string());
        writeln!(
            out,
            "{}  {} · {} · {}  {:.0}%",
            terminal_line(&place(&m.meta.file, m.line, m.nth_on_line)),
            terminal_line(town[0]),
            terminal_line(town[1]),
            year,
            m.share * 100.0
        )?;
    }
    let (reports, towns) = (matches.len().to_string(), towns.to_string());
    writeln!(
        out,
        "{}",
        lang.fill(
            "copies.passage_summary",
            &[("reports", &reports), ("towns", &towns)]
        )
    )
}
