//! Bringing an index up to date with a corpus, in one commit.
//!
//! Every section document carries its file's path and a fingerprint of the file's bytes and of
//! the `index_schema/` data it was parsed with. A run reads those back, parses only the files
//! that are new or changed, deletes the documents of changed and removed files, and commits
//! once. A run that stops before its commit (an error, a kill) leaves the index exactly as it
//! was: tantivy switches to a new commit by atomically replacing `meta.json`.
//!
//! A run writes only into a folder that is new, empty or already an index of ours, never into
//! the corpus or around it ([`folder::claim`]); it first removes the segment files killed runs
//! left behind, and it reports success only once every new file reads back sound and the
//! index is sealed ([`check::verify_and_seal`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tantivy::indexer::UserOperation;
use tantivy::schema::Facet;
use tantivy::{IndexWriter, TantivyDocument, Term};

use super::IndexHandle;
use super::backlog::{Backlog, SectionDoc};
use super::check;
use super::copies::{Duplicates, Sketched};
use super::folder::{self, Folder};
use super::schema::{Fields, Stamp};
use crate::copies::ReportSketch;
use crate::error::{Error, Result, Text};
use crate::ingest::poisoned::{self, Mark, Poisoned};
use crate::ingest::worker::{self, Isolation, WorkerSlot};
use crate::ingest::{self, CorpusFile, Skipped};
use crate::lang::{Lang, both, both_texts};
use crate::normalize::normalize;
use crate::report::{self, Report};

/// Where to read the corpus and write the index.
#[derive(Debug, Clone)]
pub struct IndexConfig {
    pub corpus: PathBuf,
    pub index: PathBuf,
    /// Indexing threads, 1 to [`MAX_THREADS`] (a number outside is taken as the nearest end).
    pub threads: usize,
    /// Follow symbolic links out of the corpus folder (`--follow-links`).
    pub follow_links: bool,
    /// Where PDF, HTML and .docx files are parsed.
    pub isolation: Isolation,
    /// The language of the progress bar's words.
    pub lang: Lang,
}

impl IndexConfig {
    /// A run over `corpus` into `index`: links out of the corpus not followed, and the risky
    /// formats parsed in workers of the `fazhi-index` beside this program when there is one.
    pub fn new(corpus: PathBuf, index: PathBuf, threads: usize) -> IndexConfig {
        IndexConfig {
            corpus,
            index,
            threads,
            follow_links: false,
            isolation: Isolation::beside_this_program(),
            lang: Lang::default(),
        }
    }
}

/// The most indexing threads a run uses: each may buffer [`WRITER_MEMORY_PER_THREAD`].
pub const MAX_THREADS: usize = 64;

/// What a run did and what the index now holds.
#[derive(Debug, Clone, Default)]
pub struct IndexSummary {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
    /// Files parsed in this run and how they were read ("text, GBK").
    pub read: Vec<(String, String)>,
    /// Files that were not indexed, with the reason.
    pub skipped: Vec<Skipped>,
    /// Files parsed in this run that lost more than a fifth of their text to chrome
    /// ([`crate::clean::CHROME_WARNING_SHARE`]), with the share lost: `fazhi-index --explain`
    /// shows what was dropped.
    pub chrome_heavy: Vec<(String, f64)>,
    /// Why the existing index was rebuilt from scratch, if it was.
    pub rebuilt: Option<Text>,
    /// False when nothing had changed and no commit was made.
    pub committed: bool,
    /// Files in the index folder that fazhi-index did not write, left alone when it started over.
    pub left_alone: Vec<String>,
    /// Segment files no commit referenced (left by killed runs), removed.
    pub orphans_removed: usize,
    /// The groups of files that hold the same report ([`super::copies`]): each is counted once
    /// in the totals, as its canonical report.
    pub duplicates: Vec<super::copies::DuplicateGroup>,
    pub totals: Totals,
}

impl IndexSummary {
    /// The summary's lines about duplicate reports, in `lang` (none when there are none).
    pub fn duplicate_lines(&self, lang: Lang) -> Vec<String> {
        super::copies::Duplicates::summary_lines(&self.duplicates, lang)
    }
}

/// What the index holds after a run.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    /// Reports, each group of duplicates counted once.
    pub reports: usize,
    /// Files counted as another report (duplicates that are not their group's canonical one).
    pub duplicate_files: usize,
    pub sections: usize,
    pub towns: usize,
    /// Reports per year covered.
    pub years: BTreeMap<u64, usize>,
    /// Reports whose town could not be found (county-level reports, or unknown places).
    pub without_town: Vec<String>,
    /// Reports whose year could not be found.
    pub without_year: Vec<String>,
}

/// Memory for tantivy's indexing buffers, per thread. Larger buffers make fewer, larger
/// segments, and a search pays per segment (facet labels are resolved per segment).
const WRITER_MEMORY_PER_THREAD: usize = 256 * 1024 * 1024;

/// Reports parsed ahead of indexing, at most: enough to keep every indexing thread fed, few
/// enough that a run's memory does not grow with the corpus (a report in flight is tens of KB).
const MAX_REPORTS_AHEAD: usize = 256;

/// Brings the index at `config.index` up to date with `config.corpus`.
pub fn update(config: &IndexConfig, progress: &ProgressBar) -> Result<IndexSummary> {
    update_with(config, progress, &Backlog::new(MAX_REPORTS_AHEAD), false)
}

/// Builds the index at `config.index` from scratch (`fazhi-index --rebuild`), without opening
/// what is there: a damaged index is deleted (only the files fazhi-index wrote), not read.
pub fn rebuild(config: &IndexConfig, progress: &ProgressBar) -> Result<IndexSummary> {
    update_with(config, progress, &Backlog::new(MAX_REPORTS_AHEAD), true)
}

/// [`update`] or, when `start_over`, [`rebuild`], with parsing held to `backlog`.
fn update_with(
    config: &IndexConfig,
    progress: &ProgressBar,
    backlog: &Arc<Backlog>,
    start_over: bool,
) -> Result<IndexSummary> {
    if !config.corpus.is_dir() {
        return Err(Error::Read {
            path: config.corpus.clone(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such folder"),
        });
    }
    // Each thread may hold its own indexing buffer: the count is bounded whatever a caller asks.
    let config = &IndexConfig {
        threads: config.threads.clamp(1, MAX_THREADS),
        ..config.clone()
    };
    let mut summary = IndexSummary::default();
    let claimed = folder::claim(&config.corpus, &config.index)?;
    if start_over && claimed == Folder::Ours {
        summary.left_alone = folder::clear(&config.index)?;
        summary.rebuilt = Some(both("msg.rebuilt.asked", &[]));
    }
    let handle = open_or_create(&config.index, &mut summary)?;
    let mut writer: IndexWriter<SectionDoc> = handle
        .index
        .writer_with_num_threads(
            config.threads.max(1),
            WRITER_MEMORY_PER_THREAD * config.threads.max(1),
        )
        .map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => Error::IndexBusy {
                path: config.index.clone(),
            },
            other => Error::Engine(other),
        })?;
    summary.orphans_removed = remove_orphans(&handle, &writer)?;
    let indexed = manifest(&handle)?;
    let (files, skipped) = ingest::discover_following(&config.corpus, config.follow_links);
    summary.skipped = skipped;
    let data_hash = schema_data_hash();
    let fields = handle.fields;
    progress.set_length(files.len() as u64);
    let poisoned = Poisoned::load(&config.index);
    // The sketches of the reports parsed in this run, for the duplicate groups of the commit.
    let sketched: Mutex<Vec<Sketched>> = Mutex::new(Vec::new());
    let outcomes = parse_in_parallel(
        &files,
        &indexed,
        data_hash,
        &Parsing {
            workers: config.threads.max(1),
            isolation: &config.isolation,
            poisoned: &poisoned,
        },
        progress,
        |report, fingerprint, replaces| {
            // One batch per report: its sections go to one segment, adjacent, which the search
            // relies on to count reports and read a report's place once per run of sections.
            let mut batch = Vec::with_capacity(report.sections.len() + 1);
            if replaces {
                batch.push(UserOperation::Delete(Term::from_field_text(
                    fields.file,
                    &report.meta.file,
                )));
            }
            let sketch = ReportSketch::of(report.sections.iter().map(|s| s.text.as_str()));
            if let Ok(mut all) = sketched.lock() {
                all.push(Sketched::of(report, sketch));
            }
            let docs = documents(&fields, report, fingerprint, &sketch);
            let last = docs.len().saturating_sub(1);
            let mut ticket = Some(backlog.admit());
            batch.extend(docs.into_iter().enumerate().map(|(i, doc)| {
                let ticket = if i == last { ticket.take() } else { None };
                UserOperation::Add(SectionDoc::new(doc, ticket))
            }));
            writer.run(batch)?;
            Ok(())
        },
    )?;
    poisoned.save().map_err(|source| Error::Write {
        path: config.index.join(poisoned::FILE_NAME),
        source,
    })?;
    let mut seen = HashSet::new();
    for (file, outcome) in files.iter().zip(outcomes) {
        seen.insert(file.rel.clone());
        let previous = indexed.contains_key(&file.rel);
        match outcome {
            Outcome::Unchanged => summary.unchanged += 1,
            Outcome::Indexed(how, chrome_share) => {
                if chrome_share > crate::clean::CHROME_WARNING_SHARE {
                    summary.chrome_heavy.push((file.rel.clone(), chrome_share));
                }
                summary.read.push((file.rel.clone(), how));
                if previous {
                    summary.updated += 1;
                } else {
                    summary.added += 1;
                }
            }
            Outcome::Skipped(reason) => {
                let reason = if previous {
                    both_texts("skip.kept", &[("reason", &reason)])
                } else {
                    reason
                };
                summary.skipped.push(Skipped {
                    file: file.rel.clone(),
                    reason,
                });
            }
        }
    }
    let unreadable: HashSet<&str> = summary.skipped.iter().map(|s| s.file.as_str()).collect();
    let mut gone: HashSet<&str> = summary.read.iter().map(|(f, _)| f.as_str()).collect();
    for file in indexed.keys() {
        if !seen.contains(file) && !unreadable.contains(file.as_str()) {
            writer.delete_term(Term::from_field_text(fields.file, file));
            summary.removed += 1;
            gone.insert(file);
        }
    }
    // The reports the commit holds: those kept from the index as it was, and those parsed.
    let mut reports: Vec<Sketched> = super::copies::reports(&handle.index.reader()?.searcher())?
        .into_iter()
        .filter(|r| !gone.contains(r.file.as_str()))
        .collect();
    reports.extend(sketched.into_inner().unwrap_or_default());
    let duplicates = Duplicates::from_reports(reports);
    if summary.added + summary.updated + summary.removed > 0 || summary.rebuilt.is_some() {
        progress.set_message(config.lang.label("msg.committing").to_string());
        let stamp = Stamp {
            duplicates: duplicates.groups.clone(),
            ..Stamp::current()
        };
        let stamp =
            serde_json::to_string(&stamp).map_err(|e| Error::Usage(e.to_string().into()))?;
        let mut prepared = writer
            .prepare_commit()
            .map_err(|e| write_error(&config.index, e))?;
        prepared.set_payload(&stamp);
        prepared
            .commit()
            .map_err(|e| write_error(&config.index, e))?;
        summary.committed = true;
    }
    writer
        .wait_merging_threads()
        .map_err(|e| write_error(&config.index, e))?;
    // Searches read the facets' ordinal maps from here instead of building them each time.
    let searcher = handle.index.reader()?.searcher();
    super::facets::FacetMaps::save(&config.index, &searcher)?;
    // A corpus with nothing to index leaves an index no run committed to: nothing to seal.
    if !folder::never_committed(&config.index) {
        check::verify_and_seal(&config.index, &handle.verified)?;
    }
    summary.totals = totals(&handle, &duplicates.not_counted())?;
    summary.duplicates = duplicates.groups;
    Ok(summary)
}

/// Removes what killed runs left: files tantivy registered but no commit uses (its own garbage
/// collection), and segment files it never registered that `meta.json` does not name. Runs
/// while `writer` holds the index's lock, so no other run is writing segments.
fn remove_orphans(handle: &IndexHandle, writer: &IndexWriter<SectionDoc>) -> Result<usize> {
    let collected = writer
        .garbage_collect_files()
        .wait()
        .map_err(|e| write_error(&handle.path, e))?;
    let metas = handle.index.load_metas()?;
    let referenced: HashSet<String> = check::segment_files(&metas.segments).into_iter().collect();
    let removed = folder::remove_orphans(&handle.path, &referenced)?;
    Ok(collected.deleted_files.len() + removed)
}

fn write_error(path: &Path, e: tantivy::TantivyError) -> Error {
    match e {
        tantivy::TantivyError::IoError(io) => Error::Write {
            path: path.to_path_buf(),
            source: std::io::Error::new(io.kind(), io.to_string()),
        },
        other => Error::Engine(other),
    }
}

/// Opens the index, or creates it; an index of another version, or one no run committed to,
/// is rebuilt from scratch, since it is derived data. A damaged index is refused: its damage is
/// worth knowing about, and `fazhi-index --rebuild` starts it over.
fn open_or_create(path: &Path, summary: &mut IndexSummary) -> Result<IndexHandle> {
    if !super::exists(path) {
        return IndexHandle::create(path);
    }
    if folder::never_committed(path) {
        summary.rebuilt = Some(both("msg.rebuilt.uncommitted", &[]));
        summary.left_alone = folder::clear(path)?;
        return IndexHandle::create(path);
    }
    match IndexHandle::open(path) {
        Ok(handle) => {
            // An index made before the marker existed is ours by its stamp.
            folder::mark(path)?;
            Ok(handle)
        }
        Err(e @ (Error::SchemaVersion { .. } | Error::CorruptIndex { .. })) => {
            summary.rebuilt = Some(why_rebuilt(&e));
            summary.left_alone = folder::clear(path)?;
            IndexHandle::create(path)
        }
        Err(e) => Err(e),
    }
}

/// Why an index was rebuilt: what was wrong with it, without the advice to rebuild it that
/// fazhi-query's reader is given (the run doing it is fazhi-index's).
fn why_rebuilt(e: &Error) -> Text {
    match e {
        Error::SchemaVersion {
            found, expected, ..
        } => both_texts(
            "msg.rebuilt.version",
            &[
                ("found", found),
                ("expected", &Text::plain(expected.to_string())),
            ],
        ),
        Error::CorruptIndex { reason, .. } => both("msg.rebuilt.corrupt", &[("reason", reason)]),
        other => other.text(),
    }
}

/// What became of one file in a run.
enum Outcome {
    Unchanged,
    /// Parsed and handed to the index; how it was read, and the share of its text dropped as
    /// chrome.
    Indexed(String, f64),
    /// Why not, in both languages.
    Skipped(Text),
}

/// How files are parsed: on how many threads, where, and what earlier runs could not read.
struct Parsing<'a> {
    workers: usize,
    isolation: &'a Isolation,
    poisoned: &'a Poisoned,
}

/// Reads and parses `files` on `parsing.workers` threads, handing each new or changed report to
/// `add` (with whether it replaces an indexed version). Returns each file's outcome, in `files`
/// order. A file that crashes, hangs or exhausts its reader costs that file only (see
/// [`crate::ingest::worker`]) and is remembered in `parsing.poisoned`.
fn parse_in_parallel(
    files: &[CorpusFile],
    indexed: &HashMap<String, u64>,
    data_hash: u64,
    parsing: &Parsing,
    progress: &ProgressBar,
    add: impl Fn(&Report, u64, bool) -> Result<()> + Sync,
) -> Result<Vec<Outcome>> {
    let next = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Option<Outcome>>> =
        Mutex::new((0..files.len()).map(|_| None).collect());
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..parsing.workers {
            scope.spawn(|| {
                let mut slot = WorkerSlot::for_isolation(parsing.isolation);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(i) else { break };
                    if failure.lock().map_or(true, |f| f.is_some()) {
                        break;
                    }
                    let previous = indexed.get(&file.rel).copied();
                    let read = read_report(file, data_hash, previous, slot.as_mut(), parsing);
                    let outcome = match read {
                        Ok(Change::Unchanged) => Outcome::Unchanged,
                        Ok(Change::Parsed(report, fingerprint, how, chrome_share)) => {
                            if let Err(e) = add(&report, fingerprint, previous.is_some()) {
                                if let Ok(mut f) = failure.lock() {
                                    f.get_or_insert(e);
                                }
                                break;
                            }
                            Outcome::Indexed(how, chrome_share)
                        }
                        Err(reason) => Outcome::Skipped(reason),
                    };
                    if let Ok(mut all) = outcomes.lock() {
                        all[i] = Some(outcome);
                    }
                    progress.set_message(file.rel.clone());
                    progress.inc(1);
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().ok().flatten() {
        return Err(e);
    }
    let outcomes = outcomes
        .into_inner()
        .map_err(|_| Error::Usage("a parsing thread panicked".into()))?;
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::Skipped(both("skip.stopped", &[]))))
        .collect())
}

enum Change {
    Unchanged,
    Parsed(Box<Report>, u64, String, f64),
}

/// Reads one file and parses it into a report, unless it is unchanged since it was indexed or
/// since a reader failed on it. The risky formats are read in `slot`'s worker when there is one.
fn read_report(
    file: &CorpusFile,
    data_hash: u64,
    previous: Option<u64>,
    slot: Option<&mut WorkerSlot>,
    parsing: &Parsing,
) -> std::result::Result<Change, Text> {
    let format = ingest::format_of_file(file).map_err(|e| e.text())?;
    let (bytes, size, mtime) = ingest::read_file(&file.path).map_err(|e| e.text())?;
    let fingerprint = fnv1a(data_hash, &bytes);
    if previous == Some(fingerprint) {
        return Ok(Change::Unchanged);
    }
    let mark = Mark {
        size,
        mtime,
        fingerprint,
    };
    if let Some(reason) = parsing.poisoned.earlier(&file.rel, mark) {
        return Err(reason);
    }
    let extracted = worker::extract_in(slot, format, &bytes);
    // The text is all that is needed from here: the file's bytes need not stay beside it.
    drop(bytes);
    let extracted = extracted.map_err(|failure| {
        if failure.poison {
            parsing.poisoned.remember(&file.rel, mark, &failure.reason);
        }
        failure.reason
    })?;
    let report = report::parse(&file.rel, &extracted.text, &extracted.hints);
    if report.sections.is_empty() {
        return Err(both("skip.no_text_left", &[]));
    }
    let chrome_share = report.chrome_share;
    Ok(Change::Parsed(
        Box::new(report),
        fingerprint,
        extracted.describe(),
        chrome_share,
    ))
}

/// The key that stands for a report (its path relative to the corpus) in the index.
pub fn report_key(file: &str) -> u64 {
    fnv1a(FNV_OFFSET, file.as_bytes())
}

/// One document per section.
fn documents(
    f: &Fields,
    report: &Report,
    fingerprint: u64,
    sketch: &ReportSketch,
) -> Vec<TantivyDocument> {
    let report_key = report_key(&report.meta.file);
    let region: Vec<&str> = [
        &report.meta.province,
        &report.meta.city,
        &report.meta.county,
        &report.meta.town,
    ]
    .into_iter()
    .map_while(|p| p.as_deref())
    .collect();
    report
        .sections
        .iter()
        .enumerate()
        .map(|(i, section)| {
            let mut doc = TantivyDocument::default();
            doc.add_text(f.file, &report.meta.file);
            let optional = [
                (f.title, &report.meta.title),
                (f.town, &report.meta.town),
                (f.county, &report.meta.county),
                (f.city, &report.meta.city),
                (f.province, &report.meta.province),
                (f.issuer, &report.meta.issuer),
                (f.published, &report.meta.published),
            ];
            for (field, value) in optional {
                if let Some(v) = value {
                    doc.add_text(field, v);
                }
            }
            if !region.is_empty() {
                doc.add_facet(f.region, Facet::from_path(region.iter().copied()));
            }
            doc.add_text(f.level, report.meta.level.as_str());
            if let Some(year) = report.meta.year {
                doc.add_u64(f.year, year);
            }
            doc.add_text(f.section_type, section.section_type.as_str());
            doc.add_text(
                f.headings,
                serde_json::to_string(&section.headings).unwrap_or_else(|_| "[]".into()),
            );
            doc.add_u64(f.line, section.line as u64);
            doc.add_text(f.text, &section.text);
            let normalized = normalize(&section.text);
            // Matched on what a reader sees as the section (its inline points too), ranked on
            // its own words.
            doc.add_text(f.text_bigrams, normalize(section.visible()));
            doc.add_text(f.text_words, &normalized);
            doc.add_u64(f.report_key, report_key);
            // The section's own text, as a hit holds it: its copies are looked up from that.
            for key in crate::copies::passage_bands(&section.text)
                .into_iter()
                .flatten()
            {
                doc.add_u64(f.copy_bands, key);
            }
            // Once per report: the column then holds one value per report, not per section.
            if i == 0 {
                doc.add_u64(f.fingerprint, fingerprint);
                for word in sketch.to_words() {
                    doc.add_u64(f.copy_sketch, word);
                }
                // What cleaning dropped, for reading the report as it was read: only a report
                // that dropped something pays for it.
                if let Some(json) = report
                    .as_read
                    .as_ref()
                    .and_then(|a| serde_json::to_string(a).ok())
                {
                    doc.add_text(f.as_read, json);
                }
            }
            doc
        })
        .collect()
}

/// The indexed files and their fingerprints, read from the index's fast fields.
fn manifest(handle: &IndexHandle) -> Result<HashMap<String, u64>> {
    let mut out = HashMap::new();
    scan(handle, |row| {
        if let Some(fingerprint) = row.fingerprint {
            out.insert(row.file.to_string(), fingerprint);
        }
    })?;
    Ok(out)
}

/// What the index holds, per report; the files of `not_counted` are left out of the reports,
/// towns and years (they are another report's duplicates), not out of the sections.
fn totals(handle: &IndexHandle, not_counted: &HashSet<&str>) -> Result<Totals> {
    let mut reports: BTreeMap<String, (Option<String>, Option<u64>)> = BTreeMap::new();
    let mut sections = 0;
    scan(handle, |row| {
        sections += 1;
        if not_counted.contains(row.file) {
            return;
        }
        reports
            .entry(row.file.to_string())
            // Town and county together name a town (保安镇 is in six counties).
            .or_insert_with(|| {
                (
                    row.town
                        .map(|t| format!("{t}/{}", row.county.unwrap_or(""))),
                    row.year,
                )
            });
    })?;
    let mut t = Totals {
        reports: reports.len(),
        duplicate_files: not_counted.len(),
        sections,
        ..Totals::default()
    };
    let mut towns = HashSet::new();
    for (file, (town, year)) in reports {
        match town {
            Some(town) => {
                towns.insert(town);
            }
            None => t.without_town.push(file.clone()),
        }
        match year {
            Some(y) => *t.years.entry(y).or_default() += 1,
            None => t.without_year.push(file),
        }
    }
    t.towns = towns.len();
    Ok(t)
}

struct Row<'a> {
    file: &'a str,
    /// On the first section of each report only.
    fingerprint: Option<u64>,
    town: Option<&'a str>,
    county: Option<&'a str>,
    year: Option<u64>,
}

/// Every value of a string column, by ordinal, read in one pass over its dictionary.
fn column_values(column: Option<&tantivy::columnar::StrColumn>) -> Result<Vec<String>> {
    let mut values = Vec::new();
    if let Some(column) = column {
        let mut stream = column
            .dictionary()
            .stream()
            .map_err(tantivy::TantivyError::from)?;
        while stream.advance() {
            values.push(String::from_utf8_lossy(stream.key()).into_owned());
        }
    }
    Ok(values)
}

/// Calls `visit` for every live section document, from fast fields only.
fn scan(handle: &IndexHandle, mut visit: impl FnMut(&Row)) -> Result<()> {
    let reader = handle.index.reader()?;
    let searcher = reader.searcher();
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let Some(file) = fast.str("file")? else {
            continue;
        };
        let fingerprint = fast.u64("fingerprint")?;
        let year = fast.u64("year")?;
        let town = fast.str("town")?;
        let county = fast.str("county")?;
        let (files, towns, counties) = (
            column_values(Some(&file))?,
            column_values(town.as_ref())?,
            column_values(county.as_ref())?,
        );
        let ord = |column: &Option<tantivy::columnar::StrColumn>, doc| {
            column
                .as_ref()
                .and_then(|c| c.term_ords(doc).next())
                .map(|o| o as usize)
        };
        for doc in segment.doc_ids_alive() {
            let Some(name) = file
                .term_ords(doc)
                .next()
                .and_then(|o| files.get(o as usize))
            else {
                continue;
            };
            visit(&Row {
                file: name,
                fingerprint: fingerprint.first(doc),
                town: ord(&town, doc)
                    .and_then(|t| towns.get(t))
                    .map(String::as_str),
                county: ord(&county, doc)
                    .and_then(|c| counties.get(c))
                    .map(String::as_str),
                year: year.first(doc),
            });
        }
    }
    Ok(())
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// 64-bit FNV-1a, continuing from `seed`: a stable hash (std's hashers may change between
/// Rust releases, and these values are stored in the index).
pub fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(seed, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A hash of everything in `index_schema/` that changes how a file is parsed or indexed, so
/// that editing a rule re-indexes every file.
fn schema_data_hash() -> u64 {
    let data: [&[u8]; 7] = [
        include_bytes!("../../index_schema/fields.tsv"),
        include_bytes!("../../index_schema/section_types.tsv"),
        include_bytes!("../../index_schema/boilerplate.tsv"),
        include_bytes!("../../index_schema/dictionary.txt"),
        include_bytes!("../../index_schema/towns.tsv"),
        include_bytes!("../../index_schema/aliases.tsv"),
        include_bytes!("../../index_schema/levels.tsv"),
    ];
    let version = format!(
        "{}:{}",
        super::schema::SCHEMA_VERSION,
        env!("CARGO_PKG_VERSION")
    );
    data.iter()
        .fold(fnv1a(FNV_OFFSET, version.as_bytes()), |h, d| fnv1a(h, d))
}

/// A progress bar on standard error when it is a terminal, in `lang`; a hidden one otherwise.
pub fn progress_bar(quiet: bool, lang: Lang) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let template = format!(
        "{{spinner}} [{{bar:30}}] {}  {{wide_msg}}",
        lang.label("msg.progress")
    );
    let style = ProgressStyle::with_template(&template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_held_to_a_small_backlog_indexes_every_report_and_tantivy_frees_each_place() {
        let dir = tempfile::tempdir().expect("temp dir");
        let corpus = dir.path().join("corpus");
        crate::synth::generate(Path::new("corpus"), &corpus, 40, 7).expect("synthetic corpus");
        let config = IndexConfig {
            isolation: Isolation::InProcess,
            ..IndexConfig::new(corpus, dir.path().join("index"), 2)
        };
        let backlog = Backlog::new(2);
        let summary = update_with(&config, &ProgressBar::hidden(), &backlog, false)
            .expect("the run succeeds");
        assert_eq!((summary.added, summary.totals.reports), (40, 40));
        assert_eq!(backlog.queued(), 0, "every report's place was given back");
        assert_eq!(
            backlog.waited_out(),
            0,
            "places must be freed by tantivy dropping indexed documents, not by waits running out"
        );
    }
}
