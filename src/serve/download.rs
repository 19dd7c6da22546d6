//! `/api/export` downloads: the hits of a query as CSV or JSON Lines, streamed in chunks as
//! the client reads them (each chunk's hits are read from the index, cut into passages and
//! serialised on a search thread, within the deadline, only when the previous chunk has been
//! taken: a slow reader makes the server hold one window of hits, not the file), or as an XLSX
//! workbook written a row at a time to a temporary file and then sent (it is bounded by
//! [`MAX_EXPORT_HITS`]). Each download holds one of the export slots until it has been sent or
//! abandoned. Hits are read and rows written by the same code as the command line's exports
//! ([`RecordStream::next_row`], [`rows_header`], [`XlsxRows`]): the same bytes as `-o`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::body::{Body, Bytes};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures_core::Stream;
use tokio::sync::OwnedSemaphorePermit;

use super::error::ApiError;
use super::params::{ExportFormat, ExportParams, MAX_EXPORT_HITS};
use super::work::{Deadline, Limits, Stop};
use crate::export::table::XlsxRows;
use crate::export::{Format, HITS_SHEET, RecordStream, record_columns, record_row, rows_header};
use crate::lang::Lang;
use crate::search::{Engine, Ranked};

/// Hits per streamed chunk.
const CHUNK_HITS: usize = 200;
/// A chunk is closed once its rows reach this many bytes: with whole sections of a few
/// megabytes, 200 hits would make a chunk of hundreds.
const CHUNK_BYTES: usize = 1 << 20;
/// The most characters of the query that go into the file name.
const NAME_CHARS: usize = 40;

const TOTAL_SECTIONS: HeaderName = HeaderName::from_static("x-total-sections");
const EXPORTED_SECTIONS: HeaderName = HeaderName::from_static("x-exported-sections");
const EXPORT_LIMIT: HeaderName = HeaderName::from_static("x-export-limit");

/// The download of the hits of `ranked` (a search by `engine`): headers that name the file and
/// say how many of the matching sections it holds, and the body, which holds `slot` until it is
/// dropped. The workbook is built within `deadline`; each streamed chunk within a deadline of
/// its own.
pub async fn response(
    limits: &Arc<Limits>,
    deadline: Deadline,
    slot: OwnedSemaphorePermit,
    engine: Arc<Engine>,
    ranked: Ranked,
    params: ExportParams,
) -> Result<Response, ApiError> {
    let format = params.format;
    let headers = [
        (
            CONTENT_TYPE,
            HeaderValue::from_static(format.content_type()),
        ),
        (
            CONTENT_DISPOSITION,
            attachment(&params.request.text, format.extension()),
        ),
        (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (TOTAL_SECTIONS, ranked.total_sections.into()),
        (EXPORTED_SECTIONS, ranked.len().into()),
        (EXPORT_LIMIT, MAX_EXPORT_HITS.into()),
    ];
    let request = params.request;
    let records = RecordStream::new(engine, ranked, &request.terms, request.passage);
    let lang = request.lang;
    let body = match format {
        ExportFormat::Xlsx => {
            let book = limits
                .blocking_export(deadline, move |stop| workbook(records, lang, stop))
                .await?;
            drop(slot);
            Body::from(book)
        }
        ExportFormat::Csv | ExportFormat::Jsonl => Body::from_stream(Download {
            limits: Arc::clone(limits),
            chunks: Some(Chunks::new(records, rows_format(format), lang)),
            lang,
            next: None,
            _slot: slot,
        }),
    };
    Ok((headers, body).into_response())
}

fn workbook(
    records: RecordStream<Arc<Engine>>,
    lang: Lang,
    stop: &Stop,
) -> Result<Vec<u8>, ApiError> {
    let copies = records.ranked().counts_copies();
    let mut book = XlsxRows::start(HITS_SHEET, &record_columns(lang, copies), lang)?;
    for record in records {
        stop.check()?;
        book.row(&record_row(&record?, lang, copies))?;
    }
    let mut bytes = Vec::new();
    book.finish(&mut bytes)?;
    Ok(bytes)
}

/// The next chunk, being made on a search thread, and the rest of the hits, given back.
type NextChunk = Pin<Box<dyn Future<Output = Result<(Chunks, Option<Bytes>), ApiError>> + Send>>;

/// The body of a streamed export: one chunk made at a time, when hyper asks for it (it asks
/// when what it has is written). Dropped with the connection, it stops the chunk being made.
struct Download {
    limits: Arc<Limits>,
    /// The hits not yet sent; `None` while a chunk is being made or once all are sent.
    chunks: Option<Chunks>,
    /// The request's language, for the server's line when the download is cut short.
    lang: Lang,
    next: Option<NextChunk>,
    _slot: OwnedSemaphorePermit,
}

impl Stream for Download {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.next.is_none() {
            let Some(mut chunks) = this.chunks.take() else {
                return Poll::Ready(None);
            };
            let limits = Arc::clone(&this.limits);
            this.next = Some(Box::pin(async move {
                limits
                    .blocking_export_chunk(move |stop| {
                        let chunk = chunks.next_chunk(stop)?;
                        Ok((chunks, chunk))
                    })
                    .await
            }));
        }
        let made = ready!(
            this.next
                .as_mut()
                .expect("a chunk is being made")
                .as_mut()
                .poll(cx)
        );
        this.next = None;
        match made {
            Ok((chunks, Some(bytes))) => {
                this.chunks = Some(chunks);
                Poll::Ready(Some(Ok(bytes)))
            }
            Ok((_, None)) => Poll::Ready(None),
            // The client sees the download cut short (the chunked body never ends).
            Err(error) => {
                let why = error.message();
                let line = this.lang.fill("serve.export_stopped", &[("why", why)]);
                eprintln!("fazhi-query: {line}");
                Poll::Ready(Some(Err(io::Error::other(error.message().to_string()))))
            }
        }
    }
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

/// The command line's format of a streamed download.
fn rows_format(format: ExportFormat) -> Format {
    match format {
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Jsonl => Format::Jsonl,
        ExportFormat::Xlsx => Format::Xlsx,
    }
}

/// The rows of a download, in rank order: the bytes `fazhi-query -o` writes for each hit.
type Rows = Box<dyn Iterator<Item = io::Result<Vec<u8>>> + Send>;

/// The rows of a CSV or JSON Lines export, [`CHUNK_HITS`] at a time or fewer when they pass
/// [`CHUNK_BYTES`] (a hit is never split). The CSV's byte-order mark and header come once, in
/// the first chunk (which an export without hits also sends).
struct Chunks {
    /// What the first chunk starts with ([`rows_header`]); `None` once it is sent.
    header: Option<Vec<u8>>,
    rows: Rows,
}

impl Chunks {
    fn new(mut records: RecordStream<Arc<Engine>>, format: Format, lang: Lang) -> Chunks {
        let copies = records.ranked().counts_copies();
        Chunks {
            header: Some(rows_header(format, lang, copies)),
            rows: Box::new(std::iter::from_fn(move || records.next_row(format, lang))),
        }
    }

    fn next_chunk(&mut self, stop: &Stop) -> Result<Option<Bytes>, ApiError> {
        let first = self.header.is_some();
        let mut out = self.header.take().unwrap_or_default();
        let mut hits = 0;
        while hits < CHUNK_HITS && out.len() < CHUNK_BYTES {
            let Some(row) = self.rows.next() else {
                break;
            };
            stop.check()?;
            out.extend_from_slice(&row?);
            hits += 1;
        }
        if hits == 0 && !first {
            return Ok(None);
        }
        Ok(Some(Bytes::from(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{PassageOptions, Record, records_table, row_bytes};
    use crate::report::ReportMeta;
    use crate::search::Hit;

    /// The chunks of a download of `hits`, their rows made as the command line makes them.
    fn stream(hits: Vec<Hit>, passage: PassageOptions, format: Format) -> Chunks {
        let rows = hits.into_iter().map(move |hit| {
            let record = Record::new(&hit, &["法律顾问"], passage);
            Ok(row_bytes(&record, format, Lang::Zh, false))
        });
        Chunks {
            header: Some(rows_header(format, Lang::Zh, false)),
            rows: Box::new(rows),
        }
    }

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
            nth_on_line: None,
            text: format!("第{n}条：聘请法律顾问，\"审核\"合同。"),
            score: 1.0,
            also_saved_as: Vec::new(),
            copies: None,
            collapsed: Vec::new(),
        }
    }

    fn chunks(n: usize, format: Format) -> Vec<Bytes> {
        let mut stream = stream((0..n).map(hit).collect(), PassageOptions::default(), format);
        let limits = Limits::new(std::time::Duration::from_secs(600));
        let stop = limits.stop();
        std::iter::from_fn(|| stream.next_chunk(&stop).expect("a chunk")).collect()
    }

    #[test]
    fn streamed_csv_is_the_whole_csv() {
        for n in [0, 1, CHUNK_HITS, CHUNK_HITS + 1, 3 * CHUNK_HITS + 7] {
            let streamed: Vec<u8> = chunks(n, Format::Csv).concat();
            let terms = ["法律顾问"];
            let records: Vec<Record> = (0..n)
                .map(|i| Record::new(&hit(i), &terms, PassageOptions::default()))
                .collect();
            let mut whole = Vec::new();
            records_table(&records, Lang::Zh)
                .write_csv(&mut whole)
                .expect("csv");
            assert_eq!(streamed, whole, "{n} hits");
            assert_eq!(
                chunks(n, Format::Csv).len(),
                n.div_ceil(CHUNK_HITS).max(1),
                "chunks for {n} hits"
            );
        }
    }

    #[test]
    fn chunks_of_big_sections_are_cut_by_size() {
        let big = |n: usize| Hit {
            text: format!("法律顾问{}", "审".repeat(100_000)),
            ..hit(n)
        };
        let full = PassageOptions {
            full: true,
            ..PassageOptions::default()
        };
        let one = Record::new(&big(0), &["法律顾问"], full);
        let per_chunk = CHUNK_BYTES.div_ceil(row_bytes(&one, Format::Jsonl, Lang::Zh, false).len());
        assert!(per_chunk < 20, "{per_chunk} big sections to a chunk");
        let mut stream = stream((0..20).map(big).collect(), full, Format::Jsonl);
        let stop = Limits::new(std::time::Duration::from_secs(600)).stop();
        let lines: Vec<usize> = std::iter::from_fn(|| stream.next_chunk(&stop).expect("a chunk"))
            .map(|chunk| chunk.iter().filter(|b| **b == b'\n').count())
            .collect();
        assert_eq!(lines.len(), 20_usize.div_ceil(per_chunk), "{lines:?}");
        assert!(lines.iter().all(|n| *n <= per_chunk), "{lines:?}");
    }

    #[test]
    fn streamed_jsonl_has_a_line_per_hit() {
        for n in [0, 1, CHUNK_HITS + 1] {
            let text = String::from_utf8(chunks(n, Format::Jsonl).concat()).expect("utf-8");
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
