//! `fazhi-index --explain FILE`: what the indexer makes of one file, step by step — how it was
//! read (format, encoding), its text with every span cleaning dropped marked with the rule that
//! dropped it, the metadata found and where each value came from, and the section tree with
//! types. It goes through the same reading (a worker process for PDF, HTML and .docx),
//! [`clean`] and [`report::parse`] as an index run, so what it shows is what is indexed.

use std::io::Write;
use std::ops::Range;
use std::path::Path;

use crate::clean::{CleanText, Dropped, RuleKind, clean};
use crate::date::iso_date;
use crate::error::{Error, Result, Text};
use crate::ingest::worker::{self, Isolation, WorkerSlot};
use crate::ingest::{self, CorpusFile, Extracted};
use crate::lang::Lang;
use crate::report::{self, Report};

/// How dropped text is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marks {
    /// `[-dropped text-]{rule}`, for files and pipes.
    Plain,
    /// Struck through in red with the rule dimmed, for a terminal.
    Color,
}

/// Reads `path` as an index run would and writes the explanation to `out`, in `lang`.
pub fn explain(path: &Path, marks: Marks, lang: Lang, out: &mut dyn Write) -> Result<()> {
    let (name, extracted) = read(path)?;
    let cleaned = clean(&extracted.text);
    let report = report::parse(&name, &extracted.text, &extracted.hints);
    let explanation = Explanation {
        extracted: &extracted,
        cleaned: &cleaned,
        report: &report,
        lang,
    };
    written(explanation.write(marks, out), lang)
}

/// What is explained, and in which language.
struct Explanation<'a> {
    extracted: &'a Extracted,
    cleaned: &'a CleanText,
    report: &'a Report,
    lang: Lang,
}

/// Writes `text` (a report's text as read, as the index keeps it) with every span of `spans`
/// — (1-based line, byte range within the line, rule), in source order — marked as the
/// explanation marks it: what `fazhi-query show --chrome` adds, read from the index, so that
/// a reader can check that nothing of the article was lost.
pub fn write_as_read(
    text: &str,
    spans: &[(usize, Range<usize>, &str)],
    marks: Marks,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    write_marked(text, spans, marks, out)
}

/// The file's name and its text, read as an index run reads: a regular file within the size
/// cap, the risky formats in a worker process, so that a file that crashes its reader is
/// named, not the end of this one.
fn read(path: &Path) -> Result<(String, Extracted)> {
    let bad = |reason: Text| Error::BadInput {
        path: path.to_path_buf(),
        reason,
    };
    let (bytes, _, _) = ingest::read_file(path).map_err(|e| bad(e.text()))?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let file = CorpusFile {
        path: path.to_path_buf(),
        rel: name.clone(),
    };
    let format = ingest::format_of_file(&file).map_err(|e| bad(e.text()))?;
    let mut slot = WorkerSlot::for_isolation(&Isolation::beside_this_program());
    let extracted = worker::extract_in(slot.as_mut(), format, &bytes).map_err(|f| bad(f.reason))?;
    Ok((name, extracted))
}

/// A write to standard output: a closed pipe (`| head`) is a reader who has seen enough, not
/// an error.
fn written(result: std::io::Result<()>, lang: Lang) -> Result<()> {
    match result {
        Err(e) if crate::error::is_closed_pipe(&e) => Ok(()),
        other => other.map_err(|source| Error::Write {
            path: lang.label("msg.stdout").into(),
            source,
        }),
    }
}

impl Explanation<'_> {
    fn write(&self, marks: Marks, out: &mut dyn Write) -> std::io::Result<()> {
        let (extracted, cleaned, report, lang) =
            (self.extracted, self.cleaned, self.report, self.lang);
        let line = |key: &str, values: &[(&str, &str)]| lang.fill(key, values);
        writeln!(
            out,
            "{}",
            line("explain.file", &[("file", &report.meta.file)])
        )?;
        writeln!(
            out,
            "{}",
            line("explain.read_as", &[("how", &self.read_as())])
        )?;
        let header: usize = cleaned
            .dropped
            .iter()
            .filter(|d| d.kind == RuleKind::Header)
            .map(|d| d.chars)
            .sum();
        let counts = [
            ("chars", cleaned.source_chars.to_string()),
            ("chrome", cleaned.chrome_chars().to_string()),
            ("share", format!("{:.1}", cleaned.chrome_share() * 100.0)),
            ("header", header.to_string()),
        ];
        let counts: Vec<(&str, &str)> = counts.iter().map(|(n, v)| (*n, v.as_str())).collect();
        writeln!(out, "{}", line("explain.chars", &counts))?;
        writeln!(out)?;
        let heading = match marks {
            Marks::Plain => "explain.text_plain",
            Marks::Color => "explain.text_color",
        };
        writeln!(out, "{}", lang.label(heading))?;
        write_marked_text(&extracted.text, &cleaned.dropped, marks, out)?;
        writeln!(out)?;
        writeln!(out, "{}", lang.label("explain.metadata"))?;
        self.write_metadata(out)?;
        writeln!(out)?;
        let n = report.sections.len().to_string();
        writeln!(out, "{}", line("explain.sections", &[("n", &n)]))?;
        for s in &report.sections {
            let depth = s.headings.len().max(1);
            let preamble = lang.label("explain.preamble");
            let label = safe(s.headings.last().map_or(preamble, String::as_str));
            let (number, chars) = (s.line.to_string(), s.text.chars().count().to_string());
            let values = [
                ("label", &*label),
                // In English the key, as --type and the JSON write it.
                (
                    "type",
                    lang.pick(
                        lang.section_type(s.section_type.as_str()),
                        s.section_type.as_str(),
                    ),
                ),
                ("line", &number),
                ("chars", &chars),
            ];
            let indent = 2 * (depth - 1);
            writeln!(out, "{:indent$}{}", "", line("explain.section", &values))?;
        }
        Ok(())
    }

    /// The file's format (and encoding) in the reader's language.
    fn read_as(&self) -> String {
        let format = self.format_name();
        match self.extracted.encoding {
            Some(encoding) => self.lang.fill(
                "explain.encoding",
                &[("format", &format), ("encoding", encoding)],
            ),
            None => format,
        }
    }

    fn format_name(&self) -> String {
        match self.extracted.format {
            Some(ingest::FileFormat::Text) => self.lang.label("explain.format.text").to_string(),
            Some(other) => other.name().to_string(),
            None => "?".to_string(),
        }
    }
}

/// Every source line with its number, dropped spans marked with the rule that dropped them.
fn write_marked_text(
    text: &str,
    dropped: &[Dropped],
    marks: Marks,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let spans: Vec<(usize, Range<usize>, &str)> = dropped
        .iter()
        .map(|d| (d.line, d.bytes.clone(), &*d.rule))
        .collect();
    write_marked(text, &spans, marks, out)
}

fn write_marked(
    text: &str,
    spans: &[(usize, Range<usize>, &str)],
    marks: Marks,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut spans = spans.iter().peekable();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let number = i + 1;
        write!(out, "{number:>5} | ")?;
        let mut at = 0;
        while let Some((_, bytes, rule)) = spans.next_if(|d| d.0 == number) {
            let (start, end) = (bytes.start.max(at), bytes.end);
            if start >= end || end > line.len() {
                continue;
            }
            out.write_all(safe(&line[at..start]).as_bytes())?;
            let cut = safe(&line[start..end]);
            match marks {
                Marks::Plain => write!(out, "[-{cut}-]{{{rule}}}")?,
                Marks::Color => write!(out, "\x1b[9;31m{cut}\x1b[0m\x1b[2m{{{rule}}}\x1b[0m")?,
            }
            at = end;
        }
        out.write_all(safe(&line[at..]).as_bytes())?;
        writeln!(out)?;
    }
    Ok(())
}

/// Text of a report for a terminal: control characters (ESC, CR, BEL…, which could move the
/// cursor, retitle the window or hide what precedes them) shown as `\x1B`, as everywhere.
fn safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if c.is_control() && c != '\t' => ingest::escape_control(&mut out, c),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Each metadata value and where it came from.
impl Explanation<'_> {
    /// Each metadata value and where it came from; a value not found says so.
    fn write_metadata(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let lang = self.lang;
        let meta = serde_json::to_value(&self.report.meta).unwrap_or_default();
        let Some(fields) = meta.as_object() else {
            return Ok(());
        };
        for (key, value) in fields {
            if key == "file" {
                continue;
            }
            let name = format!("{}{}", lang.column(key), lang.pick("：", ": "));
            let shown = match value {
                serde_json::Value::Null => {
                    writeln!(out, "{name}{}", lang.label("explain.not_found"))?;
                    continue;
                }
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let source = self.source_of(key, &shown);
            let shown = match key.as_str() {
                "level" if lang == Lang::Zh => lang.level(&shown).to_string(),
                _ => shown,
            };
            writeln!(out, "{name}{}  ← {source}", safe(&shown))?;
        }
        Ok(())
    }

    /// Where a metadata value came from, told from the candidates each source offered.
    fn source_of(&self, key: &str, value: &str) -> String {
        let (hints, cleaned, lang) = (&self.extracted.hints, self.cleaned, self.lang);
        let format = self.format_name();
        let same = |candidate: Option<&String>| candidate.is_some_and(|c| c == value);
        let same_issuer = |candidate: Option<&String>| {
            candidate
                .and_then(|c| crate::report::normalize_issuer(c))
                .as_deref()
                == Some(value)
        };
        let same_date = |candidate: Option<&String>| {
            candidate.and_then(|c| iso_date(c)).as_deref() == Some(value)
        };
        let key = match key {
            "title" if same(hints.title.as_ref()) => "explain.src.title_file",
            "title" if same(cleaned.header_title.as_ref()) => "explain.src.title_header",
            "title" => "explain.src.title_line",
            "issuer" if same_issuer(hints.issuer.as_ref()) => "explain.src.issuer_file",
            "issuer" if same_issuer(cleaned.header_issuer.as_ref()) => "explain.src.issuer_header",
            "issuer" => "explain.src.issuer_text",
            "published" if same_date(hints.published.as_ref()) => "explain.src.published_file",
            "published" if same_date(cleaned.header_date.as_ref()) => {
                "explain.src.published_header"
            }
            "published" => "explain.src.published_text",
            "year" => "explain.src.year",
            "town" | "county" | "city" | "province" => "explain.src.place",
            _ => "explain.src.parser",
        };
        lang.fill(key, &[("format", &format)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_each_dropped_span_with_its_rule() {
        let text = "当前位置：首页 > 政务公开 2023年，某镇依法行政。\n扫一扫在手机打开当前页";
        let cleaned = clean(text);
        let mut out = Vec::new();
        write_marked_text(text, &cleaned.dropped, Marks::Plain, &mut out).expect("write");
        let shown = String::from_utf8(out).expect("UTF-8");
        assert_eq!(
            shown,
            "    1 | [-当前位置：首页 > 政务公开-]{breadcrumb} 2023年，某镇依法行政。\n    2 | [-扫一扫在手机打开当前页-]{mobile-qr}\n"
        );
    }

    #[test]
    fn a_reports_control_characters_reach_no_terminal() {
        // ESC could recolour or retitle, CR hide what precedes it: shown as \x1B and \x0D.
        let text = "当前位置：首页 > 政务公开 某镇\x1b[31m依法\r行政\u{85}。\t完";
        let cleaned = clean(text);
        let mut out = Vec::new();
        write_marked_text(text, &cleaned.dropped, Marks::Color, &mut out).expect("write");
        let shown = String::from_utf8(out).expect("UTF-8");
        let ours = shown
            .replace("\x1b[9;31m", "")
            .replace("\x1b[0m", "")
            .replace("\x1b[2m", "");
        assert!(!ours.contains(['\x1b', '\r', '\u{85}']), "{shown:?}");
        assert!(
            ours.contains("某镇\\x1B[31m依法\\x0D行政\\u{85}。\t完"),
            "{shown:?}"
        );
    }
}
