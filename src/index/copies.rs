//! Copies in the index: the groups of duplicate reports, read from every report's
//! `copy_sketch`, and a passage's copies in other reports, found by looking its band keys up in
//! the `copy_bands` postings (see [`crate::copies`] for the fingerprints).
//!
//! Nothing here is saved beside the index: the groups are worked out from the reports' sketches
//! whenever they are needed (one column read, a value a report), and a passage's copies are
//! postings of the index itself, which a run that adds, changes or removes reports brings up to
//! date with everything else (a deleted document is never counted). So the counts are right
//! after any incremental run.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use tantivy::columnar::StrColumn;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, Searcher, TERMINATED, Term};

use super::schema::Fields;
use super::writer::report_key;
use crate::copies::{self, Identity, ReportSketch};
use crate::error::Result;
use crate::lang::Lang;

/// Copies of one report: the report counted, and the other files that hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateGroup {
    /// The report counted for the group: the one with the richest metadata, then the shortest
    /// path, then the first path in byte order.
    pub canonical: String,
    /// The other files, in path order.
    pub copies: Vec<String>,
}

/// The most groups `fazhi-index`'s summary names one by one.
pub const MAX_LISTED_GROUPS: usize = 20;

/// A report as the groups are made from it.
#[derive(Debug, Clone)]
pub struct Sketched {
    pub file: String,
    /// How many of the report's metadata fields are known.
    pub richness: usize,
    pub sketch: ReportSketch,
    /// Its year and place: reports that differ in them are never one report.
    pub identity: Identity,
}

impl Sketched {
    /// A report about to be indexed, with its sketch.
    pub fn of(report: &crate::report::Report, sketch: ReportSketch) -> Sketched {
        let m = &report.meta;
        let known = [
            &m.title,
            &m.town,
            &m.county,
            &m.city,
            &m.province,
            &m.issuer,
            &m.published,
        ]
        .iter()
        .filter(|v| v.is_some())
        .count();
        Sketched {
            file: m.file.clone(),
            // The level is always known, as in the index's column.
            richness: known + 1 + usize::from(m.year.is_some()),
            sketch,
            identity: Identity::new(
                m.year,
                [
                    m.town.as_deref(),
                    m.county.as_deref(),
                    m.province.as_deref(),
                ],
            ),
        }
    }
}

// The places in [`META_COLUMNS`] of a report's town, county and province.
const TOWN: usize = 1;
const COUNTY: usize = 2;
const PROVINCE: usize = 4;

/// The report metadata columns counted for richness.
const META_COLUMNS: [&str; 8] = [
    "title",
    "town",
    "county",
    "city",
    "province",
    "issuer",
    "published",
    "level",
];

/// Every report of the index with its sketch, in path order.
pub fn reports(searcher: &Searcher) -> Result<Vec<Sketched>> {
    let mut out = Vec::new();
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let Some(file) = fast.str("file")? else {
            continue;
        };
        let Some(sketch) = fast.column_opt::<u64>("copy_sketch")? else {
            continue;
        };
        let year = fast.column_opt::<u64>("year")?;
        let meta: Vec<Option<StrColumn>> = META_COLUMNS
            .iter()
            .map(|c| fast.str(c))
            .collect::<tantivy::Result<_>>()?;
        let mut name = String::new();
        let mut words = Vec::with_capacity(copies::SKETCH_WORDS);
        for doc in segment.doc_ids_alive() {
            words.clear();
            words.extend(sketch.values_for_doc(doc));
            let Some(sketch) = ReportSketch::from_words(&words) else {
                continue;
            };
            let Some(ord) = file.term_ords(doc).next() else {
                continue;
            };
            name.clear();
            file.ord_to_str(ord, &mut name)
                .map_err(tantivy::TantivyError::from)?;
            let richness = meta
                .iter()
                .filter(|c| {
                    c.as_ref()
                        .is_some_and(|c| c.term_ords(doc).next().is_some())
                })
                .count()
                + usize::from(year.as_ref().is_some_and(|y| y.first(doc).is_some()));
            let place = |column: Option<&StrColumn>| -> tantivy::Result<Option<String>> {
                let Some(ord) = column.and_then(|c| c.term_ords(doc).next()) else {
                    return Ok(None);
                };
                let mut value = String::new();
                column
                    .expect("an ordinal comes from a column")
                    .ord_to_str(ord, &mut value)?;
                Ok(Some(value))
            };
            let (town, county, province) = (
                place(meta[TOWN].as_ref())?,
                place(meta[COUNTY].as_ref())?,
                place(meta[PROVINCE].as_ref())?,
            );
            out.push(Sketched {
                file: name.clone(),
                richness,
                sketch,
                identity: Identity::new(
                    year.as_ref().and_then(|y| y.first(doc)),
                    [town.as_deref(), county.as_deref(), province.as_deref()],
                ),
            });
        }
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(out)
}

/// The groups of duplicate reports in the index, in the order of their canonical reports'
/// paths.
pub fn duplicate_groups(searcher: &Searcher) -> Result<Vec<DuplicateGroup>> {
    Ok(Duplicates::of(searcher)?.groups)
}

/// The duplicate groups and, for each report of a group, its canonical report's key.
#[derive(Debug, Default)]
pub struct Duplicates {
    pub groups: Vec<DuplicateGroup>,
    /// Report key → its group's canonical report key, for every report of a group.
    pub canonical_of: HashMap<u64, u64>,
    /// Canonical report key → its path.
    canonical_file: HashMap<u64, String>,
    /// Every file of a group → the group's place in `groups`.
    group_of: HashMap<String, usize>,
}

impl Duplicates {
    /// The groups among the index's reports, read from their sketches.
    pub fn of(searcher: &Searcher) -> Result<Duplicates> {
        Ok(Duplicates::from_reports(reports(searcher)?))
    }

    /// The groups among `reports`.
    pub fn from_reports(mut reports: Vec<Sketched>) -> Duplicates {
        reports.sort_by(|a, b| a.file.cmp(&b.file));
        let sketches: Vec<ReportSketch> = reports.iter().map(|r| r.sketch).collect();
        let identities: Vec<Identity> = reports.iter().map(|r| r.identity).collect();
        let mut groups = Vec::new();
        for members in copies::duplicate_groups(&sketches, &identities) {
            let best = members
                .iter()
                .copied()
                .min_by(|&a, &b| {
                    let (a, b) = (&reports[a], &reports[b]);
                    b.richness
                        .cmp(&a.richness)
                        .then(a.file.chars().count().cmp(&b.file.chars().count()))
                        .then(a.file.cmp(&b.file))
                })
                .expect("a group has members");
            let mut copies: Vec<String> = members
                .iter()
                .filter(|&&m| m != best)
                .map(|&m| reports[m].file.clone())
                .collect();
            copies.sort();
            groups.push(DuplicateGroup {
                canonical: reports[best].file.clone(),
                copies,
            });
        }
        Duplicates::from_groups(groups)
    }

    /// The groups as a commit records them ([`super::schema::Stamp`]).
    pub fn from_groups(mut groups: Vec<DuplicateGroup>) -> Duplicates {
        groups.sort_by(|a, b| a.canonical.cmp(&b.canonical));
        let mut out = Duplicates::default();
        for (i, g) in groups.iter().enumerate() {
            out.group_of.insert(g.canonical.clone(), i);
            for c in &g.copies {
                out.group_of.insert(c.clone(), i);
            }
            let canonical = report_key(&g.canonical);
            out.canonical_of.insert(canonical, canonical);
            for c in &g.copies {
                out.canonical_of.insert(report_key(c), canonical);
            }
            out.canonical_file.insert(canonical, g.canonical.clone());
        }
        out.groups = groups;
        out
    }

    /// The report a report is counted as: its canonical report, or itself.
    pub fn counted_as(&self, key: u64) -> u64 {
        self.canonical_of.get(&key).copied().unwrap_or(key)
    }

    /// The files counted as another report (every copy but the canonical one).
    pub fn not_counted(&self) -> HashSet<&str> {
        self.groups
            .iter()
            .flat_map(|g| g.copies.iter().map(String::as_str))
            .collect()
    }

    /// The other files of `file`'s group, canonical first; empty for a report in no group.
    pub fn also_saved_as(&self, file: &str) -> Vec<String> {
        self.group_of
            .get(file)
            .and_then(|&i| self.groups.get(i))
            .map(|g| {
                std::iter::once(&g.canonical)
                    .chain(&g.copies)
                    .filter(|f| *f != file)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What `fazhi-index`'s summary says of the groups: a line each, none when there are none.
    pub fn summary_lines(groups: &[DuplicateGroup], lang: Lang) -> Vec<String> {
        if groups.is_empty() {
            return Vec::new();
        }
        let files: usize = groups.iter().map(|g| g.copies.len()).sum();
        let mut lines = vec![lang.fill(
            "idx.duplicates",
            &[
                ("groups", &groups.len().to_string()),
                ("files", &files.to_string()),
            ],
        )];
        for g in groups.iter().take(MAX_LISTED_GROUPS) {
            let copies = g.copies.join(lang.pick("、", ", "));
            lines.push(lang.fill(
                "idx.duplicate_group",
                &[("canonical", &g.canonical), ("copies", &copies)],
            ));
        }
        if groups.len() > MAX_LISTED_GROUPS {
            let more = (groups.len() - MAX_LISTED_GROUPS).to_string();
            lines.push(lang.fill("idx.duplicate_more", &[("n", &more)]));
        }
        lines
    }
}

/// Where a passage is copied: in how many other reports and towns (each group of duplicate
/// reports counted once, the passage's own group not at all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CopyCount {
    pub reports: usize,
    pub towns: usize,
    /// The other reports, by path (canonical reports only), in path order.
    #[serde(skip)]
    pub files: Vec<String>,
}

/// The town a section's report is in, as one number over the whole index (a town's name with
/// its county's, so that same-named towns differ); None for a report without a town.
pub type TownOf<'a> = &'a dyn Fn(tantivy::SegmentOrdinal, tantivy::DocId) -> Option<u32>;

/// The reports other than `own` (a report key) holding a near-copy of `text`: the documents that
/// share one of its band keys, read from the `copy_bands` postings, counted by report (each group
/// of `duplicates` once; every file on its own when `every_file`, as `--with-copies` counts them)
/// and by town (`town_of`). The files of `own`'s group are the same report, never a copy of it. The other reports' paths are read only when `with_files` (a path is a
/// dictionary lookup; a hit's count needs none). None when the passage is too short to have a
/// fingerprint ([`copies::MIN_PASSAGE_CHARS`]).
pub fn copies_of(
    searcher: &Searcher,
    fields: &Fields,
    duplicates: &Duplicates,
    text: &str,
    own: Option<u64>,
    town_of: TownOf,
    (with_files, every_file): (bool, bool),
) -> Result<Option<CopyCount>> {
    let Some(bands) = copies::passage_bands(text) else {
        return Ok(None);
    };
    let counted_as = |k: u64| match every_file {
        true => k,
        false => duplicates.counted_as(k),
    };
    let own = own.map(|k| duplicates.counted_as(k));
    let mut reports: HashSet<u64> = HashSet::new();
    let mut towns: HashSet<u32> = HashSet::new();
    let mut files: Vec<String> = Vec::new();
    let mut docs = Vec::new();
    for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
        sharing_bands(segment, fields.copy_bands, &bands, &mut docs)?;
        if docs.is_empty() {
            continue;
        }
        let fast = segment.fast_fields();
        let key = fast.u64("report_key")?;
        let file = if with_files { fast.str("file")? } else { None };
        let mut last = None;
        for &doc in &docs {
            let Some(k) = key.first(doc) else { continue };
            // A report's sections are adjacent: most matches repeat the last report.
            if last == Some(k) {
                continue;
            }
            last = Some(k);
            if Some(duplicates.counted_as(k)) == own {
                continue;
            }
            let k = counted_as(k);
            if !reports.insert(k) {
                continue;
            }
            if let Some(town) = town_of(ordinal as tantivy::SegmentOrdinal, doc) {
                towns.insert(town);
            }
            if let Some(column) = &file {
                let name = match duplicates.canonical_file.get(&k) {
                    Some(canonical) => canonical.clone(),
                    None => {
                        let mut name = String::new();
                        if let Some(ord) = column.term_ords(doc).next() {
                            column
                                .ord_to_str(ord, &mut name)
                                .map_err(tantivy::TantivyError::from)?;
                        }
                        name
                    }
                };
                files.push(name);
            }
        }
    }
    files.sort();
    Ok(Some(CopyCount {
        reports: reports.len(),
        towns: towns.len(),
        files,
    }))
}

/// The live sections of `segment` sharing one of `bands` in the postings of `field`
/// (`copy_bands`), into `docs`: sorted, each once.
pub fn sharing_bands(
    segment: &tantivy::SegmentReader,
    field: tantivy::schema::Field,
    bands: &[u64; copies::BANDS],
    docs: &mut Vec<tantivy::DocId>,
) -> Result<()> {
    docs.clear();
    let inverted = segment.inverted_index(field)?;
    for &key in bands {
        let term = Term::from_field_u64(field, key);
        let Some(mut postings) = inverted
            .read_postings(&term, IndexRecordOption::Basic)
            .map_err(tantivy::TantivyError::from)?
        else {
            continue;
        };
        let mut doc = postings.doc();
        while doc != TERMINATED {
            if !segment.is_deleted(doc) {
                docs.push(doc);
            }
            doc = postings.advance();
        }
    }
    docs.sort_unstable();
    docs.dedup();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_report_has_the_richest_metadata_then_the_shortest_path() {
        let same = ReportSketch::of(["保安镇2023年法治政府建设年度报告。全面推进依法行政。"]);
        let other =
            ReportSketch::of(["城关镇2021年度法治建设工作总结：普法宣传，法律顾问全覆盖。"]);
        let report = |file: &str, richness: usize, sketch| Sketched {
            file: file.into(),
            richness,
            sketch,
            identity: Identity::default(),
        };
        // (the reports, the canonical report of the one group, its copies)
        let rows: [(Vec<Sketched>, &str, &[&str]); 3] = [
            (
                vec![report("b.txt", 3, same), report("a.html", 5, same)],
                "a.html",
                &["b.txt"],
            ),
            (
                vec![
                    report("long/name.txt", 4, same),
                    report("z.txt", 4, same),
                    report("y.txt", 4, same),
                    report("x.txt", 4, other),
                ],
                "y.txt",
                &["long/name.txt", "z.txt"],
            ),
            (
                vec![report("一.txt", 4, same), report("ab.txt", 4, same)],
                "一.txt",
                &["ab.txt"],
            ),
        ];
        for (reports, canonical, copies) in rows {
            let d = Duplicates::from_reports(reports);
            assert_eq!(d.groups.len(), 1, "{canonical}");
            assert_eq!(d.groups[0].canonical, canonical);
            assert_eq!(d.groups[0].copies, copies);
            let key = report_key(canonical);
            assert!(copies.iter().all(|c| d.counted_as(report_key(c)) == key));
            assert_eq!(d.also_saved_as(copies[0])[0], canonical);
            assert_eq!(d.also_saved_as(canonical), copies);
            assert!(d.also_saved_as("x.txt").is_empty());
        }
    }
}
