//! `/api/export` downloads: the hits of a query as CSV or JSON Lines, streamed in chunks as
//! the client reads them (each chunk's passages are cut and serialised only when the previous
//! chunk has been sent), or as an XLSX workbook built in memory (it is bounded by
//! [`MAX_EXPORT_HITS`]). Rows are written by the same code as the command line's exports.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures_core::Stream;

use super::error::ApiError;
use super::params::{ExportFormat, ExportParams, MAX_EXPORT_HITS};
use crate::export::{PassageOptions, Record, records_table};
use crate::search::{Hit, SearchResults};

/// Hits per streamed chunk.
const CHUNK_HITS: usize = 200;
/// The most characters of the query that go into the file name.
const NAME_CHARS: usize = 40;

const TOTAL_SECTIONS: HeaderName = HeaderName::from_static("x-total-sections");
const EXPORTED_SECTIONS: HeaderName = HeaderName::from_static("x-exported-sections");
const EXPORT_LIMIT: HeaderName = HeaderName::from_static("x-export-limit");

/// The download of `results`: headers that name the file and say how many of the matching
/// sections it holds, and the body.
pub fn response(results: SearchResults, params: ExportParams) -> Result<Response, ApiError> {
    let format = params.format;
    let headers = [
        (
            CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        ),
        (
            CONTENT_DISPOSITION,
            attachment(&params.text, format.extension()),
        ),
        (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (TOTAL_SECTIONS, results.total_sections.into()),
        (EXPORTED_SECTIONS, results.hits.len().into()),
        (EXPORT_LIMIT, MAX_EXPORT_HITS.into()),
    ];
    let body = match format {
        ExportFormat::Xlsx => Body::from(workbook(&results.hits, &params)?),
        ExportFormat::Csv | ExportFormat::Jsonl => Body::from_stream(Chunks {
            hits: results.hits.into_iter(),
            terms: params.terms,
            passage: params.passage,
            format,
            started: false,
        }),
    };
    Ok((headers, body).into_response())
}

fn workbook(hits: &[Hit], params: &ExportParams) -> Result<Vec<u8>, ApiError> {
    let terms: Vec<&str> = params.terms.iter().map(String::as_str).collect();
    let records: Vec<Record> = hits
        .iter()
        .map(|hit| Record::new(hit, &terms, params.passage))
        .collect();
    Ok(records_table(&records).to_xlsx()?)
}

/// `attachment; filename="fazhi-search.csv"; filename*=UTF-8''fazhi-法律顾问.csv` (the
/// second percent-encoded): the file is named after the query, cleaned of anything a file
/// name should not hold.
fn attachment(query: &str, extension: &str) -> HeaderValue {
    let name: String = query
        .chars()
        .filter(|c| !c.is_control())
        .take(NAME_CHARS)
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    let encoded: String = format!("fazhi-{name}.{extension}")
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let value =
        format!("attachment; filename=\"fazhi-search.{extension}\"; filename*=UTF-8''{encoded}");
    HeaderValue::from_str(&value)
        .unwrap_or_else(|_| HeaderValue::from_static("attachment; filename=\"fazhi-search\""))
}

/// The rows of a CSV or JSON Lines export, [`CHUNK_HITS`] at a time. The CSV's byte-order
/// mark and header come once, in the first chunk (which an export without hits also sends).
struct Chunks {
    hits: std::vec::IntoIter<Hit>,
    terms: Vec<String>,
    passage: PassageOptions,
    format: ExportFormat,
    started: bool,
}

impl Chunks {
    fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        let first = !self.started;
        self.started = true;
        let hits: Vec<Hit> = self.hits.by_ref().take(CHUNK_HITS).collect();
        if hits.is_empty() && !first {
            return Ok(None);
        }
        let terms: Vec<&str> = self.terms.iter().map(String::as_str).collect();
        let records: Vec<Record> = hits
            .iter()
            .map(|hit| Record::new(hit, &terms, self.passage))
            .collect();
        let mut out = Vec::new();
        match self.format {
            ExportFormat::Jsonl => {
                for record in &records {
                    serde_json::to_writer(&mut out, record)?;
                    out.push(b'\n');
                }
            }
            ExportFormat::Csv | ExportFormat::Xlsx => {
                records_table(&records).write_csv(&mut out)?;
                if !first {
                    out = without_csv_header(out)?;
                }
            }
        }
        Ok(Some(Bytes::from(out)))
    }
}

/// The rows of a CSV written by [`crate::export::Table::write_csv`], without the byte-order
/// mark and header that it starts every file with.
fn without_csv_header(mut csv: Vec<u8>) -> io::Result<Vec<u8>> {
    let mut header = Vec::new();
    records_table(&[]).write_csv(&mut header)?;
    if !csv.starts_with(&header) {
        return Err(io::Error::other(
            "a CSV chunk does not start with the header",
        ));
    }
    csv.drain(..header.len());
    Ok(csv)
}

impl Stream for Chunks {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.get_mut().next_chunk().transpose())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ReportMeta;

    fn hit(n: usize) -> Hit {
        Hit {
            meta: ReportMeta {
                file: format!("{n}.txt"),
                town: Some("上桥镇".into()),
                year: Some(2023),
                ..ReportMeta::default()
            },
            section_type: "measures".into(),
            headings: vec!["一、工作".into()],
            line: n as u64,
            text: format!("第{n}条：聘请法律顾问，\"审核\"合同。"),
            score: 1.0,
        }
    }

    fn chunks(n: usize, format: ExportFormat) -> Vec<Bytes> {
        let mut stream = Chunks {
            hits: (0..n).map(hit).collect::<Vec<_>>().into_iter(),
            terms: vec!["法律顾问".into()],
            passage: PassageOptions::default(),
            format,
            started: false,
        };
        std::iter::from_fn(|| stream.next_chunk().expect("a chunk")).collect()
    }

    #[test]
    fn streamed_csv_is_the_whole_csv() {
        for n in [0, 1, CHUNK_HITS, CHUNK_HITS + 1, 3 * CHUNK_HITS + 7] {
            let streamed: Vec<u8> = chunks(n, ExportFormat::Csv).concat();
            let terms = ["法律顾问"];
            let records: Vec<Record> = (0..n)
                .map(|i| Record::new(&hit(i), &terms, PassageOptions::default()))
                .collect();
            let mut whole = Vec::new();
            records_table(&records).write_csv(&mut whole).expect("csv");
            assert_eq!(streamed, whole, "{n} hits");
            assert_eq!(
                chunks(n, ExportFormat::Csv).len(),
                n.div_ceil(CHUNK_HITS).max(1),
                "chunks for {n} hits"
            );
        }
    }

    #[test]
    fn streamed_jsonl_has_a_line_per_hit() {
        for n in [0, 1, CHUNK_HITS + 1] {
            let text = String::from_utf8(chunks(n, ExportFormat::Jsonl).concat()).expect("utf-8");
            assert_eq!(text.lines().count(), n, "{n} hits");
        }
    }

    #[test]
    fn file_names_come_from_the_query_cleaned() {
        let rows = [
            (
                "法律顾问",
                "csv",
                "filename*=UTF-8''fazhi-%E6%B3%95%E5%BE%8B%E9%A1%BE%E9%97%AE.csv",
            ),
            ("../../x", "xlsx", "filename*=UTF-8''fazhi-______x.xlsx"),
            ("a\"b\r\nc", "jsonl", "filename*=UTF-8''fazhi-a_bc.jsonl"),
        ];
        for (query, extension, expected) in rows {
            let value = attachment(query, extension);
            let text = value.to_str().expect("ASCII");
            assert!(
                text.starts_with("attachment; filename=\"fazhi-search."),
                "{text}"
            );
            assert!(text.ends_with(expected), "{query:?}: {text}");
        }
    }
}
