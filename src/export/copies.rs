//! `fazhi-query copies`: a report's sections found in other reports, or the reports that hold a
//! passage, as text or JSON. The same JSON is `/api/copies` of `fazhi-query serve`.

use std::io::{self, Write};

use serde::Serialize;

use super::{Format, terminal_line};
use crate::error::Error;
use crate::lang::Lang;
use crate::search::Engine;
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

/// A report's sections found in other reports (`copies FILE`), or one section's
/// (`copies FILE:LINE`), which also says where each copy is.
#[derive(Debug, Clone, Serialize)]
pub struct ReportCopies {
    /// The report's path, as the index names it.
    pub file: String,
    pub sections: Vec<CopiedSection>,
}

/// A section found in other reports.
#[derive(Debug, Clone, Serialize)]
pub struct CopiedSection {
    #[serde(flatten)]
    pub section: SectionCopies,
    /// For one section (FILE:LINE): in each other report, the section holding the text and its
    /// share of it ([`Engine::copy_places`]), in the order of `files`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copies: Option<Vec<PassageMatch>>,
}

/// The copies of `place`, a report as a hit cites it: FILE (its sections found elsewhere) or
/// FILE:LINE (that section's copies, each with where it is). The report is looked up in the
/// index, never opened; `check` runs between reports read, for a caller with a deadline.
pub fn report_copies<E: From<Error>>(
    engine: &Engine,
    place: &str,
    mut check: impl FnMut() -> Result<(), E>,
) -> Result<ReportCopies, E> {
    let (mut report, at) = super::report::open(engine, place)?;
    if let Some(id) = at {
        report.sections.retain(|s| s.id == id);
    }
    check()?;
    let found = engine.report_copies(&report)?;
    let sections = match (at, found.first()) {
        (Some(_), Some(section)) => {
            let text = &report.sections[0].text;
            let places = engine.copy_places(text, &section.files, &mut check)?;
            let section = section.clone();
            vec![CopiedSection {
                section,
                copies: Some(places),
            }]
        }
        _ => found
            .into_iter()
            .map(|section| CopiedSection {
                section,
                copies: None,
            })
            .collect(),
    };
    Ok(ReportCopies {
        file: report.meta.file,
        sections,
    })
}

/// Writes the sections of a report found elsewhere.
pub fn write_report(
    out: &mut dyn Write,
    copies: &ReportCopies,
    format: Format,
    lang: Lang,
) -> io::Result<()> {
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut *out, copies)?;
        return writeln!(out);
    }
    let file = copies.file.as_str();
    let sections = &copies.sections;
    for CopiedSection { section: s, copies } in sections {
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
        if let Some(places) = copies {
            writeln!(out, "   {line}{}", lang.pick("：", ":"))?;
            write_matches(out, places, "   ")?;
            continue;
        }
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
    write_matches(out, matches, "")?;
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

/// One line per report holding a text: where, whose, and how much of the text.
fn write_matches(out: &mut dyn Write, matches: &[PassageMatch], indent: &str) -> io::Result<()> {
    for m in matches {
        let town: Vec<&str> = [&m.meta.town, &m.meta.county]
            .into_iter()
            .map(|p| p.as_deref().unwrap_or("—"))
            .collect();
        let year = m.meta.year.map_or_else(|| "—".into(), |y| y.to_string());
        writeln!(
            out,
            "{indent}{}  {} · {} · {}  {:.0}%",
            terminal_line(&place(&m.meta.file, m.line, m.nth_on_line)),
            terminal_line(town[0]),
            terminal_line(town[1]),
            year,
            m.share * 100.0
        )?;
    }
    Ok(())
}
