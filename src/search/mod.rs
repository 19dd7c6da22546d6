//! Search: a parsed [`Query`] and [`Filters`] become one tantivy query; every match is tallied
//! (facets over all matches, not just the page), ranked by BM25 over jieba words with
//! deterministic ties, and the page's sections are read back as [`Hit`]s.
//!
//! Matching never depends on word segmentation: a term matches as a phrase of the character
//! grams that cover it on `text_bigrams` (pairs, and three characters after a common pair; a
//! one-character term: any pair that starts with it), which finds exactly the sections whose
//! normalised text contains it.
//! The jieba words inside the term only add to the score.

pub mod codebook;
pub mod collapse;
pub mod collector;
pub mod copied;
pub mod copies;
mod filters;
pub mod panel;
pub mod query;
mod report;
pub mod stats;
mod steady;

use std::cell::OnceCell;
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery,
    Query as TantivyQuery, RegexQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::document::{
    DeserializeError, DocumentDeserialize, DocumentDeserializer, ValueDeserialize,
    ValueDeserializer,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::store::StoreReader;
use tantivy::{DocAddress, DocId, IndexReader, ReloadPolicy, Searcher, SegmentReader, Term};

use crate::error::{Error, Result};
use crate::heading::point_ordinal_at;
pub use crate::index::copies::CopyCount;
use crate::index::facets::{FacetMaps, NONE};
pub use crate::index::schema::FacetKey;
use crate::index::schema::Order;
use crate::index::tokenizer::covering_grams;
use crate::index::{IndexHandle, check};
use crate::normalize::normalize;
use crate::report::ReportMeta;
use crate::sections::{MAX_SHOWN_BYTES, MAX_SHOWN_POINTS};
pub use codebook::{Codebook, Concept};
use collector::{Match, Tally, TallyCollector};
pub use filters::{FacetFilter, Filters, did_you_mean, parse_range};
pub use panel::{Measure, Panel, PanelRequest};
pub use query::{Query, parse};
pub use report::{DroppedSpan, IndexedReport, IndexedSection};
pub use stats::{Dimension, StatsRow, StatsTable};
use steady::SteadySeek;

/// What to search for.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: Query,
    pub filters: Filters,
    /// The number of hits to read back; None for all.
    pub limit: Option<usize>,
    /// The number of values listed per facet, the largest counts first; None for all of them.
    pub facet_limit: Option<usize>,
}

/// Values listed per facet unless asked otherwise: the largest counts, enough to choose from
/// (a common term is in thousands of towns; `stats --by town` lists every one).
pub const DEFAULT_FACET_LIMIT: usize = 100;

/// What to count: one or more queries (compared side by side), grouped by one or two
/// dimensions, under the same filters.
#[derive(Debug, Clone)]
pub struct StatsRequest {
    /// Each query as written, and parsed.
    pub queries: Vec<(String, Query)>,
    pub filters: Filters,
    pub by: Vec<Dimension>,
}

/// One matching section, with everything needed to cite it.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    #[serde(flatten)]
    pub meta: ReportMeta,
    pub section_type: String,
    pub headings: Vec<String>,
    pub line: u64,
    /// The section's place among the sections that start on its line, from 1, when several
    /// do (`crate::sections::nth_on_lines`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nth_on_line: Option<u64>,
    /// The section's full text.
    pub text: String,
    pub score: f32,
    /// The other files that hold the same report (its group of duplicates, the canonical
    /// report first when this is a copy).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_saved_as: Vec<String>,
    /// In how many other reports and towns the section's text appears nearly verbatim, when
    /// asked for ([`Engine::count_copies`]) and the section is long enough to tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copies: Option<CopyCount>,
    /// When the search collapses near-copies ([`Engine::collapse_copies`]): every matching
    /// section this hit stands for, itself first, then the others in rank order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub collapsed: Vec<collapse::Member>,
}

/// A facet value and the number of matching sections that have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    pub value: String,
    pub count: usize,
    /// For a facet with parents (towns): the parents' values that tell same-named values apart
    /// (the county and province), those that are known.
    pub parents: Vec<(FacetKey, String)>,
}

impl FacetCount {
    /// The value of the parent facet named `name`, if known.
    pub fn parent(&self, name: &str) -> Option<&str> {
        self.parents
            .iter()
            .find(|(f, _)| f.name() == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Serialize for FacetCount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(2 + self.parents.len()))?;
        map.serialize_entry("value", &self.value)?;
        map.serialize_entry("count", &self.count)?;
        for (facet, value) in &self.parents {
            map.serialize_entry(facet.name(), value)?;
        }
        map.end()
    }
}

/// Something kept per facet, in the table's order; JSON: an object keyed by facet name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerFacet<T>(Vec<(FacetKey, T)>);

impl<T> PerFacet<T> {
    /// The entry of the facet named `name`, if the table has it.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0
            .iter()
            .find(|(f, _)| f.name() == name)
            .map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (FacetKey, &T)> {
        self.0.iter().map(|(f, v)| (*f, v))
    }
}

impl<T> std::ops::Index<&str> for PerFacet<T> {
    type Output = T;

    fn index(&self, name: &str) -> &T {
        self.get(name)
            .unwrap_or_else(|| panic!("no facet {name:?} in index_schema/facets.tsv"))
    }
}

impl<T: Serialize> Serialize for PerFacet<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(f, v)| (f.name(), v)))
    }
}

/// Facet counts over all matching sections: for each facet, the values with the largest
/// counts (at most the request's `facet_limit`), ties in value order; a facet ordered by value
/// (years) in value order.
pub type Facets = PerFacet<Vec<FacetCount>>;

/// How many distinct values each facet has among all matches (the lists in [`Facets`] may
/// show fewer).
pub type FacetSizes = PerFacet<usize>;

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone)]
pub struct SearchResults {
    pub total_sections: usize,
    pub total_reports: usize,
    pub facets: Facets,
    pub facet_sizes: FacetSizes,
    /// The ranked hits, at most `limit` of them.
    pub hits: Vec<Hit>,
}

/// Hits read back per piece of work on a search thread, and the first page of a search.
const HIT_RUN: usize = 256;

/// Hits a whole search ([`Engine::search`]) reads from the document store at once.
const HIT_WINDOW: usize = 16_384;

/// The ranked matches a search holds at a time, by default ([`Engine::hold_matches`]): 20 MiB
/// of them, counted over the index's segments, each of which keeps its best until they are
/// merged (at 100,000 reports, eight segments keeping 262,144 each held 84 MB). A search with
/// more finds the next ones when it has handed these out, by running its query again
/// ([`collector::NextMatches`]), so that an export's memory does not grow with its number of
/// hits. Each query costs: `法治 --all` at 100,000 reports (1,190,537 matches, eight segments)
/// took 30% longer in chunks of a quarter of this, 37 queries; at 20,000 reports its 238,043
/// matches are one chunk.
const MATCH_CHUNK: usize = 524_288;

/// A search whose matches are counted and ranked, and whose hits are still in the document
/// store: they are read a window at a time, in rank order ([`Ranked::next_window`]), so that an
/// export of every match holds one window of them, never all. Made by [`Engine::rank`], read
/// with the same engine.
pub struct Ranked {
    pub total_sections: usize,
    pub total_reports: usize,
    pub facets: Facets,
    pub facet_sizes: FacetSizes,
    /// The hits of a search of a page or less, read with the facets.
    first: Option<Vec<Hit>>,
    /// The ranked matches whose hits are still to be read, or the first of them.
    matches: std::vec::IntoIter<Match>,
    /// The matches ranked after `matches`, not yet found.
    rest: Option<Rest>,
    /// Hits read from the document store so far.
    read: usize,
    len: usize,
    searcher: Searcher,
    maps: Arc<FacetMaps>,
    under: SubSections,
    /// Whether each hit counts its copies ([`Hit::copies`]), and how.
    copies: CopyCounts,
    /// How near-copies are being collapsed, when they are ([`Hit::collapsed`]).
    collapse: Option<collapse::Collapse>,
}

/// A place among a search's matches ([`Ranked::bookmark`]).
#[derive(Debug, Clone, Copy)]
pub struct Bookmark {
    /// Hits handed out before it.
    read: usize,
    /// The last of them.
    last: Option<Match>,
}

/// The matches a [`Ranked`] search has still to find, after those it holds: found again by its
/// query, a chunk at a time, each ranked after the last match handed out.
struct Rest {
    query: Box<dyn tantivy::query::Query>,
    /// How many matches are still to be found.
    left: usize,
    /// The last match handed out.
    last: Option<Match>,
    /// How many to find at a time.
    chunk: usize,
}

impl Ranked {
    /// The number of hits the search gives (at most its `limit`); for a collapsed search, the
    /// most it can give (its groups are found as they are read).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether each hit counts its copies ([`Hit::copies`]): an export then has their columns.
    pub fn counts_copies(&self) -> bool {
        !matches!(self.copies, CopyCounts::Off)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many hits have been read from the document store so far: a window ahead of what
    /// has been handed out at most.
    pub fn hits_read(&self) -> usize {
        self.read
    }

    /// The largest window the search reads without finding more matches first: the matches
    /// it holds, or when it holds none, as many as it holds at once
    /// ([`Engine::hold_matches`]).
    pub fn next_batch(&self) -> usize {
        match (self.matches.len(), &self.rest) {
            (0, Some(rest)) => rest.chunk,
            (held, _) => held.max(1),
        }
    }

    /// Where the search is among its matches now: what [`Ranked::rewind`] comes back to.
    pub fn bookmark(&self) -> Bookmark {
        // Before the first page is handed out the search has nothing to come back to: its
        // last match is the page's, which would be skipped.
        let page_unread = self.first.as_ref().is_some_and(|page| !page.is_empty());
        Bookmark {
            read: self.read,
            last: self
                .rest
                .as_ref()
                .and_then(|rest| rest.last)
                .filter(|_| !page_unread),
        }
    }

    /// Goes back to `to`: the hits after it are given again, the matches the search held
    /// since dropped and found again by its query when asked. For an export that read a
    /// batch it could not keep (its rows found no room on disk). False, changing nothing,
    /// when the search cannot: a collapsed one, or one that had handed nothing out at `to`
    /// (or only its first page, read with the facets).
    pub fn rewind(&mut self, to: Bookmark) -> bool {
        let (Some(rest), Some(last)) = (&mut self.rest, to.last) else {
            return false;
        };
        if to.read > self.read {
            return false;
        }
        rest.left = self.len.saturating_sub(to.read);
        rest.last = Some(last);
        self.matches = Vec::new().into_iter();
        self.read = to.read;
        true
    }

    /// The next hits in rank order, at most `window` of them (the first call gives the first
    /// page, read with the facets), each made into a `T` by `make` on the search thread that
    /// read it; None once every hit has been given.
    pub fn next_window<T: Send>(
        &mut self,
        engine: &Engine,
        window: usize,
        make: impl Fn(Hit) -> T + Sync,
    ) -> Result<Option<Vec<T>>> {
        check::guard(&engine.handle.path, || {
            self.read_window(engine, window, make)
        })
    }

    fn read_window<T: Send>(
        &mut self,
        engine: &Engine,
        window: usize,
        make: impl Fn(Hit) -> T + Sync,
    ) -> Result<Option<Vec<T>>> {
        if self.collapse.is_some() {
            return self.read_collapsed(engine, window, &make);
        }
        // The first page is read with the facets, or not at all (a search of more hits).
        if let Some(first) = self.first.take()
            && !first.is_empty()
        {
            return Ok(Some(first.into_iter().map(make).collect()));
        }
        let window = window.max(1);
        self.find_more(window)?;
        let matches: Vec<Match> = self.matches.by_ref().take(window).collect();
        if matches.is_empty() {
            return Ok(None);
        }
        if let Some(rest) = &mut self.rest {
            rest.last = matches.last().copied();
        }
        self.read += matches.len();
        engine.read_in_store_order(self, &matches, &make).map(Some)
    }

    /// Makes sure `window` matches are held, or all that are left, by finding the next ones
    /// after those held.
    fn find_more(&mut self, window: usize) -> Result<()> {
        let Some(rest) = &mut self.rest else {
            return Ok(());
        };
        if self.matches.len() >= window || rest.left == 0 {
            return Ok(());
        }
        let held: Vec<Match> = self.matches.by_ref().collect();
        let Some(after) = held.last().or(rest.last.as_ref()).copied() else {
            // A search holds its first matches from the start: this is a bug, not an answer.
            return Err(tantivy::TantivyError::InternalError(
                "a search lost its place among its matches".into(),
            )
            .into());
        };
        let limit = rest
            .chunk
            .max(window)
            .saturating_sub(held.len())
            .min(rest.left);
        let next = self.searcher.search(
            &*rest.query,
            &collector::NextMatches {
                after,
                limit,
                maps: Arc::clone(&self.maps),
            },
        )?;
        // None left is an index that changed under the search, which a searcher rules out:
        // stop rather than ask again.
        rest.left = if next.is_empty() {
            0
        } else {
            rest.left.saturating_sub(next.len())
        };
        self.matches = held.into_iter().chain(next).collect::<Vec<_>>().into_iter();
        Ok(())
    }
}

/// How the hits an engine reads from the document store fall into its blocks (64 KiB of
/// sections, compressed together), which decides whether decompressed blocks are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitReads {
    /// Many hits, often sharing a block (a server over its life, every match in context, a
    /// large export): each segment keeps its last 100 blocks (tantivy's default).
    Dense,
    /// A page of hits read once, seldom two in one block (a one-query process): no block is
    /// kept, so each read decompresses into the memory the last one freed. Kept blocks cost
    /// fresh memory, a page fault per 4 KiB (about 2 µs apiece on the bench machine), for
    /// blocks never read again.
    Scattered,
}

/// The decompressed blocks each segment keeps for [`HitReads::Dense`].
const DENSE_BLOCKS: usize = 100;

/// A searcher over one index, as it was when opened.
pub struct Engine {
    handle: IndexHandle,
    reader: IndexReader,
    reads: HitReads,
    /// The search threads: one per core, each searching a segment or reading a run of hits.
    threads: usize,
    /// The facets' index-wide numbering, made by the first search that counts facets.
    facet_maps: OnceLock<Arc<FacetMaps>>,
    /// Each segment's columns of report metadata, opened when a hit first comes from it (the
    /// reader never reloads, so the segments stay the same). A one-query process opens only
    /// the segments its page of hits comes from, on the threads that read the hits.
    hit_columns: Vec<OnceLock<SegmentColumns>>,
    /// Whether each hit counts its copies in other reports ([`Engine::count_copies`]).
    copy_counts: bool,
    /// Whether near-copies among the hits become one hit ([`Engine::collapse_copies`]).
    collapse: bool,
    /// The ranked matches a search holds at a time ([`Engine::hold_matches`]).
    match_chunk: usize,
}

impl Engine {
    /// Opens the index at `path` for searching, keeping decompressed blocks for hits that share
    /// one ([`HitReads::Dense`]).
    pub fn open(path: &Path) -> Result<Engine> {
        Engine::open_for(path, HitReads::Dense)
    }

    /// Opens the index at `path` for searches whose hits fall into blocks as `reads` says.
    /// A damaged index is refused ([`crate::index::check`]).
    pub fn open_for(path: &Path, reads: HitReads) -> Result<Engine> {
        check::guard(path, || Engine::open_unguarded(path, reads))
    }

    fn open_unguarded(path: &Path, reads: HitReads) -> Result<Engine> {
        let mut handle = IndexHandle::open(path)?;
        // Segments are searched in parallel, one per core: an index built with two writer
        // threads has two large segments, so one query keeps both cores busy.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores > 1 {
            handle.index.set_multithread_executor(cores)?;
        }
        let reader = handle
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(match reads {
                HitReads::Dense => DENSE_BLOCKS,
                HitReads::Scattered => 0,
            })
            .try_into()
            .map_err(|e: tantivy::TantivyError| Error::CorruptIndex {
                path: path.to_path_buf(),
                reason: crate::error::engine_detail(&e),
            })?;
        let segments = reader.searcher().segment_readers().len();
        Ok(Engine {
            handle,
            reader,
            reads,
            threads: cores,
            facet_maps: OnceLock::new(),
            hit_columns: (0..segments).map(|_| OnceLock::new()).collect(),
            copy_counts: false,
            collapse: false,
            match_chunk: MATCH_CHUNK,
        })
    }

    /// Makes every hit count where its text is copied ([`Hit::copies`]): the section's band
    /// keys looked up in the index, a cost per hit that grows with its copies.
    pub fn count_copies(&mut self, on: bool) {
        self.copy_counts = on;
    }

    /// Makes a search's near-copies one hit ([`Hit::collapsed`], [`collapse`]): its limit then
    /// counts collapsed hits, its totals and facets still count sections.
    pub fn collapse_copies(&mut self, on: bool) {
        self.collapse = on;
    }

    /// Makes a ranked search ([`Engine::rank`]) hold at most `n` of its matches at a time,
    /// counted over the index's segments (at least one a segment; 524,288 by default), finding
    /// the next ones by running its query again when it has handed them out. A collapsed search
    /// holds every match.
    pub fn hold_matches(&mut self, n: usize) {
        self.match_chunk = n.max(1);
    }

    /// The groups of duplicate reports the index records.
    pub fn duplicates(&self) -> &crate::index::copies::Duplicates {
        &self.handle.duplicates
    }

    /// The reports other than `own` (a path) holding a near-copy of `text`, with their paths;
    /// None when the text is too short to tell ([`crate::copies::MIN_PASSAGE_CHARS`]).
    pub fn copies_of(&self, text: &str, own: Option<&str>) -> Result<Option<CopyCount>> {
        check::guard(&self.handle.path, || {
            let searcher = self.reader.searcher();
            let maps = self.facet_maps(&searcher)?;
            self.copies_in(&searcher, &maps, text, own, (true, false))
        })
    }

    /// [`Engine::copies_of`] with the facet maps at hand, the paths only `with_files`, every
    /// file counted on its own when `every_file` (`--with-copies`: no group of duplicates is
    /// one report).
    fn copies_in(
        &self,
        searcher: &Searcher,
        maps: &FacetMaps,
        text: &str,
        own: Option<&str>,
        (with_files, every_file): (bool, bool),
    ) -> Result<Option<CopyCount>> {
        // A town is counted by its group in the report table: its name with its parents'.
        let town = FacetKey::named("town");
        let town_of = |segment, doc| {
            let row = maps.reports.report(segment, doc)?;
            town.and_then(|t| maps.reports.counted(row, t))
                .filter(|&g| g != crate::index::facets::NONE)
        };
        crate::index::copies::copies_of(
            searcher,
            &self.handle.fields,
            &self.handle.duplicates,
            text,
            own.map(crate::index::writer::report_key),
            &town_of,
            (with_files, every_file),
        )
    }

    fn facet_maps(&self, searcher: &Searcher) -> Result<Arc<FacetMaps>> {
        if let Some(maps) = self.facet_maps.get() {
            return Ok(Arc::clone(maps));
        }
        let maps = Arc::new(FacetMaps::load_or_build(&self.handle.path, searcher)?);
        Ok(Arc::clone(self.facet_maps.get_or_init(|| maps)))
    }

    /// The columns of report metadata of the segment `address` is in.
    fn hit_columns(&self, searcher: &Searcher, address: DocAddress) -> Result<&SegmentColumns> {
        let segment = address.segment_ord as usize;
        let (Some(once), Some(reader)) = (
            self.hit_columns.get(segment),
            searcher.segment_readers().get(segment),
        ) else {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "no segment {segment} in the index"
            ))
            .into());
        };
        if let Some(columns) = once.get() {
            return Ok(columns);
        }
        let columns = SegmentColumns::open(reader)?;
        Ok(once.get_or_init(|| columns))
    }

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Every filter value matches something in the index; else an error naming the value
    /// and the nearest values the index has.
    pub fn check_filters(&self, filters: &Filters) -> Result<()> {
        if filters.is_empty() {
            return Ok(());
        }
        let searcher = self.reader.searcher();
        let maps = self.facet_maps(&searcher)?;
        filters::check(filters, &maps, &searcher, self.handle.fields.region)
    }

    /// Runs a search, for reading: a hit that is only a heading comes with the text of the
    /// sections under it ([`Engine::search_sections`] gives each section's own text).
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        check::guard(&self.handle.path, || {
            let asked = (self.copy_counts, self.collapse);
            self.search_with(request, SubSections::Shown, asked)
        })
    }

    /// [`Engine::search`] whose hits count their copies ([`Hit::copies`]) and whose
    /// near-copies are collapsed ([`Hit::collapsed`]) as asked, whatever the engine's settings:
    /// a server's engine is shared, and each request asks for itself.
    pub fn search_asked(
        &self,
        request: &SearchRequest,
        copies: bool,
        collapse: bool,
    ) -> Result<SearchResults> {
        check::guard(&self.handle.path, || {
            self.search_with(request, SubSections::Shown, (copies, collapse))
        })
    }

    /// [`Engine::rank`] whose hits count their copies whatever [`Engine::count_copies`] says
    /// (`/api/export?copies=true`).
    pub fn rank_counting_copies(&self, request: &SearchRequest) -> Result<Ranked> {
        check::guard(&self.handle.path, || {
            self.rank_with(request, SubSections::Shown, (true, false))
        })
    }

    /// Runs a search whose hits hold each section's own text and nothing more: for counting
    /// occurrences (a concordance), where a heading's sub-sections are hits of their own.
    pub fn search_sections(&self, request: &SearchRequest) -> Result<SearchResults> {
        check::guard(&self.handle.path, || {
            self.search_with(request, SubSections::Apart, (self.copy_counts, false))
        })
    }

    /// [`Engine::rank`] for a concordance: each section's own text and nothing more, as
    /// [`Engine::search_sections`] reads them, left in the document store to be read a window
    /// at a time.
    pub fn rank_sections(&self, request: &SearchRequest) -> Result<Ranked> {
        check::guard(&self.handle.path, || {
            self.rank_with(request, SubSections::Apart, (self.copy_counts, false))
        })
    }

    fn search_with(
        &self,
        request: &SearchRequest,
        under: SubSections,
        asked: (bool, bool),
    ) -> Result<SearchResults> {
        let mut ranked = self.rank_with(request, under, asked)?;
        let mut hits = Vec::with_capacity(ranked.len());
        while let Some(window) = ranked.read_window(self, HIT_WINDOW, |hit| hit)? {
            hits.extend(window);
        }
        Ok(SearchResults {
            total_sections: ranked.total_sections,
            total_reports: ranked.total_reports,
            facets: ranked.facets,
            facet_sizes: ranked.facet_sizes,
            hits,
        })
    }

    /// Runs a search, counting and ranking its matches, and leaves the hits in the document
    /// store to be read a window at a time ([`Ranked::next_window`]): an export of every match
    /// holds one window of it, never all of it. The hits are [`Engine::search`]'s, in its order.
    pub fn rank(&self, request: &SearchRequest) -> Result<Ranked> {
        check::guard(&self.handle.path, || {
            self.rank_with(
                request,
                SubSections::Shown,
                (self.copy_counts, self.collapse),
            )
        })
    }

    fn rank_with(
        &self,
        request: &SearchRequest,
        under: SubSections,
        (copies, collapse): (bool, bool),
    ) -> Result<Ranked> {
        self.check_filters(&request.filters)?;
        let copies = CopyCounts::of(copies, &request.filters);
        // A collapsed search ranks every match: its limit counts collapsed hits, and a group
        // takes in matches ranked below it.
        let limit = if collapse { None } else { request.limit };
        let query = self.build(&request.query, &request.filters)?;
        let searcher = self.reader.searcher();
        let maps = self.facet_maps(&searcher)?;
        // More matches than a chunk are held a chunk at a time, each segment keeping its best
        // `chunk` until they merge (not collapsed ones: a group takes in matches ranked anywhere
        // below it).
        let chunk = (self.match_chunk / searcher.segment_readers().len().max(1)).max(1);
        let held = match limit {
            Some(limit) if limit <= chunk => Some(limit),
            _ if collapse => None,
            _ => Some(chunk),
        };
        let tally = searcher.search(&*query, &TallyCollector::new(held, Arc::clone(&maps)))?;
        // The facets and the first page of hits are made on the search threads, which are idle
        // by now: the facets walk every counted place, and each hit decompresses its block of
        // the document store (64 KiB of LZ4).
        // Each facet is a part of its own, so that both threads count and list facets.
        enum Part<'a> {
            Facet(FacetKey),
            Hit(&'a Match),
        }
        enum Made {
            Facet(FacetKey, Vec<FacetCount>, usize),
            Hit(Box<Hit>),
        }
        // A search of more hits than a page reads them all in the store's order, a window at a
        // time: a page read first, in rank order, would decompress a block per hit again.
        let page = match limit {
            Some(limit) if limit <= HIT_RUN => tally.matches.len(),
            _ => 0,
        };
        let parts = FacetKey::all()
            .map(Part::Facet)
            .chain(tally.matches[..page].iter().map(Part::Hit));
        let made = self.handle.index.search_executor().map(
            |part| {
                Ok(match part {
                    Part::Facet(f) => {
                        let counts = tally.count(f, &maps);
                        let (list, size) = facet_list(f, &counts, &maps, request.facet_limit);
                        Ok(Made::Facet(f, list, size))
                    }
                    Part::Hit(m) => {
                        // Through the engine's block cache when it keeps blocks (a server's
                        // next query may share them); else a hit decompresses its block once,
                        // for it and the section after it (a point it leads), and keeps nothing.
                        let store = match self.reads {
                            HitReads::Dense => Store::Shared(&searcher),
                            HitReads::Scattered => Store::own(&searcher),
                        };
                        self.hit(&store, &maps, m, under, copies)
                            .map(|h| Made::Hit(Box::new(h)))
                    }
                })
            },
            parts,
        )?;
        let mut first = Vec::with_capacity(page);
        // The executor gives the parts back in order: the facets in the table's order.
        let (mut lists, mut sizes) = (Vec::new(), Vec::new());
        for made in made {
            match made? {
                Made::Facet(f, list, size) => {
                    lists.push((f, list));
                    sizes.push((f, size));
                }
                Made::Hit(hit) => first.push(*hit),
            }
        }
        if lists.len() != FacetKey::all().count() {
            return Err(
                tantivy::TantivyError::InternalError("the facets were not counted".into()).into(),
            );
        }
        let (facets, facet_sizes) = (PerFacet(lists), PerFacet(sizes));
        let mut matches = tally.matches;
        let collapse = collapse.then(|| collapse::Collapse::new(&matches, request.limit));
        let len = match (&collapse, request.limit) {
            // At most: the groups are known as they are read.
            (Some(_), Some(limit)) => limit.min(matches.len()),
            _ => limit.map_or(tally.total, |limit| limit.min(tally.total)),
        };
        // Kept even when every match is held: a search can go back to a match it handed out
        // and find the ones after it again ([`Ranked::rewind`]).
        let rest = collapse.is_none().then(|| Rest {
            left: len.saturating_sub(matches.len()),
            query,
            // The first page's last match, when the page is handed out already.
            last: page.checked_sub(1).and_then(|i| matches.get(i)).copied(),
            chunk,
        });
        matches.drain(..page);
        Ok(Ranked {
            total_sections: tally.total,
            total_reports: tally.reports,
            facets,
            facet_sizes,
            first: Some(first),
            read: page,
            len,
            matches: matches.into_iter(),
            rest,
            searcher,
            maps,
            under,
            copies,
            collapse,
        })
    }

    /// The hits of `matches` (in rank order) made into `T`s by `make`, in rank order. They are
    /// read from the document store in document order, in runs of [`HIT_RUN`] or more on the
    /// search threads: the hits of one block are read together and decompress it once (in
    /// rank order, a large export decompressed a 64 KiB block for nearly every hit).
    fn read_in_store_order<T: Send>(
        &self,
        ranked: &Ranked,
        matches: &[Match],
        make: &(impl Fn(Hit) -> T + Sync),
    ) -> Result<Vec<T>> {
        let mut order: Vec<(usize, &Match)> = matches.iter().enumerate().collect();
        order.sort_unstable_by_key(|(_, m)| (m.address.segment_ord, m.address.doc_id));
        // Runs of at least HIT_RUN hits, four for each search thread in a large window: each
        // run has readers of its own, so a block at the seam of two runs is decompressed twice.
        let runs = order.chunks(HIT_RUN.max(order.len().div_ceil(4 * self.threads)));
        let made = self.handle.index.search_executor().map(
            |run: &[(usize, &Match)]| {
                // In the store's order a report's hits come together: its metadata is read
                // once for them (a few look-ups in the fast columns' dictionaries each). The
                // run's blocks are decompressed once each, by readers of its own that keep
                // the last ones: the engine's cache is left to pages of hits.
                let mut last: Option<(u32, u64, ReportMeta)> = None;
                let store = Store::own(&ranked.searcher);
                let (searcher, maps) = (&ranked.searcher, &*ranked.maps);
                // The run's reports' texts, each column's dictionary read once, in order.
                let mut texts = self
                    .run_texts(searcher, run.iter().map(|(_, m)| *m))
                    .map_err(engine_error)?
                    .into_iter();
                run.iter()
                    .map(|&(rank, m)| {
                        let segment = m.address.segment_ord;
                        let meta = match &last {
                            Some((s, key, meta)) if *s == segment && *key == m.report_key => {
                                meta.clone()
                            }
                            _ => {
                                let meta = match texts.next() {
                                    Some(texts) => self.report_meta_of(maps, m.address, texts),
                                    None => self.report_meta(searcher, maps, m.address)?,
                                };
                                last = Some((segment, m.report_key, meta.clone()));
                                meta
                            }
                        };
                        let hit = self.hit_of_report(
                            &store,
                            maps,
                            m,
                            (ranked.under, ranked.copies),
                            meta,
                        )?;
                        Ok((rank, make(hit)))
                    })
                    .collect::<Result<Vec<(usize, T)>>>()
                    .map_err(engine_error)
            },
            runs,
        )?;
        let mut placed: Vec<Option<T>> = std::iter::repeat_with(|| None)
            .take(matches.len())
            .collect();
        for (rank, made) in made.into_iter().flatten() {
            placed[rank] = Some(made);
        }
        placed
            .into_iter()
            .map(|t| {
                t.ok_or_else(|| {
                    tantivy::TantivyError::InternalError("a hit was not read".into()).into()
                })
            })
            .collect()
    }

    /// The number of matching sections, and nothing else: no ranking, no facets, no stored
    /// fields — the least any search has to do (the benchmark's floor).
    pub fn count(&self, query: &Query, filters: &Filters) -> Result<usize> {
        check::guard(&self.handle.path, || self.count_unguarded(query, filters))
    }

    fn count_unguarded(&self, query: &Query, filters: &Filters) -> Result<usize> {
        let query = self.build(query, filters)?;
        Ok(self
            .reader
            .searcher()
            .search(&*query, &tantivy::collector::Count)?)
    }

    /// The keys ([`crate::index::writer::report_key`]) of the reports with a matching section.
    pub fn report_keys(&self, query: &Query, filters: &Filters) -> Result<HashSet<u64>> {
        check::guard(&self.handle.path, || {
            self.report_keys_unguarded(query, filters)
        })
    }

    fn report_keys_unguarded(&self, query: &Query, filters: &Filters) -> Result<HashSet<u64>> {
        let query = self.build(query, filters)?;
        let searcher = self.reader.searcher();
        let docs = searcher.search(&*query, &tantivy::collector::DocSetCollector)?;
        let columns = searcher
            .segment_readers()
            .iter()
            .map(|r| r.fast_fields().u64("report_key"))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(docs
            .into_iter()
            .filter_map(|a| columns[a.segment_ord as usize].first(a.doc_id))
            .collect())
    }

    /// Counts per group: matching reports and sections for each query, and the reports each
    /// group has under the filters (the denominator of the share).
    pub fn stats(&self, request: &StatsRequest) -> Result<StatsTable> {
        check::guard(&self.handle.path, || self.stats_unguarded(request))
    }

    fn stats_unguarded(&self, request: &StatsRequest) -> Result<StatsTable> {
        self.check_filters(&request.filters)?;
        let searcher = self.reader.searcher();
        let maps = self.facet_maps(&searcher)?;
        // The same collector and report table as a search's facet counts: one counting engine.
        let count = |query: &Query| -> Result<Tally> {
            let collector = TallyCollector::grouped(Arc::clone(&maps), &request.by);
            Ok(searcher.search(&*self.build(query, &request.filters)?, &collector)?)
        };
        let population = count(&Query::All)?;
        let matched = request
            .queries
            .iter()
            .map(|(text, query)| Ok((text.clone(), count(query)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(StatsTable::new(&request.by, &matched, &population, &maps))
    }

    /// The tantivy query for a parsed query with filters.
    fn build(&self, query: &Query, filters: &Filters) -> Result<Box<dyn TantivyQuery>> {
        let main = self.query(query)?;
        let copies = &self.handle.duplicates.groups;
        let uncounted = !filters.with_copies && !copies.is_empty();
        if filters.is_empty() && !uncounted {
            return Ok(main);
        }
        let mut clauses: Vec<(Occur, Box<dyn TantivyQuery>)> = vec![(Occur::Must, main)];
        let schema = self.handle.index.schema();
        clauses.extend(filters.clauses(&schema, self.handle.fields.region)?);
        if uncounted {
            // Each group of duplicate reports counts once, as its canonical report: the other
            // files' sections match nothing.
            let file = self.handle.fields.file;
            let terms = copies
                .iter()
                .flat_map(|g| &g.copies)
                .map(|c| Term::from_field_text(file, c));
            clauses.push((Occur::MustNot, Box::new(TermSetQuery::new(terms))));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    fn query(&self, query: &Query) -> Result<Box<dyn TantivyQuery>> {
        Ok(match query {
            Query::All => Box::new(AllQuery),
            Query::Text(text) => self.text_query(text)?,
            Query::Or(parts) => {
                let clauses = parts
                    .iter()
                    .map(|q| Ok((Occur::Should, self.query(q)?)))
                    .collect::<Result<Vec<_>>>()?;
                Box::new(BooleanQuery::new(clauses))
            }
            Query::And(parts) => {
                let mut clauses = Vec::with_capacity(parts.len() + 1);
                for part in parts {
                    match part {
                        Query::Not(inner) => clauses.push((Occur::MustNot, self.query(inner)?)),
                        other => clauses.push((Occur::Must, self.query(other)?)),
                    }
                }
                if clauses.iter().all(|(occur, _)| *occur == Occur::MustNot) {
                    clauses.push((
                        Occur::Must,
                        Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0)),
                    ));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Query::Not(inner) => Box::new(BooleanQuery::new(vec![
                (
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0))
                        as Box<dyn TantivyQuery>,
                ),
                (Occur::MustNot, self.query(inner)?),
            ])),
        })
    }

    /// Exact substring match on the character grams that cover the term, scored by the term's
    /// jieba words.
    fn text_query(&self, text: &str) -> Result<Box<dyn TantivyQuery>> {
        let normalized = normalize(text);
        let f = &self.handle.fields;
        let mut chars = normalized.chars();
        let exact: Box<dyn TantivyQuery> = match (chars.next(), chars.next()) {
            (None, _) => return Ok(Box::new(EmptyQuery)),
            (Some(c), None) => {
                // Every character of a text starts a pair (the last one with the end mark).
                let pattern = format!("(?s){}.", regex::escape(c.encode_utf8(&mut [0; 4])));
                let pairs = RegexQuery::from_pattern(&pattern, f.text_bigrams)
                    .map_err(|e| Error::Usage(format!("term {text:?}: {e}").into()))?;
                Box::new(pairs)
            }
            _ => {
                let grams: Vec<(usize, Term)> = covering_grams(&normalized)
                    .into_iter()
                    .map(|(offset, gram)| (offset, Term::from_field_text(f.text_bigrams, &gram)))
                    .collect();
                match grams.as_slice() {
                    [(_, only)] => {
                        Box::new(TermQuery::new(only.clone(), IndexRecordOption::WithFreqs))
                    }
                    _ => Box::new(SteadySeek(Box::new(PhraseQuery::new_with_offset(grams)))),
                }
            }
        };
        let searcher = self.reader.searcher();
        let words = ranking_words(&normalized, |word| {
            let term = Term::from_field_text(f.text_words, word);
            searcher.doc_freq(&term).is_ok_and(|n| n > 0)
        });
        if words.is_empty() {
            return Ok(exact);
        }
        let mut clauses: Vec<(Occur, Box<dyn TantivyQuery>)> =
            vec![(Occur::Must, Box::new(BoostQuery::new(exact, EXACT_BOOST)))];
        for word in words {
            let term = Term::from_field_text(f.text_words, &word);
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
            ));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// A hit: its report's place and year from the report table, its section type and line as
    /// the collector read them, its other metadata from the fast columns, its text and headings
    /// from the document store (the only fields stored per section).
    fn hit(
        &self,
        store: &Store,
        maps: &FacetMaps,
        m: &Match,
        under: SubSections,
        copies: CopyCounts,
    ) -> Result<Hit> {
        let meta = self.report_meta(store.searcher(), maps, m.address)?;
        self.hit_of_report(store, maps, m, (under, copies), meta)
    }

    /// A hit whose report's metadata is known (read for another hit of the same report),
    /// with the text under it as `under` says and its copies counted if `copies`.
    fn hit_of_report(
        &self,
        store: &Store,
        maps: &FacetMaps,
        m: &Match,
        (under, copies): (SubSections, CopyCounts),
        meta: ReportMeta,
    ) -> Result<Hit> {
        let searcher = store.searcher();
        let columns = self.hit_columns(searcher, m.address)?;
        let mut doc = store.doc(m.address)?;
        let f = &self.handle.fields;
        let headings: Vec<String> = serde_json::from_str(doc.get(f.headings)).unwrap_or_default();
        let mut text = doc.take(f.text);
        let copies = match copies {
            CopyCounts::Off => None,
            CopyCounts::ByReport | CopyCounts::ByFile => {
                let every_file = copies == CopyCounts::ByFile;
                self.copies_in(searcher, maps, &text, Some(&meta.file), (false, every_file))?
            }
        };
        let also_saved_as = self.handle.duplicates.also_saved_as(&meta.file);
        if under == SubSections::Shown {
            // A bare heading shows every section under it; a section a list of inline points
            // follows shows them (what it matched on, `Section::visible`).
            let points_only = !is_heading_only(&text, &headings);
            text = self.with_sub_sections(store, columns, m, &headings, text, points_only)?;
        }
        Ok(Hit {
            meta,
            section_type: FacetKey::of_sections()
                .zip(m.section_type)
                .map(|(f, g)| maps.map(f).label(g).to_string())
                .unwrap_or_default(),
            headings,
            line: m.line,
            nth_on_line: nth_on_line(searcher, columns, m),
            text,
            score: m.score,
            also_saved_as,
            copies,
            collapsed: Vec::new(),
        })
    }

    /// The metadata of the report a section is in: its place and year from the report table,
    /// the rest from the fast columns (the same for every section of the report).
    fn report_meta(
        &self,
        searcher: &Searcher,
        maps: &FacetMaps,
        address: DocAddress,
    ) -> Result<ReportMeta> {
        let columns = self.hit_columns(searcher, address)?;
        let doc_id = address.doc_id;
        let texts = ReportTexts {
            file: column_text(&columns.file, doc_id)?.unwrap_or_default(),
            title: column_text(&columns.title, doc_id)?,
            published: column_text(&columns.published, doc_id)?,
        };
        Ok(self.report_meta_of(maps, address, texts))
    }

    /// The texts of the reports of `hits` (in the store's order), in that order, one for each
    /// change of report: each column's dictionary is read once for all of them, along its
    /// sorted values, where a look-up per report decodes its dictionary block from the start
    /// (most of an export's reading of metadata). The same values as [`Engine::report_meta`].
    fn run_texts<'m>(
        &self,
        searcher: &Searcher,
        hits: impl Iterator<Item = &'m Match>,
    ) -> Result<Vec<ReportTexts>> {
        // The first hit of each report, by segment.
        let mut firsts: Vec<DocAddress> = Vec::new();
        let mut last: Option<(u32, u64)> = None;
        for m in hits {
            let report = (m.address.segment_ord, m.report_key);
            if last != Some(report) {
                firsts.push(m.address);
                last = Some(report);
            }
        }
        let mut out = Vec::with_capacity(firsts.len());
        for segment in firsts.chunk_by(|a, b| a.segment_ord == b.segment_ord) {
            let columns = self.hit_columns(searcher, segment[0])?;
            let docs: Vec<DocId> = segment.iter().map(|a| a.doc_id).collect();
            let files = column_texts(&columns.file, &docs)?;
            let titles = column_texts(&columns.title, &docs)?;
            let published = column_texts(&columns.published, &docs)?;
            out.extend(files.into_iter().zip(titles).zip(published).map(
                |((file, title), published)| ReportTexts {
                    file: file.unwrap_or_default(),
                    title,
                    published,
                },
            ));
        }
        Ok(out)
    }

    /// A report's metadata from its texts and its row of the report table.
    fn report_meta_of(
        &self,
        maps: &FacetMaps,
        address: DocAddress,
        texts: ReportTexts,
    ) -> ReportMeta {
        let doc_id = address.doc_id;
        // The report's facet values, from its row of the report table.
        let row = maps.reports.report(address.segment_ord, doc_id);
        let facet = |name: &str| -> Option<String> {
            Some(maps.label(FacetKey::named(name)?, row?))
                .filter(|l| !l.is_empty())
                .map(String::from)
        };
        ReportMeta {
            file: texts.file,
            title: texts.title,
            town: facet("town"),
            county: facet("county"),
            city: facet("city"),
            province: facet("province"),
            level: facet("level")
                .and_then(|l| l.parse().ok())
                .unwrap_or_default(),
            year: facet("year").and_then(|y| y.parse().ok()),
            issuer: facet("issuer"),
            published: texts.published,
        }
    }

    /// A section that is only its heading (`二、存在的不足及原因`, its points in the sections
    /// under it) reads as the heading followed by its sub-sections' text: a reader who finds
    /// the heading must see what it heads. A report's sections are adjacent in their segment,
    /// in reading order, so the sub-sections are the documents that follow it while their
    /// headings extend its own.
    fn with_sub_sections(
        &self,
        store: &Store,
        columns: &SegmentColumns,
        m: &Match,
        headings: &[String],
        mut text: String,
        points_only: bool,
    ) -> Result<String> {
        let segment = store.searcher().segment_reader(m.address.segment_ord);
        let keys = &columns.keys;
        let alive = segment.alive_bitset();
        let f = &self.handle.fields;
        let mut added = 0;
        for doc_id in m.address.doc_id + 1..segment.max_doc() {
            if alive.is_some_and(|a| a.is_deleted(doc_id)) {
                continue;
            }
            if keys.first(doc_id) != Some(m.report_key) {
                break;
            }
            let doc = store.doc(DocAddress::new(m.address.segment_ord, doc_id))?;
            let sub: Vec<String> = serde_json::from_str(doc.get(f.headings)).unwrap_or_default();
            if sub.len() <= headings.len() || !sub.starts_with(headings) {
                break;
            }
            if points_only
                && (sub.len() != headings.len() + 1
                    || point_ordinal_at(&sub[headings.len()], 0).is_none())
            {
                break;
            }
            text.push('\n');
            text.push_str(doc.get(f.text));
            added += 1;
            if added == MAX_SHOWN_POINTS || text.len() > MAX_SHOWN_BYTES {
                break;
            }
        }
        Ok(text)
    }
}

/// A hit's place among the sections of its report that start on its line, as
/// `crate::sections::nth_on_lines` numbers them: a report's sections are adjacent in their
/// segment, in reading order, so those are the documents next to it with its line.
fn nth_on_line(searcher: &Searcher, columns: &SegmentColumns, m: &Match) -> Option<u64> {
    let segment = searcher.segment_reader(m.address.segment_ord);
    let (keys, lines) = (&columns.keys, &columns.lines);
    let alive = segment.alive_bitset();
    let same = |doc: u32| {
        alive.is_none_or(|a| a.is_alive(doc))
            && keys.first(doc) == Some(m.report_key)
            && lines.first(doc) == Some(m.line)
    };
    let doc = m.address.doc_id;
    let before = (0..doc).rev().take_while(|&d| same(d)).count() as u64;
    let after = doc + 1 < segment.max_doc() && same(doc + 1);
    (before > 0 || after).then_some(before + 1)
}

/// Whether hits count their copies ([`Hit::copies`]), and how: each group of duplicate reports
/// as one report, or every file on its own when the search counts every file (`--with-copies`,
/// [`Filters::with_copies`]) — a hit's count and the search's totals count reports alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CopyCounts {
    Off,
    ByReport,
    ByFile,
}

impl CopyCounts {
    fn of(on: bool, filters: &Filters) -> CopyCounts {
        match (on, filters.with_copies) {
            (false, _) => CopyCounts::Off,
            (true, false) => CopyCounts::ByReport,
            (true, true) => CopyCounts::ByFile,
        }
    }
}

/// Whether a heading-only hit brings the text of the sections under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubSections {
    Shown,
    Apart,
}

/// Whether a section's text is nothing but its own heading (or nothing at all).
fn is_heading_only(text: &str, headings: &[String]) -> bool {
    let text = text.trim();
    match headings.last() {
        None => text.is_empty(),
        // A long heading is kept shortened, with "…"; its section then has text of its own.
        Some(heading) => text
            .strip_prefix(heading.trim())
            .is_some_and(|rest| rest.trim().is_empty()),
    }
}

/// The columns of one segment that a hit's report metadata is read from (its facet values
/// come from the report table, its section type and line from the collector), and those that
/// place a hit among its neighbours (its report's sections are adjacent).
struct SegmentColumns {
    file: Option<StrColumn>,
    title: Option<StrColumn>,
    published: Option<StrColumn>,
    keys: Column<u64>,
    lines: Column<u64>,
}

impl SegmentColumns {
    fn open(segment: &SegmentReader) -> Result<SegmentColumns> {
        let fast = segment.fast_fields();
        Ok(SegmentColumns {
            file: fast.str("file")?,
            title: fast.str("title")?,
            published: fast.str("published")?,
            keys: fast.u64("report_key")?,
            lines: fast.u64("line")?,
        })
    }
}

/// The stored fields of a section as the document store holds them, each moved out of the
/// store's bytes once: no document of every field built first, then copied from (a tenth of
/// an export's time went to reading sections). Every stored field is text (`fields.tsv`), so
/// a value of another kind is damage and is refused.
#[derive(Debug, Default)]
pub(crate) struct StoredSection(Vec<(Field, String)>);

impl StoredSection {
    /// The value of `field` ("" when the section has none), taken out.
    fn take(&mut self, field: Field) -> String {
        match self.0.iter().position(|(f, _)| *f == field) {
            Some(i) => self.0.swap_remove(i).1,
            None => String::new(),
        }
    }

    /// The value of `field` ("" when the section has none).
    fn get(&self, field: Field) -> &str {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// One stored value: text, as every stored field is.
struct StoredText(String);

impl ValueDeserialize for StoredText {
    fn deserialize<'de, D: ValueDeserializer<'de>>(value: D) -> Result<Self, DeserializeError> {
        value.deserialize_string().map(StoredText)
    }
}

impl DocumentDeserialize for StoredSection {
    fn deserialize<'de, D: DocumentDeserializer<'de>>(
        mut doc: D,
    ) -> Result<Self, DeserializeError> {
        let mut fields = Vec::with_capacity(doc.size_hint().min(4));
        while let Some((field, StoredText(value))) = doc.next_field()? {
            fields.push((field, value));
        }
        Ok(StoredSection(fields))
    }
}

/// Where a search thread reads stored sections from.
enum Store<'s> {
    /// The searcher's readers, which keep decompressed blocks as [`HitReads`] says.
    Shared(&'s Searcher),
    /// Readers of its own, one per segment as it is first read, each keeping the blocks it
    /// last decompressed ([`OWN_BLOCKS`]): a hit and the section after it (a point it leads)
    /// are nearly always in one block, and a run of hits in the store's order reads each block
    /// once. Its blocks are freed with it.
    Own(&'s Searcher, Vec<OnceCell<StoreReader>>),
}

/// The blocks a [`Store::Own`] keeps per segment: the one being read, and the one before (a
/// section's next may start the next block).
const OWN_BLOCKS: usize = 2;

impl<'s> Store<'s> {
    fn own(searcher: &'s Searcher) -> Store<'s> {
        let segments = searcher.segment_readers().len();
        Store::Own(searcher, (0..segments).map(|_| OnceCell::new()).collect())
    }

    fn searcher(&self) -> &'s Searcher {
        match self {
            Store::Shared(searcher) | Store::Own(searcher, _) => searcher,
        }
    }

    fn doc(&self, address: DocAddress) -> Result<StoredSection> {
        let Store::Own(searcher, readers) = self else {
            return Ok(self.searcher().doc(address)?);
        };
        let segment = address.segment_ord as usize;
        let (Some(once), Some(reader)) = (
            readers.get(segment),
            searcher.segment_readers().get(segment),
        ) else {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "no segment {segment} in the index"
            ))
            .into());
        };
        let store = match once.get() {
            Some(store) => store,
            None => {
                let opened = reader
                    .get_store_reader(OWN_BLOCKS)
                    .map_err(tantivy::TantivyError::from)?;
                once.get_or_init(|| opened)
            }
        };
        Ok(store.get(address.doc_id)?)
    }
}

/// An error of ours as the engine's, to cross the search executor.
fn engine_error(e: Error) -> tantivy::TantivyError {
    match e {
        Error::Engine(e) => e,
        other => tantivy::TantivyError::InternalError(other.to_string()),
    }
}

/// A report's texts kept in the fast columns rather than the report table.
struct ReportTexts {
    file: String,
    title: Option<String>,
    published: Option<String>,
}

/// [`column_text`] of each of `docs` (of one segment), the column's dictionary read once along
/// the sorted values wanted.
fn column_texts(column: &Option<StrColumn>, docs: &[DocId]) -> Result<Vec<Option<String>>> {
    let mut out: Vec<Option<String>> = vec![None; docs.len()];
    let Some(column) = column else {
        return Ok(out);
    };
    let mut wanted: Vec<(u64, usize)> = docs
        .iter()
        .enumerate()
        .filter_map(|(i, &doc)| Some((column.term_ords(doc).next()?, i)))
        .collect();
    wanted.sort_unstable();
    let ords: Vec<u64> = wanted.iter().map(|&(ord, _)| ord).collect();
    let mut places = wanted.iter().map(|&(_, i)| i);
    let mut valid = true;
    let all_found = column
        .dictionary()
        .sorted_ords_to_term_cb(&ords, |bytes| {
            let Some(i) = places.next() else { return };
            match std::str::from_utf8(bytes) {
                Ok(text) => out[i] = Some(text.to_string()),
                Err(_) => valid = false,
            }
        })
        .map_err(tantivy::TantivyError::from)?;
    if all_found && valid {
        return Ok(out);
    }
    // A value missing or not text (a damaged dictionary): each looked up alone, as one hit's
    // would be, for the same answer or the same error.
    docs.iter()
        .map(|&doc| column_text(&Some(column.clone()), doc))
        .collect()
}

/// A document's value in a string column, if it has one.
fn column_text(column: &Option<StrColumn>, doc: u32) -> Result<Option<String>> {
    let Some(column) = column else {
        return Ok(None);
    };
    let Some(ord) = column.term_ords(doc).next() else {
        return Ok(None);
    };
    let mut value = String::new();
    let found = column
        .ord_to_str(ord, &mut value)
        .map_err(tantivy::TantivyError::from)?;
    Ok(found.then_some(value))
}

/// The longest word looked up for ranking, in characters (行政机关负责人出庭应诉 is 11).
const MAX_WORD_CHARS: usize = 12;
/// How far into a term words are looked up for ranking, in characters.
const MAX_RANKED_CHARS: usize = 32;

/// The words of a term for BM25 ranking, found by segmenting it with the index's own
/// vocabulary, longest word first ("法律顾问团" → 法律顾问; "依法治" → 依法). Only words the index
/// holds are scored, so the query needs no word segmenter (opening an index to search it stays
/// fast), and each scored word costs a posting-list walk over the matches, so fewer, longer
/// words keep common terms fast.
fn ranking_words(term: &str, is_word: impl Fn(&str) -> bool) -> Vec<String> {
    let chars: Vec<char> = term.chars().take(MAX_RANKED_CHARS).collect();
    let mut words: Vec<String> = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let longest = (2..=MAX_WORD_CHARS.min(chars.len() - start))
            .rev()
            .find_map(|len| {
                let word: String = chars[start..start + len].iter().collect();
                (word.chars().any(char::is_alphanumeric) && is_word(&word)).then_some((word, len))
            });
        match longest {
            Some((word, len)) => {
                words.push(word);
                start += len;
            }
            None => start += 1,
        }
    }
    words.sort();
    words.dedup();
    words
}

/// How much the exact character phrase adds to a score, next to the BM25 of its jieba words:
/// enough to rank an exact match first when words tie, not enough to outweigh the words.
const EXACT_BOOST: f32 = 0.2;

/// A clause that restricts without scoring.
fn filter(q: impl TantivyQuery) -> Box<dyn TantivyQuery> {
    Box::new(ConstScoreQuery::new(Box::new(q), 0.0))
}

/// The listed values of facet `f` from its counts ([`Tally::count`]), and how many values it
/// has.
fn facet_list(
    f: FacetKey,
    counts: &[u32],
    maps: &FacetMaps,
    limit: Option<usize>,
) -> (Vec<FacetCount>, usize) {
    let parents = f.parents();
    let reports = &maps.reports;
    let of_parents: Vec<Option<usize>> = parents.iter().map(|&p| reports.column(p)).collect();
    // A value's global ordinal: the value itself, or for a facet with parents its row's
    // (read along the table's column of it: this runs for every value counted).
    let own = reports.column(f).map(|c| reports.column_of_rows(c));
    let ordinal = |v: u32| match parents {
        [] => Some(v),
        _ => own?.get(v as usize).map(|b| u32::from_le_bytes(*b)),
    };
    let map = maps.map(f);
    let labelled = map.labelled();
    // Largest count first, then by value: global ordinals are in value order, a parent's
    // after the value's own (a missing parent first), looked up only to break a tie.
    let nonzero = counts.iter().enumerate().filter_map(|(v, &n)| {
        if n == 0 {
            return None;
        }
        let g = ordinal(v as u32).filter(|&g| labelled.has(g))?;
        Some((v as u32, n, g))
    });
    let parent_key = |&(v, _, _): &(u32, u32, u32)| {
        let mut key = [0; 3];
        for (k, at) in key.iter_mut().zip(&of_parents) {
            *k = at
                .and_then(|at| reports.at(v, at))
                .unwrap_or(NONE)
                .wrapping_add(1);
        }
        key
    };
    let (kept, size) = top(
        nonzero,
        limit,
        |&(_, n, g)| (std::cmp::Reverse(n), g),
        parent_key,
    );
    let mut kept: Vec<(u32, u32)> = kept.into_iter().map(|(v, n, _)| (v, n)).collect();
    if f.spec().order == Order::Value {
        kept.sort_unstable_by_key(|&(v, _)| ordinal(v));
    }
    let list = kept
        .into_iter()
        .map(|(v, n)| FacetCount {
            value: ordinal(v).map_or("", |g| map.label(g)).to_string(),
            count: n as usize,
            parents: parents
                .iter()
                .map(|&p| (p, maps.label(p, v).to_string()))
                .filter(|(_, l)| !l.is_empty())
                .collect(),
        })
        .collect();
    (list, size)
}

/// The `limit` least items by `key`, then `tie` (all when None), sorted by them, and how many
/// items there were. The kept ones are a bounded heap: a facet of thousands of towns lists a
/// hundred, and an item its key alone ranks out is passed over without its `tie` made (a
/// town's parents are looked up only when its count and name tie with the last one kept).
fn top<T, K: Ord, L: Ord>(
    items: impl Iterator<Item = T>,
    limit: Option<usize>,
    key: impl Fn(&T) -> K,
    tie: impl Fn(&T) -> L,
) -> (Vec<T>, usize) {
    /// An item under its key and tie-breaker, ordered by them alone.
    struct Kept<K, L, T>(K, L, T);
    impl<K: Ord, L: Ord, T> Ord for Kept<K, L, T> {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            (&self.0, &self.1).cmp(&(&other.0, &other.1))
        }
    }
    impl<K: Ord, L: Ord, T> PartialOrd for Kept<K, L, T> {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl<K: Ord, L: Ord, T> PartialEq for Kept<K, L, T> {
        fn eq(&self, other: &Self) -> bool {
            self.cmp(other).is_eq()
        }
    }
    impl<K: Ord, L: Ord, T> Eq for Kept<K, L, T> {}

    let mut offered = 0;
    let Some(limit) = limit else {
        let mut all: Vec<Kept<K, L, T>> = items
            .map(|t| {
                offered += 1;
                Kept(key(&t), tie(&t), t)
            })
            .collect();
        all.sort_unstable();
        return (all.into_iter().map(|Kept(_, _, t)| t).collect(), offered);
    };
    // The worst kept item on top.
    let mut heap: std::collections::BinaryHeap<Kept<K, L, T>> =
        std::collections::BinaryHeap::with_capacity(limit + 1);
    for item in items {
        offered += 1;
        let k = key(&item);
        let l = match heap.peek() {
            _ if limit == 0 => continue,
            Some(worst) if heap.len() == limit => match k.cmp(&worst.0) {
                std::cmp::Ordering::Greater => continue,
                std::cmp::Ordering::Equal => {
                    let l = tie(&item);
                    if l >= worst.1 {
                        continue;
                    }
                    l
                }
                std::cmp::Ordering::Less => tie(&item),
            },
            _ => tie(&item),
        };
        if heap.len() == limit {
            heap.pop();
        }
        heap.push(Kept(k, l, item));
    }
    let kept = heap.into_sorted_vec();
    (kept.into_iter().map(|Kept(_, _, t)| t).collect(), offered)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A section's stored texts are read field by field, a field absent is "", and a stored
    /// value that is not text (which no index of ours holds) is an error, not a guess.
    #[test]
    fn stored_sections_read_their_texts_and_refuse_other_values() {
        use tantivy::schema::{STORED, Schema};
        use tantivy::{Index, TantivyDocument};
        let mut schema = Schema::builder();
        let (text, headings) = (
            schema.add_text_field("text", STORED),
            schema.add_text_field("h", STORED),
        );
        let number = schema.add_u64_field("n", STORED);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut with_text = TantivyDocument::default();
        with_text.add_text(text, "法律顾问审核合同");
        writer.add_document(with_text).unwrap();
        let mut with_number = TantivyDocument::default();
        with_number.add_text(headings, "[]");
        with_number.add_u64(number, 7);
        writer.add_document(with_number).unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let mut first: StoredSection = searcher.doc(DocAddress::new(0, 0)).unwrap();
        assert_eq!(first.get(headings), "");
        assert_eq!(first.take(text), "法律顾问审核合同");
        assert_eq!(first.take(text), "", "taken once");
        let second: tantivy::Result<StoredSection> = searcher.doc(DocAddress::new(0, 1));
        assert!(second.is_err(), "a stored number is refused");
    }

    #[test]
    fn ranking_words_segment_by_the_index_vocabulary() {
        let vocabulary = [
            "法律",
            "顾问",
            "法律顾问",
            "依法",
            "行政",
            "机关",
            "行政机关",
            "出庭应诉",
        ];
        let words = |term: &str| ranking_words(term, |w| vocabulary.contains(&w));
        let rows: [(&str, &[&str]); 5] = [
            ("法", &[]),
            ("依法治", &["依法"]),
            ("法律顾问团", &["法律顾问"]),
            ("行政机关负责人出庭应诉", &["出庭应诉", "行政机关"]),
            ("未知词语", &[]),
        ];
        for (term, expected) in rows {
            assert_eq!(words(term), expected, "ranking words of {term}");
        }
        let long = "法律".repeat(10_000);
        assert_eq!(
            ranking_words(&long, |w| vocabulary.contains(&w)),
            ["法律"],
            "a long term stays cheap"
        );
    }

    #[test]
    fn top_is_the_head_of_the_sorted_items() {
        // Many ties on the count, broken by the value.
        let items: Vec<(u32, u32)> = (0..500u32).map(|g| (g, g * 7_919 % 13)).collect();
        let key = |&(g, n): &(u32, u32)| (std::cmp::Reverse(n), g);
        let mut sorted = items.clone();
        sorted.sort_by_key(key);
        for limit in [
            None,
            Some(0),
            Some(1),
            Some(5),
            Some(39),
            Some(499),
            Some(500),
            Some(600),
        ] {
            let (got, count) = top(items.iter().copied(), limit, key, |_| ());
            let head: Vec<(u32, u32)> = sorted
                .iter()
                .copied()
                .take(limit.unwrap_or(usize::MAX))
                .collect();
            assert_eq!(got, head, "limit {limit:?}");
            assert_eq!(count, items.len(), "limit {limit:?}");
        }
        assert_eq!(
            top(std::iter::empty::<u32>(), Some(3), |&n| n, |_| ()),
            (vec![], 0)
        );
        // Ties on the key broken by the tie-breaker, made only for items the key cannot place.
        let items: Vec<(u32, u32)> = (0..300u32).map(|i| (i % 7, 1_000 - i)).collect();
        let made = std::cell::Cell::new(0);
        let tie = |&(_, t): &(u32, u32)| {
            made.set(made.get() + 1);
            t
        };
        for limit in [Some(1), Some(10), Some(50), None] {
            made.set(0);
            let (got, count) = top(items.iter().copied(), limit, |&(k, _)| k, tie);
            let mut sorted = items.clone();
            sorted.sort();
            sorted.truncate(limit.unwrap_or(usize::MAX));
            assert_eq!((got, count), (sorted, items.len()), "limit {limit:?}");
            if limit == Some(1) {
                assert!(
                    made.get() < items.len() / 2,
                    "{} tie-breakers made",
                    made.get()
                );
            }
        }
    }

    #[test]
    fn a_heading_only_section_is_recognised() {
        let headings = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let rows = [
            (
                "二、存在的不足及原因",
                headings(&["二、存在的不足及原因"]),
                true,
            ),
            (
                "  二、存在的不足及原因\n",
                headings(&["二、存在的不足及原因"]),
                true,
            ),
            ("", headings(&[]), true),
            (
                "二、存在的主要问题\n虽然我镇法治政府建设取得了一定成效",
                headings(&["二、存在的主要问题"]),
                false,
            ),
            (
                "一是干部对法治建设的重要性认识还不足、履责意识还不强",
                headings(&["一是干部对法治建设的重要性认识还不足、履责意识还…"]),
                false,
            ),
            ("前言的文字", headings(&[]), false),
        ];
        for (text, headings, expected) in rows {
            assert_eq!(is_heading_only(text, &headings), expected, "{text:?}");
        }
    }
}
