//! Sections as newline-delimited JSON, for engines that scale out beyond one machine (Quickwit,
//! OpenSearch): every field of the index, with the jieba words already segmented so that the
//! target needs no Chinese analyser plugin. The matching index definitions are
//! `index_schema/quickwit-index.json` and `index_schema/opensearch-mapping.json`.

use std::io::Write;

use serde::Serialize;

use super::tokenizer::ChineseWordTokenizer;
use super::writer::report_key;
use crate::error::{Error, Result};
use crate::ingest::worker::{self, Isolation, WorkerSlot};
use crate::ingest::{self, Skipped};
use crate::normalize::normalize;
use crate::report;

/// One section as emitted.
#[derive(Debug, Serialize)]
pub struct EmittedSection<'a> {
    /// `<report key>-<section number>`: stable while the file's path is.
    pub id: String,
    pub file: &'a str,
    pub title: Option<&'a str>,
    pub town: Option<&'a str>,
    pub county: Option<&'a str>,
    pub city: Option<&'a str>,
    pub province: Option<&'a str>,
    /// `/province/city/county/town`, as far as known.
    pub region: String,
    /// town, county, department or other.
    pub level: &'static str,
    pub year: Option<u64>,
    pub issuer: Option<&'a str>,
    pub published: Option<&'a str>,
    pub section_type: &'static str,
    pub headings: &'a [String],
    pub line: u64,
    pub text: &'a str,
    /// The normalised text's jieba words, separated by spaces.
    pub text_words: String,
}

/// Writes every section of the corpus to `out`, a JSON object per line; returns the number of
/// sections and the files that could not be read.
pub fn emit_ndjson(corpus: &std::path::Path, out: &mut dyn Write) -> Result<(usize, Vec<Skipped>)> {
    let (files, mut skipped) = ingest::discover(corpus);
    // The risky formats are read in a worker process, as fazhi-index reads them: a file that
    // crashes its reader is skipped, not the end of the export.
    let mut slot = WorkerSlot::for_isolation(&Isolation::beside_this_program());
    let words = ChineseWordTokenizer;
    let mut count = 0;
    let write_error = |source: std::io::Error| Error::Write {
        path: "standard output".into(),
        source,
    };
    for file in &files {
        let extracted = ingest::format_of_file(file).and_then(|format| {
            let (bytes, _, _) = ingest::read_file(&file.path)?;
            worker::extract_in(slot.as_mut(), format, &bytes)
                .map_err(|f| Error::Unreadable(f.reason))
        });
        let extracted = match extracted {
            Ok(e) => e,
            Err(e) => {
                skipped.push(Skipped {
                    file: file.rel.clone(),
                    reason: e.text(),
                });
                continue;
            }
        };
        let r = report::parse(&file.rel, &extracted.text, &extracted.hints);
        let m = &r.meta;
        let region: Vec<&str> = [&m.province, &m.city, &m.county, &m.town]
            .into_iter()
            .map_while(|p| p.as_deref())
            .collect();
        let key = report_key(&m.file);
        for (i, section) in r.sections.iter().enumerate() {
            let doc = EmittedSection {
                id: format!("{key:016x}-{i}"),
                file: &m.file,
                title: m.title.as_deref(),
                town: m.town.as_deref(),
                county: m.county.as_deref(),
                city: m.city.as_deref(),
                province: m.province.as_deref(),
                region: if region.is_empty() {
                    String::new()
                } else {
                    format!("/{}", region.join("/"))
                },
                level: m.level.as_str(),
                year: m.year,
                issuer: m.issuer.as_deref(),
                published: m.published.as_deref(),
                section_type: section.section_type.as_str(),
                headings: &section.headings,
                line: section.line as u64,
                text: &section.text,
                text_words: words.words(&normalize(&section.text)).join(" "),
            };
            serde_json::to_writer(&mut *out, &doc).map_err(|e| write_error(e.into()))?;
            out.write_all(b"\n").map_err(write_error)?;
            count += 1;
        }
    }
    Ok((count, skipped))
}
