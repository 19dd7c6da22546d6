//! The facet file: every facet's values numbered over the whole index, each report's facet
//! values, and each section's section facet, kept beside the index so that a search counts by
//! number and turns into text only the values it shows. The facets are the rows of
//! `index_schema/facets.tsv` ([`FacetKey`]).
//!
//! The invariant everything here rests on, kept by the writer ([`crate::index::writer`] adds a
//! report's sections as one batch, and merging keeps documents in order): **a report's sections
//! are adjacent in one segment**. So a segment's reports are a list of where each begins, and a
//! match's report is found by walking that list alongside the matches ([`SegmentReports`]).
//!
//! Global ordinals: each segment numbers a string field's values in its own sorted dictionary,
//! so counts kept by segment ordinal cannot be added across segments until they are mapped to
//! one numbering for the whole index (Lucene's `OrdinalMap`), built by merging the sorted
//! dictionaries; it keeps their byte order, which for UTF-8 is the order of the strings. A
//! number facet (the year) is numbered in numeric order.
//!
//! Building the maps reads every facet value of every segment (several ms at 20,000 reports,
//! as much as the rest of a one-query process), so the writer saves them at commit
//! ([`FacetMaps::save`]), stamped with the facet table and the segments they were made from; a
//! search uses the file only when the stamp matches, and builds the maps itself otherwise (a
//! stale, foreign or damaged file is never trusted).

use std::path::Path;

use tantivy::Directory;
use tantivy::columnar::{Column, ColumnIndex, StrColumn};
use tantivy::directory::{MmapDirectory, OwnedBytes};
use tantivy::{DocId, Searcher, SegmentOrdinal};

use super::schema::{FacetKey, Scope, Shape};
use crate::error::{Error, Result};

/// The saved maps, in the index's folder (tantivy leaves files it did not make alone).
pub const CACHE_FILE: &str = "facet-ordinals.bin";
/// The first bytes of the file, with its format's version.
const MAGIC: &[u8] = b"fazhi-search facet ordinals 6\n";

/// A missing value (a report with no county, say) in global ordinals.
pub(crate) const NONE: u32 = u32::MAX;

/// A document's value in a single-valued column. `Column::first` goes through the generic
/// multi-value path, a call into tantivy per read that is not inlined; reading a column where
/// every document has a value directly took a tenth off a search of a common term.
#[inline]
pub(crate) fn first(column: &Column<u64>, doc: DocId) -> Option<u64> {
    match &column.index {
        ColumnIndex::Full => Some(column.values.get_val(doc)),
        _ => column.first(doc),
    }
}

/// The index-wide numbering of every facet, the report table and the section facet's bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FacetMaps {
    /// Per facet, in the table's order.
    maps: Vec<OrdinalMap>,
    pub reports: ReportTable,
    pub doc_types: DocTypes,
}

impl FacetMaps {
    pub(crate) fn build(searcher: &Searcher) -> tantivy::Result<FacetMaps> {
        let maps = FacetKey::all()
            .map(|f| match f.spec().shape {
                Shape::Number => OrdinalMap::build_numbers(searcher, &f.spec().field),
                _ => OrdinalMap::build(searcher, &f.spec().field),
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        let reports = ReportTable::build(searcher, &maps)?;
        let doc_types = match FacetKey::of_sections() {
            Some(f) => DocTypes::build(searcher, f, &maps[f.index()])?,
            None => DocTypes(Vec::new()),
        };
        Ok(FacetMaps {
            maps,
            reports,
            doc_types,
        })
    }

    /// A facet's values.
    pub(crate) fn map(&self, facet: FacetKey) -> &OrdinalMap {
        &self.maps[facet.index()]
    }

    /// The value of report facet `facet` in row `row` of the report table, as text ("" for none).
    pub(crate) fn label(&self, facet: FacetKey, row: u32) -> &str {
        match self.reports.ordinal(row, facet) {
            Some(g) if g != NONE => self.map(facet).label(g),
            _ => "",
        }
    }

    /// The maps saved in `index`, when they were made from `searcher`'s segments; else built.
    /// The file is used where it lies, mapped into memory like the index's own files, not
    /// copied: a one-query process touches a few of its pages, and a copy of all of it (several
    /// hundred page faults on fresh memory) cost more than the query's counting.
    pub(crate) fn load_or_build(index: &Path, searcher: &Searcher) -> tantivy::Result<FacetMaps> {
        // tantivy's own directory wants its footer on every file; the plain one maps any file.
        let saved = MmapDirectory::open(index)
            .ok()
            .and_then(|dir| dir.open_read(Path::new(CACHE_FILE)).ok())
            .and_then(|file| file.read_bytes().ok());
        match saved.and_then(|bytes| FacetMaps::decode(bytes, &stamp(searcher))) {
            Some(maps) => Ok(maps),
            None => FacetMaps::build(searcher),
        }
    }

    /// Saves the maps of `searcher`'s segments in `index` (written aside, then renamed, so a
    /// reader sees the old file or the new one), unless the file already holds them. The
    /// writer calls this at every commit.
    pub fn save(index: &Path, searcher: &Searcher) -> Result<()> {
        let path = index.join(CACHE_FILE);
        let stamp = stamp(searcher);
        let current = std::fs::read(&path)
            .ok()
            .is_some_and(|bytes| FacetMaps::decode(OwnedBytes::new(bytes), &stamp).is_some());
        if current {
            return Ok(());
        }
        let bytes = FacetMaps::build(searcher)?.encode(&stamp);
        let aside = index.join(format!("{CACHE_FILE}.tmp"));
        let write = |path: &Path, result: std::io::Result<()>| {
            result.map_err(|source| Error::Write {
                path: path.to_path_buf(),
                source,
            })
        };
        write(&aside, std::fs::write(&aside, bytes))?;
        write(&path, std::fs::rename(&aside, &path))
    }

    fn encode(&self, stamp: &str) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        put_bytes(&mut out, stamp.as_bytes());
        for map in &self.maps {
            put_bytes(&mut out, &map.text);
            put_u32s(&mut out, &map.starts);
            put_u32(&mut out, map.segments.len() as u32);
            for ords in &map.segments {
                put_u32s(&mut out, ords);
            }
        }
        let table = &self.reports;
        put_u32s(&mut out, &table.rows);
        put_u32(&mut out, table.segments.len() as u32);
        for entries in &table.segments {
            put_u32s(&mut out, entries);
        }
        put_u32(&mut out, self.doc_types.0.len() as u32);
        for types in &self.doc_types.0 {
            put_bytes(&mut out, types);
        }
        let checksum = crc32fast::hash(&out);
        put_u32(&mut out, checksum);
        out
    }

    /// The maps in `bytes` if they are whole (checksum), consistent and made from the segments
    /// `stamp` names; None for anything else. The maps keep views of `bytes`, not copies.
    fn decode(bytes: OwnedBytes, stamp: &str) -> Option<FacetMaps> {
        let (body, checksum) = bytes.as_slice().split_last_chunk::<4>()?;
        if crc32fast::hash(body) != u32::from_le_bytes(*checksum) {
            return None;
        }
        let mut input = Reader {
            bytes: bytes.slice(0..body.len()),
            at: 0,
        };
        if input.take(MAGIC.len())? != MAGIC || input.take_bytes()? != stamp.as_bytes() {
            return None;
        }
        let mut maps = Vec::new();
        for _ in FacetKey::all() {
            // Labels are checked as UTF-8 when shown, not here: the checksum already vouches
            // for the bytes, and most queries show a hundred labels of tens of thousands.
            let text = input.take_bytes()?;
            let starts = input.take_u32s()?;
            let count = starts.len() / 4;
            let sound = count > 0
                && u32_at(&starts, 0) == Some(0)
                && u32_at(&starts, count - 1).map(|e| e as usize) == Some(text.len())
                && u32s(&starts)
                    .zip(u32s(&starts).skip(1))
                    .all(|(a, b)| a <= b);
            if !sound {
                return None;
            }
            let values = count - 1;
            let segments = (0..input.take_u32()?)
                .map(|_| input.take_u32s())
                .collect::<Option<Vec<_>>>()?;
            if segments
                .iter()
                .flat_map(|ords| u32s(ords))
                .any(|g| g as usize >= values)
            {
                return None;
            }
            maps.push(OrdinalMap {
                text,
                starts,
                segments,
            });
        }
        // The report table's shape is checked here; its values are read with bounds checks
        // (an out-of-range value counts as unknown), so a wrong one cannot panic.
        let rows = input.take_u32s()?;
        let segments = (0..input.take_u32()?)
            .map(|_| input.take_u32s())
            .collect::<Option<Vec<_>>>()?;
        // Section types are bytes; one out of range counts as none.
        let doc_types = (0..input.take_u32()?)
            .map(|_| input.take_bytes())
            .collect::<Option<Vec<_>>>()?;
        let layout = Layout::of_table();
        let shaped = rows.len() % (4 * layout.width) == 0
            && doc_types.len() == segments.len() * usize::from(FacetKey::of_sections().is_some())
            && segments.iter().all(|e| e.len() % (4 * ENTRY) == 0);
        if !shaped || input.at != input.bytes.len() {
            return None;
        }
        Some(FacetMaps {
            maps,
            reports: ReportTable {
                layout,
                rows,
                segments,
            },
            doc_types: DocTypes(doc_types),
        })
    }
}

/// The facet table and the segments a map is made from, in order: their ids (a segment never changes; merging or
/// rewriting makes new ones).
fn stamp(searcher: &Searcher) -> String {
    let table = crc32fast::hash(format!("{:?}", FacetKey::specs()).as_bytes());
    let segments: Vec<String> = searcher
        .segment_readers()
        .iter()
        .map(|r| r.segment_id().uuid_string())
        .collect();
    format!("facets {table:08x}: {}", segments.join(","))
}

fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u32(out, bytes.len() as u32);
    out.extend_from_slice(bytes);
}

/// A list of little-endian u32s, already in bytes: its length, then the bytes.
fn put_u32s(out: &mut Vec<u8>, values: &[u8]) {
    put_u32(out, (values.len() / 4) as u32);
    out.extend_from_slice(values);
}

/// The u32s of a little-endian list.
fn u32s(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .as_chunks::<4>()
        .0
        .iter()
        .map(|c| u32::from_le_bytes(*c))
}

/// The `i`th u32 of a little-endian list.
fn u32_at(bytes: &[u8], i: usize) -> Option<u32> {
    bytes
        .as_chunks::<4>()
        .0
        .get(i)
        .map(|c| u32::from_le_bytes(*c))
}

fn le_bytes(values: &[u32]) -> OwnedBytes {
    OwnedBytes::new(
        values
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<u8>>(),
    )
}

/// Reads the saved file's parts as views of it.
struct Reader {
    bytes: OwnedBytes,
    at: usize,
}

impl Reader {
    fn take(&mut self, n: usize) -> Option<OwnedBytes> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())?;
        let part = self.bytes.slice(self.at..end);
        self.at = end;
        Some(part)
    }

    fn take_u32(&mut self) -> Option<u32> {
        u32_at(&self.take(4)?, 0)
    }

    fn take_bytes(&mut self) -> Option<OwnedBytes> {
        let n = self.take_u32()? as usize;
        self.take(n)
    }

    fn take_u32s(&mut self) -> Option<OwnedBytes> {
        let n = (self.take_u32()? as usize).checked_mul(4)?;
        self.take(n)
    }
}

/// One string fast field's values over the whole index, in sorted order. Kept as bytes, as
/// the saved file holds them (little-endian u32s), so that a loaded map is a view of the file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OrdinalMap {
    /// The values, one after another, in UTF-8; value `g` is `text[starts[g]..starts[g + 1]]`.
    text: OwnedBytes,
    /// u32s, one more than there are values.
    starts: OwnedBytes,
    /// Per segment, u32s: its ordinal → the global ordinal.
    segments: Vec<OwnedBytes>,
}

impl OrdinalMap {
    /// Merges the dictionaries of `field` in every segment of `searcher`.
    pub(crate) fn build(searcher: &Searcher, field: &str) -> tantivy::Result<OrdinalMap> {
        let columns: Vec<Option<StrColumn>> = searcher
            .segment_readers()
            .iter()
            .map(|reader| reader.fast_fields().str(field))
            .collect::<tantivy::Result<_>>()?;
        let mut streams = Vec::with_capacity(columns.len());
        for column in &columns {
            streams.push(match column {
                Some(c) => {
                    let mut stream = c.dictionary().stream()?;
                    let live = stream.advance();
                    Some(stream).filter(|_| live)
                }
                None => None,
            });
        }
        let mut text = Vec::new();
        let mut starts = vec![0u32];
        let mut segments: Vec<Vec<u32>> = columns
            .iter()
            .map(|c| Vec::with_capacity(c.as_ref().map_or(0, |c| c.num_terms())))
            .collect();
        let mut same = Vec::with_capacity(streams.len());
        loop {
            // The stream with the smallest value not yet numbered, and every stream holding it.
            let mut least: Option<&[u8]> = None;
            for key in streams.iter().flatten().map(|s| s.key()) {
                if least.is_none_or(|l| key < l) {
                    least = Some(key);
                }
            }
            let Some(least) = least else { break };
            same.clear();
            same.extend(
                streams
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.as_ref().is_some_and(|s| s.key() == least))
                    .map(|(i, _)| i),
            );
            match std::str::from_utf8(least) {
                Ok(value) => text.extend_from_slice(value.as_bytes()),
                Err(_) => text.extend_from_slice(String::from_utf8_lossy(least).as_bytes()),
            }
            let global = starts.len() as u32 - 1;
            starts.push(text.len() as u32);
            for &i in &same {
                segments[i].push(global);
                if streams[i].as_mut().is_some_and(|s| !s.advance()) {
                    streams[i] = None;
                }
            }
        }
        Ok(OrdinalMap {
            text: OwnedBytes::new(text),
            starts: le_bytes(&starts),
            segments: segments.iter().map(|ords| le_bytes(ords)).collect(),
        })
    }

    /// Numbers `field`'s values, a number field's, in numeric order. A number's global ordinal
    /// is found by [`OrdinalMap::number`]; the map has no per-segment ordinals.
    pub(crate) fn build_numbers(searcher: &Searcher, field: &str) -> tantivy::Result<OrdinalMap> {
        let mut values = Vec::new();
        for reader in searcher.segment_readers() {
            if let Some(column) = reader.fast_fields().column_opt::<u64>(field)? {
                values.extend((0..reader.max_doc()).filter_map(|doc| first(&column, doc)));
            }
        }
        values.sort_unstable();
        values.dedup();
        let mut text = String::new();
        let mut starts = vec![0u32];
        for v in values {
            text.push_str(&v.to_string());
            starts.push(text.len() as u32);
        }
        Ok(OrdinalMap {
            text: OwnedBytes::new(text.into_bytes()),
            starts: le_bytes(&starts),
            segments: Vec::new(),
        })
    }

    /// The global ordinal of a number in a map of [`OrdinalMap::build_numbers`].
    fn number(&self, value: u64) -> Option<u32> {
        let (mut low, mut high) = (0u32, self.len() as u32);
        while low < high {
            let mid = low + (high - low) / 2;
            match self.label(mid).parse::<u64>().ok()?.cmp(&value) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    /// The number of distinct values in the index.
    pub(crate) fn len(&self) -> usize {
        (self.starts.len() / 4).saturating_sub(1)
    }

    /// Where value `g` lies in `text`.
    fn span(&self, g: u32) -> Option<(usize, usize)> {
        let g = g as usize;
        let from = u32_at(&self.starts, g)? as usize;
        let to = u32_at(&self.starts, g.checked_add(1)?)? as usize;
        Some((from, to))
    }

    /// The global ordinal of a segment's ordinal.
    pub(crate) fn global(&self, segment: SegmentOrdinal, ord: u64) -> Option<u32> {
        let ords = self.segments.get(segment as usize)?;
        u32_at(ords, usize::try_from(ord).ok()?)
    }

    /// True when a global ordinal has a value that is not empty (a cheaper test than
    /// [`OrdinalMap::label`], which checks the value's UTF-8). Values are distinct and sorted,
    /// so only the first can be empty: no other value's bounds are read.
    pub(crate) fn has_label(&self, global: u32) -> bool {
        (global as usize) < self.len() && (global > 0 || self.span(0).is_some_and(|(f, t)| f < t))
    }

    /// [`OrdinalMap::has_label`] for many ordinals, with what it reads read once.
    pub(crate) fn labelled(&self) -> Labelled {
        Labelled {
            len: self.len(),
            first: self.has_label(0),
        }
    }

    /// The value of a global ordinal ("" for none).
    pub(crate) fn label(&self, global: u32) -> &str {
        self.span(global)
            .and_then(|(from, to)| self.text.get(from..to))
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or("")
    }
}

/// Which global ordinals of one map have a value that is not empty ([`OrdinalMap::labelled`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Labelled {
    len: usize,
    first: bool,
}

impl Labelled {
    /// The same as [`OrdinalMap::has_label`].
    pub(crate) fn has(self, global: u32) -> bool {
        (global as usize) < self.len && (global > 0 || self.first)
    }
}

/// u32s per report in a segment's entries: its first document and its row.
const ENTRY: usize = 2;

/// Where each report facet's value lies in a row of the [`ReportTable`]: the report facets'
/// global ordinals, the facet with parents (the town) and its parents first, so that sorted
/// rows of one town in one county and province are adjacent; then, for each facet with
/// parents, the number of the first row with its value and its parents' (its group).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    /// The report facets, in the order their ordinals lie in a row.
    columns: Vec<FacetKey>,
    /// The facets with parents, in the order their groups follow the ordinals.
    nested: Vec<FacetKey>,
    width: usize,
}

impl Layout {
    fn of_table() -> Layout {
        let nested: Vec<FacetKey> = FacetKey::all()
            .filter(|f| f.spec().scope == Scope::Report && !f.parents().is_empty())
            .collect();
        let mut columns: Vec<FacetKey> = Vec::new();
        let parents = nested
            .iter()
            .flat_map(|&f| std::iter::once(f).chain(f.parents().to_vec()));
        let report = FacetKey::all().filter(|f| f.spec().scope == Scope::Report);
        for f in parents.chain(report) {
            if !columns.contains(&f) {
                columns.push(f);
            }
        }
        let width = (columns.len() + nested.len()).max(1);
        Layout {
            columns,
            nested,
            width,
        }
    }

    /// Where facet `f`'s counted value lies in a row: its group when it has parents, else its
    /// ordinal.
    fn counted_at(&self, f: FacetKey) -> Option<usize> {
        match self.nested.iter().position(|&n| n == f) {
            Some(k) => Some(self.columns.len() + k),
            None => self.columns.iter().position(|&c| c == f),
        }
    }
}

/// Each distinct combination of a report's facet values (a row: see [`Layout`]), and each
/// segment's reports in document order: where each begins and its row. A match is counted by
/// its report's row, reading no column; rows are numbered over the whole index.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ReportTable {
    layout: Layout,
    /// u32s, `layout.width` per row, rows in sorted order, kept a column after another: the
    /// first column of every row, then the second, and so on.
    rows: OwnedBytes,
    /// Per segment, u32s, [`ENTRY`] per report: first document, row.
    segments: Vec<OwnedBytes>,
}

impl ReportTable {
    /// Reads every segment's report keys and report facet values; `maps` are every facet's,
    /// of the same segments.
    fn build(searcher: &Searcher, maps: &[OrdinalMap]) -> tantivy::Result<ReportTable> {
        let layout = Layout::of_table();
        let mut segments: Vec<Vec<(DocId, Vec<u32>)>> = Vec::new();
        for (segment, reader) in searcher.segment_readers().iter().enumerate() {
            let fast = reader.fast_fields();
            /// Where a report facet's value is read from.
            enum Source {
                Ords(Option<Column<u64>>),
                Number(Option<Column<u64>>),
            }
            let sources = layout
                .columns
                .iter()
                .map(|f| {
                    let field = f.spec().field.as_str();
                    Ok(match f.spec().shape {
                        Shape::Number => Source::Number(fast.column_opt::<u64>(field)?),
                        _ => Source::Ords(fast.str(field)?.map(|c: StrColumn| c.ords().clone())),
                    })
                })
                .collect::<tantivy::Result<Vec<_>>>()?;
            let key = fast.column_opt::<u64>("report_key")?;
            let mut reports = Vec::new();
            let mut last_key = None;
            for doc in 0..reader.max_doc() {
                let k = key.as_ref().and_then(|c| first(c, doc));
                if doc > 0 && k == last_key {
                    continue;
                }
                last_key = k;
                let row: Vec<u32> = layout
                    .columns
                    .iter()
                    .zip(&sources)
                    .map(|(f, source)| {
                        let map = &maps[f.index()];
                        match source {
                            Source::Ords(c) => c
                                .as_ref()
                                .and_then(|c| first(c, doc))
                                .and_then(|ord| map.global(segment as SegmentOrdinal, ord)),
                            Source::Number(c) => c
                                .as_ref()
                                .and_then(|c| first(c, doc))
                                .and_then(|v| map.number(v)),
                        }
                        .unwrap_or(NONE)
                    })
                    .collect();
                reports.push((doc, row));
            }
            segments.push(reports);
        }
        let mut rows: Vec<&Vec<u32>> = segments.iter().flatten().map(|(_, row)| row).collect();
        rows.sort_unstable();
        rows.dedup();
        // A nested facet's group: the first row with its value and its parents' (the columns
        // before the next facet's), or none where it has no value.
        let mut groups: Vec<Vec<u32>> = vec![Vec::with_capacity(rows.len()); layout.nested.len()];
        for (k, f) in layout.nested.iter().enumerate() {
            let at = layout
                .columns
                .iter()
                .position(|c| c == f)
                .unwrap_or_default();
            let span = at..at + 1 + f.parents().len();
            for (r, row) in rows.iter().enumerate() {
                let group = match (row[at], r.checked_sub(1).map(|p| &rows[p])) {
                    (NONE, _) => NONE,
                    (_, Some(prev)) if prev[span.clone()] == row[span.clone()] => groups[k][r - 1],
                    _ => r as u32,
                };
                groups[k].push(group);
            }
        }
        let entries = |reports: &Vec<(DocId, Vec<u32>)>| -> Vec<u32> {
            let mut out = Vec::with_capacity(reports.len() * ENTRY);
            for (start, row) in reports {
                let r = rows.binary_search(&row).unwrap_or_default() as u32;
                out.extend([*start, r]);
            }
            out
        };
        let entries: Vec<OwnedBytes> = segments.iter().map(|r| le_bytes(&entries(r))).collect();
        let mut flat = Vec::with_capacity(rows.len() * layout.width);
        for c in 0..layout.columns.len() {
            flat.extend(rows.iter().map(|row| row[c]));
        }
        for group in &groups {
            flat.extend_from_slice(group);
        }
        flat.resize(rows.len() * layout.width, NONE);
        Ok(ReportTable {
            layout,
            rows: le_bytes(&flat),
            segments: entries,
        })
    }

    /// The number of rows.
    pub(crate) fn rows(&self) -> usize {
        self.rows.len() / (4 * self.layout.width)
    }

    /// The global ordinal of report facet `facet` in row `row` (None for a facet that is not
    /// per report, or a row out of range).
    pub(crate) fn ordinal(&self, row: u32, facet: FacetKey) -> Option<u32> {
        self.at(row, self.column(facet)?)
    }

    /// Where report facet `facet`'s ordinal lies in a row.
    pub(crate) fn column(&self, facet: FacetKey) -> Option<usize> {
        self.layout.columns.iter().position(|&c| c == facet)
    }

    /// The u32 at `column` of row `row`.
    pub(crate) fn at(&self, row: u32, column: usize) -> Option<u32> {
        let rows = self.rows();
        let row = row as usize;
        if row >= rows {
            return None;
        }
        u32_at(&self.rows, column.checked_mul(rows)?.checked_add(row)?)
    }

    /// The u32s at `column` of every row, in row order.
    pub(crate) fn column_of_rows(&self, column: usize) -> &[[u8; 4]] {
        let rows = self.rows();
        let all = self.rows.as_slice().as_chunks::<4>().0;
        column
            .checked_mul(rows)
            .and_then(|from| all.get(from..from.checked_add(rows)?))
            .unwrap_or_default()
    }

    /// Adds the sections counted by row into the counts of report facet `facet`, by the value
    /// each row counts under (its global ordinal; for a facet with parents, its group: a row
    /// number); `counts` is sized by [`ReportTable::values`], and a facet not per report adds
    /// nothing. The table is kept a column after another, so this is one pass along two
    /// arrays; or, given `counted` (the rows of `by_row` with a count, in order), a pass along
    /// them.
    pub(crate) fn add_rows_of(
        &self,
        facet: FacetKey,
        by_row: &[u32],
        counted: Option<&[u32]>,
        counts: &mut [u32],
    ) {
        let Some(at) = self.layout.counted_at(facet) else {
            return;
        };
        let values = self.column_of_rows(at);
        let mut add = |n: u32, value: &[u8; 4]| {
            if let Some(count) = counts.get_mut(u32::from_le_bytes(*value) as usize) {
                *count += n;
            }
        };
        match counted {
            None => by_row
                .iter()
                .zip(values)
                .for_each(|(&n, value)| add(n, value)),
            Some(rows) => {
                for &row in rows {
                    if let (Some(&n), Some(value)) =
                        (by_row.get(row as usize), values.get(row as usize))
                    {
                        add(n, value);
                    }
                }
            }
        }
    }

    /// The value report facet `facet` counts row `row` under (see [`ReportTable::add_rows_of`]).
    pub(crate) fn counted(&self, row: u32, facet: FacetKey) -> Option<u32> {
        self.at(row, self.layout.counted_at(facet)?)
    }

    /// How many values a facet counts under: its map's, or the rows for a facet with parents.
    pub(crate) fn values(&self, facet: FacetKey, maps: &FacetMaps) -> usize {
        if self.layout.nested.contains(&facet) {
            self.rows()
        } else {
            maps.map(facet).len()
        }
    }

    /// The row of the report that document `doc` of `segment` belongs to (None for a document
    /// the table does not cover).
    pub(crate) fn report(&self, segment: SegmentOrdinal, doc: DocId) -> Option<u32> {
        let reports = self.segment(segment);
        reports.find(doc, 0).and_then(|r| reports.row(r))
    }

    /// A segment's reports.
    pub(crate) fn segment(&self, segment: SegmentOrdinal) -> SegmentReports {
        SegmentReports(
            self.segments
                .get(segment as usize)
                .cloned()
                .unwrap_or_else(OwnedBytes::empty),
        )
    }
}

/// Every document's value of the section facet (the section type), a byte each per segment:
/// its global ordinal, or [`NO_TYPE`]. Counting the matches by section type then reads a byte
/// per match where the column took a call into tantivy's bit unpacking for each. The section
/// facet is a vocabulary ([`crate::index::schema::parse_facets`]): an index with more values
/// than a byte numbers is not ours, and is refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct DocTypes(Vec<OwnedBytes>);

/// A document without a section type, in [`DocTypes`].
pub(crate) const NO_TYPE: u8 = u8::MAX;

impl DocTypes {
    fn build(searcher: &Searcher, facet: FacetKey, map: &OrdinalMap) -> tantivy::Result<DocTypes> {
        let readers = searcher.segment_readers();
        if map.len() >= usize::from(NO_TYPE) {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "{} has {} values; the facet file numbers a section facet's values in a byte",
                facet.spec().field,
                map.len()
            )));
        }
        let mut segments = Vec::with_capacity(readers.len());
        for (segment, reader) in readers.iter().enumerate() {
            let column = reader
                .fast_fields()
                .str(&facet.spec().field)?
                .map(|c| c.ords().clone());
            let types: Vec<u8> = (0..reader.max_doc())
                .map(|doc| {
                    column
                        .as_ref()
                        .and_then(|c| first(c, doc))
                        .and_then(|ord| map.global(segment as SegmentOrdinal, ord))
                        .and_then(|g| u8::try_from(g).ok())
                        .unwrap_or(NO_TYPE)
                })
                .collect();
            segments.push(OwnedBytes::new(types));
        }
        Ok(DocTypes(segments))
    }

    /// A segment's section types (none for a document past their end).
    pub(crate) fn segment(&self, segment: SegmentOrdinal) -> OwnedBytes {
        self.0
            .get(segment as usize)
            .cloned()
            .unwrap_or_else(OwnedBytes::empty)
    }
}

/// One segment's reports, as [`ReportTable`] lists them.
pub(crate) struct SegmentReports(OwnedBytes);

impl SegmentReports {
    fn entries(&self) -> &[[u8; 4 * ENTRY]] {
        self.0.as_slice().as_chunks().0
    }

    /// The first document of report `r`.
    pub(crate) fn start(&self, r: usize) -> Option<DocId> {
        self.entries().get(r).map(|e| u32_at(e, 0).unwrap_or(NONE))
    }

    /// The row of report `r` in [`ReportTable`].
    pub(crate) fn row(&self, r: usize) -> Option<u32> {
        u32_at(self.entries().get(r)?, 1)
    }

    /// The number of reports.
    pub(crate) fn len(&self) -> usize {
        self.entries().len()
    }

    /// Every report's documents and row, in order: `(first, end, row)` with `end` the next
    /// report's first document (`max_doc` for the last one).
    pub(crate) fn spans(&self, max_doc: DocId) -> impl Iterator<Item = (DocId, DocId, u32)> {
        let entries = self.entries();
        let field = |e: &[u8; 4 * ENTRY], i: usize| u32_at(e, i).unwrap_or(NONE);
        let ends = entries
            .iter()
            .skip(1)
            .map(move |e| field(e, 0))
            .chain(std::iter::once(max_doc));
        entries
            .iter()
            .zip(ends)
            .map(move |(e, end)| (field(e, 0), end, field(e, 1)))
    }

    /// The report that `doc` belongs to, the last at or after `from` that begins at or before
    /// it: looked for in steps that double, since the next match is most often in the next
    /// report or one soon after.
    pub(crate) fn find(&self, doc: DocId, from: usize) -> Option<usize> {
        let entries = self.entries();
        let begins = |r: usize| entries.get(r).and_then(|e| u32_at(e, 0));
        if begins(from)? > doc {
            return None;
        }
        // begins(low) <= doc; the report sought is in low..high.
        let (mut low, mut step) = (from, 1);
        let high = loop {
            match from.checked_add(step).filter(|&r| r < entries.len()) {
                Some(r) if begins(r)? <= doc => {
                    low = r;
                    step *= 2;
                }
                Some(r) => break r,
                None => break entries.len(),
            }
        };
        let after = entries[low..high].partition_point(|e| u32_at(e, 0).is_some_and(|s| s <= doc));
        Some(low + after.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::{FAST, STRING, Schema};
    use tantivy::{Index, IndexWriter, doc};

    /// Three segments with overlapping, disjoint and empty dictionaries.
    #[test]
    fn segments_share_one_sorted_numbering() {
        let mut builder = Schema::builder();
        let town = builder.add_text_field("town", STRING | FAST);
        let other = builder.add_u64_field("n", FAST);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let segments: [&[&str]; 3] = [
            &["保安镇", "城关镇", "安乐乡"],
            &["城关镇", "东风街道"],
            &[],
        ];
        for values in segments {
            for v in values {
                writer.add_document(doc!(town => *v)).unwrap();
            }
            writer.add_document(doc!(other => 1u64)).unwrap();
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        let map = OrdinalMap::build(&searcher, "town").unwrap();
        let mut all: Vec<&str> = segments.iter().flat_map(|s| s.iter().copied()).collect();
        all.sort();
        all.dedup();
        let labels: Vec<&str> = (0..map.len() as u32).map(|g| map.label(g)).collect();
        assert_eq!(labels, all, "one numbering, in string order");
        for (ordinal, reader) in searcher.segment_readers().iter().enumerate() {
            let Some(column) = reader.fast_fields().str("town").unwrap() else {
                continue;
            };
            for local in 0..column.num_terms() as u64 {
                let mut text = String::new();
                column.ord_to_str(local, &mut text).unwrap();
                let global = map.global(ordinal as u32, local).unwrap();
                assert_eq!(map.label(global), text, "segment {ordinal} ordinal {local}");
            }
        }
        assert_eq!(map.global(9, 0), None, "an unknown segment maps nowhere");
    }

    #[test]
    fn a_document_is_found_in_the_report_that_begins_at_or_before_it() {
        // Reports beginning at documents 0, 3, 4, 10, 11, 30.
        let starts = [0u32, 3, 4, 10, 11, 30];
        let entries: Vec<u32> = starts.iter().flat_map(|&s| [s, 0]).collect();
        let reports = SegmentReports(le_bytes(&entries));
        // (document, searching from report, the report found)
        let rows = [
            (0, 0, Some(0)),
            (2, 0, Some(0)),
            (3, 0, Some(1)),
            (3, 1, Some(1)),
            (4, 1, Some(2)),
            (9, 0, Some(2)),
            (10, 2, Some(3)),
            (29, 0, Some(4)),
            (29, 4, Some(4)),
            (30, 0, Some(5)),
            (1_000, 0, Some(5)),
            (1_000, 5, Some(5)),
            (2, 1, None),
            (5, 6, None),
        ];
        for (doc, from, expected) in rows {
            assert_eq!(
                reports.find(doc, from),
                expected,
                "document {doc} from {from}"
            );
        }
        assert_eq!(reports.start(5), Some(30));
        assert_eq!(reports.start(6), None);
        assert_eq!(SegmentReports(OwnedBytes::empty()).find(0, 0), None);
    }

    #[test]
    fn only_an_empty_value_has_no_label() {
        // (the values in the index, the global ordinals with a label)
        let rows: [(&[&str], &[u32]); 3] = [
            (&["城关镇", "保安镇"], &[0, 1]),
            (&["城关镇", "", "保安镇"], &[1, 2]),
            (&[""], &[]),
        ];
        for (values, labelled) in rows {
            let (_dir, index) = index_with_towns(&[values]);
            let map = OrdinalMap::build(&index.reader().unwrap().searcher(), "town").unwrap();
            let got: Vec<u32> = (0..map.len() as u32 + 2)
                .filter(|&g| map.has_label(g))
                .collect();
            assert_eq!(got, labelled, "{values:?}");
            for g in 0..map.len() as u32 {
                assert_eq!(map.has_label(g), !map.label(g).is_empty(), "{values:?} {g}");
            }
        }
    }

    fn index_with_towns(batches: &[&[&str]]) -> (tempfile::TempDir, Index) {
        let dir = tempfile::TempDir::new().unwrap();
        let mut builder = Schema::builder();
        for facet in FacetKey::all() {
            match facet.spec().shape {
                Shape::Number => builder.add_u64_field(&facet.spec().field, FAST),
                _ => builder.add_text_field(&facet.spec().field, STRING | FAST),
            };
        }
        let index = Index::create_in_dir(dir.path(), builder.build()).unwrap();
        add_towns(&index, batches);
        (dir, index)
    }

    fn add_towns(index: &Index, batches: &[&[&str]]) {
        let town = index.schema().get_field("town").unwrap();
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for batch in batches {
            for v in *batch {
                writer.add_document(doc!(town => *v)).unwrap();
            }
            writer.commit().unwrap();
        }
    }

    #[test]
    fn section_types_are_a_byte_per_document_and_too_many_are_refused() {
        // (distinct section types, bytes kept)
        for (types, kept) in [(3, true), (254, true), (255, false), (300, false)] {
            let dir = tempfile::TempDir::new().unwrap();
            let mut builder = Schema::builder();
            let field = builder.add_text_field("section_type", STRING | FAST);
            let index = Index::create_in_dir(dir.path(), builder.build()).unwrap();
            let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
            let values: Vec<String> = (0..types).map(|t| format!("type{t:03}")).collect();
            for v in values.iter().rev() {
                writer.add_document(doc!(field => v.as_str())).unwrap();
            }
            writer.add_document(doc!()).unwrap();
            writer.commit().unwrap();
            let searcher = index.reader().unwrap().searcher();
            let maps = FacetMaps::build(&searcher);
            assert_eq!(maps.is_ok(), kept, "{types} types");
            let Ok(maps) = maps else { continue };
            let expected: Vec<u8> = (0..types as u8).rev().chain([NO_TYPE]).collect();
            assert_eq!(
                maps.doc_types.segment(0).as_slice(),
                expected,
                "{types} types"
            );
            assert!(maps.doc_types.segment(1).is_empty(), "no segment 1");
        }
    }

    #[test]
    fn saved_maps_are_used_only_for_the_segments_they_were_made_from() {
        let (dir, index) = index_with_towns(&[&["保安镇", "城关镇"], &["东风街道", "城关镇"]]);
        let searcher = index.reader().unwrap().searcher();
        FacetMaps::save(dir.path(), &searcher).unwrap();
        let bytes = OwnedBytes::new(std::fs::read(dir.path().join(CACHE_FILE)).unwrap());
        let built = FacetMaps::build(&searcher).unwrap();
        assert_eq!(
            FacetMaps::decode(bytes.clone(), &stamp(&searcher)),
            Some(FacetMaps::build(&searcher).unwrap()),
            "the file holds what building gives"
        );
        assert_eq!(
            FacetMaps::load_or_build(dir.path(), &searcher).unwrap(),
            built
        );

        // A new segment, and the file not rewritten: it is stale, and not used.
        add_towns(&index, &[&["安乐乡"]]);
        let newer = index.reader().unwrap().searcher();
        assert_eq!(FacetMaps::decode(bytes, &stamp(&newer)), None, "stale");
        let loaded = FacetMaps::load_or_build(dir.path(), &newer).unwrap();
        assert_eq!(loaded, FacetMaps::build(&newer).unwrap());
        let town = FacetKey::named("town").expect("a town facet");
        assert_eq!(
            loaded.map(town).len(),
            4,
            "the new segment's town is numbered"
        );
    }

    #[test]
    fn a_damaged_file_is_never_trusted() {
        let (dir, index) = index_with_towns(&[&["保安镇", "城关镇"], &["东风街道"]]);
        let searcher = index.reader().unwrap().searcher();
        let stamp = stamp(&searcher);
        let bytes = FacetMaps::build(&searcher).unwrap().encode(&stamp);
        for cut in 0..bytes.len() {
            assert_eq!(
                FacetMaps::decode(OwnedBytes::new(bytes[..cut].to_vec()), &stamp),
                None,
                "cut at {cut}"
            );
        }
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x20;
            assert_eq!(
                FacetMaps::decode(OwnedBytes::new(damaged), &stamp),
                None,
                "byte {at} flipped"
            );
        }
        std::fs::write(dir.path().join(CACHE_FILE), b"not a map").unwrap();
        let index = Index::open_in_dir(dir.path()).unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(
            FacetMaps::load_or_build(dir.path(), &searcher).unwrap(),
            FacetMaps::build(&searcher).unwrap(),
            "built again"
        );
    }
}
