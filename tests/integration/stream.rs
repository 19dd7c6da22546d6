//! Exports stream: every hit of a search is written in rank order as it is read from the index,
//! a window at a time, and the bytes are the ones the whole search in memory gives.

use std::io::{self, Write};
use std::path::Path;
use std::sync::OnceLock;

use fazhi_search::export::{self, Format, PassageOptions, RecordStream, RenderOptions};
use fazhi_search::search::{self, Hit};
use fazhi_search::{Engine, SearchRequest, synth};
use tempfile::TempDir;

use crate::util;

/// Reports in the synthetic corpus: enough for a common term to match far more sections than
/// the first page of hits (256), so that exports read several windows.
const REPORTS: usize = 150;

/// An index of a synthetic corpus made from the bundled reports, built once.
fn engine() -> &'static Engine {
    &built().1
}

/// The folder of [`engine`]'s corpus (`corpus/`) and index (`index/`), and the engine.
fn built() -> &'static (TempDir, Engine) {
    static ENGINE: OnceLock<(TempDir, Engine)> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = TempDir::new().expect("temp dir");
        let corpus = dir.path().join("corpus");
        let index = dir.path().join("index");
        synth::generate(&util::corpus_dir(), &corpus, REPORTS, 7).expect("synthetic corpus");
        util::index(&corpus, &index);
        let engine = Engine::open(&index).expect("open the fresh index");
        (dir, engine)
    })
}

fn request(text: &str, limit: Option<usize>) -> SearchRequest {
    SearchRequest {
        query: search::parse(text).expect("query"),
        filters: Default::default(),
        limit,
        facet_limit: Some(search::DEFAULT_FACET_LIMIT),
    }
}

fn render(format: Format, text: &str, passage: PassageOptions) -> RenderOptions {
    RenderOptions {
        format,
        passage,
        color: false,
        query: text.into(),
        terms: vec![text.into()],
        filters: String::new(),
        lang: Default::default(),
        width: None,
    }
}

/// The export of a search as it streams: hits read a window at a time.
fn streamed(engine: &Engine, request: &SearchRequest, options: &RenderOptions) -> Vec<u8> {
    let ranked = engine.rank(request).expect("rank");
    let mut records = RecordStream::new(engine, ranked, &options.terms, options.passage);
    let mut out = Vec::new();
    let written = export::write_stream(&mut out, &mut records, options).expect("export");
    assert_eq!(written, records.ranked().len(), "every hit is written");
    out
}

/// The export of a search whose hits are all in memory first.
fn whole(engine: &Engine, request: &SearchRequest, options: &RenderOptions) -> Vec<u8> {
    let results = engine.search(request).expect("search");
    let mut out = Vec::new();
    export::write(&mut out, &results, options).expect("export");
    out
}

#[test]
fn hits_read_in_windows_are_the_hits_read_one_by_one() {
    let engine = engine();
    let request = request("法治", None);
    // One hit a window: read in rank order, nothing to put back in order.
    let mut ranked = engine.rank(&request).expect("rank");
    let mut one_by_one: Vec<Hit> = Vec::new();
    while let Some(hits) = ranked.next_window(engine, 1, |hit| hit).expect("read") {
        one_by_one.extend(hits);
    }
    let all = engine.search(&request).expect("search").hits;
    assert!(
        all.len() > 1_000,
        "{} hits: the corpus should need many windows",
        all.len()
    );
    assert_eq!(one_by_one.len(), all.len());
    for (rank, (a, b)) in one_by_one.iter().zip(&all).enumerate() {
        assert_eq!(
            (&a.meta.file, a.line, &a.text, a.score.to_bits()),
            (&b.meta.file, b.line, &b.text, b.score.to_bits()),
            "hit {rank}"
        );
    }
    assert!(
        all.windows(2).all(|w| w[0].score >= w[1].score),
        "hits in rank order"
    );
}

#[test]
fn streamed_exports_are_the_bytes_of_the_whole_search() {
    let full = PassageOptions {
        full: true,
        ..PassageOptions::default()
    };
    let rows = [
        (Format::Csv, "法治", None, PassageOptions::default()),
        (Format::Jsonl, "法治", None, PassageOptions::default()),
        (Format::Json, "法治", None, PassageOptions::default()),
        (Format::Md, "法治", None, PassageOptions::default()),
        (Format::Text, "法治", None, PassageOptions::default()),
        (Format::Csv, "法律顾问", Some(300), full),
        (Format::Jsonl, "普法", Some(10), PassageOptions::default()),
        (Format::Text, "普法", Some(10), PassageOptions::default()),
        (
            Format::Json,
            "没有这个词语",
            None,
            PassageOptions::default(),
        ),
        (Format::Csv, "没有这个词语", None, PassageOptions::default()),
    ];
    for (format, text, limit, passage) in rows {
        let request = request(text, limit);
        let options = render(format, text, passage);
        let streamed = streamed(engine(), &request, &options);
        let whole = whole(engine(), &request, &options);
        assert!(
            streamed == whole,
            "{format:?} of {text} (limit {limit:?}): {} streamed bytes differ from {} bytes of the whole search",
            streamed.len(),
            whole.len()
        );
    }
    // And on the bundled reports, where every hit is on the first page.
    let request = request("法治", None);
    for format in [Format::Csv, Format::Jsonl] {
        let options = render(format, "法治", PassageOptions::default());
        assert!(
            streamed(util::seed_engine(), &request, &options)
                == whole(util::seed_engine(), &request, &options),
            "{format:?} on the bundled reports"
        );
    }
}

#[test]
fn a_search_holding_a_few_matches_at_a_time_exports_the_bytes_of_one_holding_all() {
    // The default engine holds every match of this corpus at once (524,288 a chunk); these
    // hold a few and find the next ones by running the query again, chunks ending in runs of
    // equal scores.
    let index = built().0.path().join("index");
    let rows = [
        (Format::Csv, "法治", None),
        (Format::Jsonl, "法治", None),
        (Format::Json, "法律顾问", None),
        (Format::Csv, "法治", Some(300)),
        (Format::Jsonl, "普法 OR 依法", Some(1_000)),
        (Format::Md, "普法", Some(3)),
    ];
    for chunk in [1, 7, 500] {
        let mut holding = Engine::open(&index).expect("open");
        holding.hold_matches(chunk);
        for (format, text, limit) in rows {
            let request = request(text, limit);
            let options = render(format, text, PassageOptions::default());
            let all = holding.rank(&request).expect("rank").len();
            assert!(
                limit.is_some() || all > 100,
                "{text}: {all} hits should need many chunks"
            );
            let held = streamed(&holding, &request, &options);
            let whole = whole(engine(), &request, &options);
            assert!(
                held == whole,
                "{format:?} of {text} (limit {limit:?}) in chunks of {chunk}: {} bytes differ from {} bytes",
                held.len(),
                whole.len()
            );
        }
    }
}

/// The export of a search whose rows may wait beside `output`, in windows of 4 KiB (so that
/// an export of more than a few dozen hits spills): its bytes, its hits and how many batches
/// were spilled.
fn spilled(
    engine: &Engine,
    request: &SearchRequest,
    options: &RenderOptions,
    output: &Path,
) -> (Vec<u8>, usize, usize) {
    let (out, all, [batches, _]) = spilled_with_room(engine, request, options, output, None);
    (out, all, batches)
}

/// [`spilled`] on a disk of `room` bytes (else as it is): also how many batches found no room
/// and were given back.
fn spilled_with_room(
    engine: &Engine,
    request: &SearchRequest,
    options: &RenderOptions,
    output: &Path,
    room: Option<u64>,
) -> (Vec<u8>, usize, [usize; 2]) {
    let ranked = engine.rank(request).expect("rank");
    let mut records = RecordStream::new(engine, ranked, &options.terms, options.passage)
        .spill(output)
        .window_bytes(4_096);
    if let Some(room) = room {
        records = records.assume_room(room);
    }
    let mut out = Vec::new();
    let written = export::write_stream(&mut out, &mut records, options).expect("export");
    let all = records.ranked().len();
    assert_eq!(written, all, "every hit is written");
    let batches = [records.batches_spilled(), records.batches_given_back()];
    (out, all, batches)
}

#[test]
fn rows_spilled_to_disk_a_batch_of_matches_at_a_time_are_the_bytes_of_the_whole_search() {
    // Small windows, so that these exports spill (more than one more window); batches of 1, 7
    // and 500 matches, and every match at once.
    let index = built().0.path().join("index");
    let rows = [
        (Format::Csv, "法治", None),
        (Format::Jsonl, "法治", None),
        (Format::Csv, "普法 OR 依法", Some(1_000)),
        (Format::Jsonl, "依法", Some(400)),
    ];
    let out = TempDir::new().expect("temp dir");
    let output = out.path().join("hits.csv");
    std::fs::write(&output, "").expect("the export's file");
    for chunk in [1, 7, 500, usize::MAX] {
        let mut holding = Engine::open(&index).expect("open");
        if chunk < usize::MAX {
            holding.hold_matches(chunk);
        }
        for (format, text, limit) in rows {
            let request = request(text, limit);
            let options = render(format, text, PassageOptions::default());
            let (spilled, all, batches) = spilled(&holding, &request, &options, &output);
            // The first window (64 hits) is read as before; each batch holds `chunk` at most.
            let fewest = match chunk {
                usize::MAX => 1,
                _ => all.saturating_sub(64).div_ceil(chunk).max(1),
            };
            assert!(
                batches >= fewest,
                "{format:?} of {text} in batches of {chunk}: {batches} spilled, at least {fewest} expected"
            );
            let whole = whole(engine(), &request, &options);
            assert!(
                spilled == whole,
                "{format:?} of {text} (limit {limit:?}) spilled in batches of {chunk}: {} bytes differ from {} bytes",
                spilled.len(),
                whole.len()
            );
        }
    }
    // The rows waited in a file with no name: nothing is left beside the export.
    assert_eq!(std::fs::read_dir(out.path()).expect("list").count(), 1);
}

#[test]
fn an_export_whose_rows_cannot_wait_beside_it_holds_them_a_window_at_a_time() {
    // A device (`-o /dev/stdout`), a file not made: no temporary file beside them.
    let request = request("法治", None);
    let options = render(Format::Csv, "法治", PassageOptions::default());
    let out = TempDir::new().expect("temp dir");
    for output in [Path::new("/dev/null"), &out.path().join("gone/hits.csv")] {
        let (bytes, _, batches) = spilled(engine(), &request, &options, output);
        assert_eq!(batches, 0, "{}", output.display());
        assert!(
            bytes == whole(engine(), &request, &options),
            "{}",
            output.display()
        );
    }
    assert_eq!(std::fs::read_dir(out.path()).expect("list").count(), 0);
}

#[test]
fn a_search_rewound_to_a_bookmark_gives_the_hits_after_it_again() {
    // Matches held a few at a time (found again by the query) and all at once.
    let index = built().0.path().join("index");
    let request = request("法治", None);
    let key = |h: &Hit| (h.meta.file.clone(), h.line, h.score.to_bits());
    let all: Vec<_> = engine()
        .search(&request)
        .expect("search")
        .hits
        .iter()
        .map(key)
        .collect();
    for chunk in [1, 7, 500, usize::MAX] {
        let mut holding = Engine::open(&index).expect("open");
        if chunk < usize::MAX {
            holding.hold_matches(chunk);
        }
        let mut ranked = holding.rank(&request).expect("rank");
        let mut read: Vec<_> = Vec::new();
        let window = |ranked: &mut search::Ranked, n| {
            ranked
                .next_window(&holding, n, |hit| key(&hit))
                .expect("read")
                .unwrap_or_default()
        };
        read.extend(window(&mut ranked, 64));
        let mark = ranked.bookmark();
        // Two windows read and dropped, as a batch with no room on disk is.
        let dropped = [window(&mut ranked, 100), window(&mut ranked, 300)].concat();
        assert_eq!(dropped.len(), 400, "chunks of {chunk}");
        assert!(ranked.rewind(mark), "chunks of {chunk}");
        assert_eq!(ranked.hits_read(), 64, "chunks of {chunk}");
        while let Some(hits) = ranked
            .next_window(&holding, 250, |hit| key(&hit))
            .expect("read")
        {
            read.extend(hits);
        }
        assert!(
            read == all,
            "chunks of {chunk}: {} hits of {}",
            read.len(),
            all.len()
        );
    }
}

#[test]
fn rows_that_find_no_room_on_disk_are_read_again_a_window_at_a_time() {
    let request = request("法治", None);
    let out = TempDir::new().expect("temp dir");
    let output = out.path().join("hits.csv");
    std::fs::write(&output, "").expect("the export's file");
    for format in [Format::Csv, Format::Jsonl] {
        let options = render(format, "法治", PassageOptions::default());
        let whole = whole(engine(), &request, &options);
        let rows = whole.len() as u64;
        // (room the disk has, batches spilled, batches given back): none for a batch that
        // will not fit; one given back for a batch that fits but leaves no room to copy it
        // out (the 64 hits of the first window are not in it); every batch with room.
        let cases = [(0, 0, 0), (rows * 3 / 2, 0, 1), (rows * 3, 1, 0)];
        for (room, batches, given_back) in cases {
            let (bytes, _, counted) =
                spilled_with_room(engine(), &request, &options, &output, Some(room));
            assert_eq!(
                counted,
                [batches, given_back],
                "{format:?}, room {room} for {rows} bytes"
            );
            assert!(
                bytes == whole,
                "{format:?}, room {room}: {} bytes differ from {}",
                bytes.len(),
                whole.len()
            );
        }
    }
    assert_eq!(std::fs::read_dir(out.path()).expect("list").count(), 1);
}

/// A writer that takes `room` bytes and then fails, as a full disk or a closed pipe does.
struct Full {
    room: usize,
    taken: usize,
}

impl Write for Full {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.taken + buf.len() > self.room {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
        }
        self.taken += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn an_export_stops_reading_the_index_when_its_output_fails() {
    let engine = engine();
    for format in [Format::Csv, Format::Jsonl, Format::Json, Format::Md] {
        let request = request("法治", None);
        let options = render(format, "法治", PassageOptions::default());
        let ranked = engine.rank(&request).expect("rank");
        let all = ranked.len();
        let mut records = RecordStream::new(engine, ranked, &options.terms, options.passage);
        // Less room than the first window's rows (64 hits): the export fails in it.
        let mut full = Full {
            room: 16 * 1024,
            taken: 0,
        };
        // Unbuffered, so that the first rows reach the writer as they are made.
        let error =
            export::write_stream(&mut full, &mut records, &options).expect_err("the writer fails");
        assert_eq!(error.kind(), io::ErrorKind::StorageFull, "{format:?}");
        let read = records.ranked().hits_read();
        // The first window of hits (64; 256 when a page was read with the facets) holds the
        // rows that filled the writer; nothing after it was read.
        assert!(
            read <= 64 && read < all,
            "{format:?}: {read} of {all} hits read from the index before the output failed"
        );
    }
}

#[test]
fn an_export_counting_copies_reads_a_few_hits_at_a_time() {
    // Each hit's copies take milliseconds to count: a window sized by bytes alone (thousands
    // of hits) outlasted a server's deadline for one chunk, and `/api/export?copies=true`
    // ended empty. Without copies the second window is sized by bytes, and larger.
    let mut engine = Engine::open(&built().0.path().join("index")).expect("open");
    for (copies, most) in [(true, 64), (false, usize::MAX)] {
        engine.count_copies(copies);
        let ranked = engine.rank(&request("法治", None)).expect("rank");
        let all = ranked.len();
        assert!(all > 1000, "{all} hits");
        let mut records =
            RecordStream::new(&engine, ranked, &["法治".to_string()], Default::default());
        let mut rows = 0;
        // Past the first window (the first page, 256 hits, read with the facets).
        while rows < 300 {
            records
                .next_row(Format::Csv, Default::default())
                .expect("a row")
                .expect("read");
            rows += 1;
        }
        let ahead = records.ranked().hits_read() - rows;
        assert!(
            ahead < most && (copies || ahead > 64),
            "copies {copies}: {ahead} hits read ahead of the rows written"
        );
    }
}

#[test]
fn a_streamed_workbook_holds_every_hit_as_the_csv_does() {
    use calamine::{Reader, Xlsx};
    let engine = engine();
    let request = request("法治", None);
    let xlsx = streamed(
        engine,
        &request,
        &render(Format::Xlsx, "法治", PassageOptions::default()),
    );
    let csv = streamed(
        engine,
        &request,
        &render(Format::Csv, "法治", PassageOptions::default()),
    );
    let csv_rows = util::hits_csv(&csv);
    let mut book: Xlsx<_> = Xlsx::new(io::Cursor::new(xlsx)).expect("a workbook");
    let sheet = book.worksheet_range("hits").expect("the hits sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), csv_rows.len() + 1, "a header and a row per hit");
    let columns: Vec<String> = export::record_columns(Default::default(), false)
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(rows[0], columns);
    for column in ["file", "line", "passage", "citation"] {
        let c = util::hits_column(column);
        for (i, (sheet_row, csv_row)) in rows[1..].iter().zip(&csv_rows).enumerate() {
            assert_eq!(sheet_row[c], csv_row[c], "row {i}, column {column}");
        }
    }
}
