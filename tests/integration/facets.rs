//! Facet counts on an index of many segments (built in stages, with files changed and removed
//! in between), checked against counting the parsed reports by hand, for every facet of
//! index_schema/facets.tsv; the listed values of a limited facet are the head of the full list;
//! every report's sections lie together in one segment, which the counting relies on; `stats`
//! counts what the search's facets count, for random queries and filters; and the JSON of
//! searches and stats is byte for byte what it was before the facet table (snapshots taken
//! with the binary of the commit before it), but for the `issuer` facet it added.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use fazhi_search::report::Report;
use fazhi_search::search::stats::town_label;
use fazhi_search::search::{FacetCount, FacetKey, Facets, HitReads, StatsRequest};
use fazhi_search::{Engine, Filters, Query, SearchRequest, SearchResults, Section, normalize};
use proptest::prelude::*;
use tempfile::TempDir;

use crate::util::{copy_seeds, corpus_dir, index, parse_corpus, run};

pub(crate) struct Staged {
    /// The corpus and the index.
    pub(crate) dirs: (TempDir, TempDir),
    pub(crate) engine: Engine,
    reports: Vec<Report>,
}

/// 120 synthetic reports indexed 60 at a time; with the second 60, 6 of the first are changed
/// and 4 removed.
pub(crate) fn staged() -> &'static Staged {
    static STAGED: OnceLock<Staged> = OnceLock::new();
    STAGED.get_or_init(|| {
        let pool = TempDir::new().expect("temp dir");
        fazhi_search::synth::generate(&corpus_dir(), pool.path(), 120, 23).expect("generate");
        let mut names: Vec<String> = std::fs::read_dir(pool.path())
            .expect("pool")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let corpus = TempDir::new().expect("temp dir");
        let index_dir = TempDir::new().expect("temp dir");
        // Two runs of two writer threads: up to four segments, fewer than tantivy's merge
        // policy waits for (eight), so they stay apart.
        let (first, second) = names.split_at(60);
        let copy = |name: &String| {
            std::fs::copy(pool.path().join(name), corpus.path().join(name)).expect("copy");
        };
        first.iter().for_each(copy);
        index(corpus.path(), index_dir.path());
        second.iter().for_each(copy);
        for name in first.iter().step_by(10) {
            let path = corpus.path().join(name);
            let text = std::fs::read_to_string(&path).expect("read");
            std::fs::write(&path, format!("{text}\n补充说明：聘请法律顾问一名。\n"))
                .expect("write");
        }
        for name in first.iter().skip(7).step_by(15) {
            std::fs::remove_file(corpus.path().join(name)).expect("remove");
        }
        index(corpus.path(), index_dir.path());
        let engine = Engine::open(index_dir.path()).expect("open");
        let reports = parse_corpus(corpus.path());
        Staged {
            dirs: (corpus, index_dir),
            engine,
            reports,
        }
    })
}

fn search(
    engine: &Engine,
    term: &str,
    filters: Filters,
    facet_limit: Option<usize>,
) -> SearchResults {
    engine
        .search(&SearchRequest {
            query: Query::Text(term.into()),
            filters,
            limit: Some(3),
            facet_limit,
        })
        .expect("search")
}

/// Value (with county and province for towns) → matching sections, by hand.
type Count = BTreeMap<(String, Option<String>, Option<String>), usize>;

struct ByHand {
    sections: usize,
    reports: usize,
    /// Per facet name.
    facets: BTreeMap<&'static str, Count>,
}

/// A facet's value for a section of a report, as the parsed report says: the oracle the index
/// is checked against, one arm per facet of index_schema/facets.tsv.
fn value_of(facet: &str, m: &fazhi_search::report::ReportMeta, s: &Section) -> Option<String> {
    let plain = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
    match facet {
        "town" => plain(&m.town),
        "province" => plain(&m.province),
        "city" => plain(&m.city),
        "county" => plain(&m.county),
        "year" => m.year.map(|y| y.to_string()),
        "section_type" => Some(s.section_type.as_str().into()),
        "level" => Some(m.level.as_str().into()),
        "issuer" => plain(&m.issuer),
        other => panic!("facet {other} has no oracle here: add one"),
    }
}

fn by_hand(reports: &[Report], term: &str, province: Option<&str>) -> ByHand {
    let needle = normalize(term);
    let mut out = ByHand {
        sections: 0,
        reports: 0,
        facets: FacetKey::all().map(|f| (f.name(), Count::new())).collect(),
    };
    let plain = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
    for r in reports {
        let m = &r.meta;
        if province.is_some_and(|p| m.province.as_deref() != Some(p)) {
            continue;
        }
        let matching = r
            .sections
            .iter()
            .filter(|s| normalize(s.visible()).contains(&needle))
            .collect::<Vec<_>>();
        if matching.is_empty() {
            continue;
        }
        out.sections += matching.len();
        out.reports += 1;
        for s in matching {
            for f in FacetKey::all() {
                let Some(value) = value_of(f.name(), m, s) else {
                    continue;
                };
                // A town is told apart by its county and province.
                let (county, prov) = match f.parents() {
                    [] => (None, None),
                    _ => (plain(&m.county), plain(&m.province)),
                };
                let count = out.facets.get_mut(f.name()).expect("every facet");
                *count.entry((value, county, prov)).or_default() += 1;
            }
        }
    }
    out
}

fn as_count(facets: &[FacetCount]) -> Count {
    let mut out = Count::new();
    for f in facets {
        let parent = |name| f.parent(name).map(String::from);
        let key = (f.value.clone(), parent("county"), parent("province"));
        assert!(out.insert(key, f.count).is_none(), "{f:?} is listed twice");
    }
    out
}

/// The lists in their promised order: largest count first, then by value (years by year).
fn assert_ordered(facets: &Facets) {
    for (f, list) in facets.iter() {
        if f.name() == "year" {
            assert!(
                list.windows(2).all(|p| p[0].value < p[1].value),
                "years in order"
            );
            continue;
        }
        for pair in list.windows(2) {
            let key = |f: &FacetCount| {
                (
                    std::cmp::Reverse(f.count),
                    f.value.clone(),
                    f.parent("county").map(String::from),
                )
            };
            assert!(
                key(&pair[0]) <= key(&pair[1]),
                "{}: {pair:?} out of order",
                f.name()
            );
        }
    }
}

#[test]
fn the_index_has_several_segments_and_keeps_each_report_in_one() {
    let s = staged();
    let searcher = s.engine.searcher();
    assert!(
        searcher.segment_readers().len() > 1,
        "built in stages: {} segments",
        searcher.segment_readers().len()
    );
    let mut segment_of: HashMap<String, usize> = HashMap::new();
    for (ordinal, reader) in searcher.segment_readers().iter().enumerate() {
        let files = reader
            .fast_fields()
            .str("file")
            .expect("file")
            .expect("column");
        let mut finished: HashSet<u64> = HashSet::new();
        let mut last = None;
        for doc in 0..reader.max_doc() {
            if reader.alive_bitset().is_none_or(|a| a.is_alive(doc)) {
                let file = files.term_ords(doc).next().expect("a file");
                if last != Some(file) {
                    assert!(
                        finished.insert(file),
                        "segment {ordinal}: a report's sections are apart"
                    );
                    last = Some(file);
                    let mut name = String::new();
                    files.ord_to_str(file, &mut name).expect("name");
                    if let Some(other) = segment_of.insert(name.clone(), ordinal) {
                        panic!("{name} is in segments {other} and {ordinal}");
                    }
                }
            }
        }
    }
    assert_eq!(
        segment_of.len(),
        s.reports.len(),
        "every report is indexed once"
    );
}

#[test]
fn facets_equal_counting_the_parsed_reports_by_hand() {
    let s = staged();
    for term in [
        "法律顾问",
        "普法",
        "依法治",
        "法",
        "补充说明",
        "不存在的词语",
    ] {
        for province in [None, Some("河南省")] {
            let mut filters = Filters::default();
            if let Some(p) = province {
                filters = filters.with("province", p).expect("a filter");
            }
            let got = search(&s.engine, term, filters, None);
            let want = by_hand(&s.reports, term, province);
            let context = format!("{term} --province {province:?}");
            assert_eq!(got.total_sections, want.sections, "sections of {context}");
            assert_eq!(got.total_reports, want.reports, "reports of {context}");
            for (f, list) in got.facets.iter() {
                assert_eq!(
                    as_count(list),
                    want.facets[f.name()],
                    "{} of {context}",
                    f.name()
                );
                assert_eq!(
                    got.facet_sizes[f.name()],
                    list.len(),
                    "size of {} of {context}",
                    f.name()
                );
            }
            assert_ordered(&got.facets);
        }
    }
}

#[test]
fn every_hit_carries_its_own_reports_metadata() {
    let s = staged();
    let by_file: HashMap<&str, &Report> = s
        .reports
        .iter()
        .map(|r| (r.meta.file.as_str(), r))
        .collect();
    let all = s
        .engine
        .search(&SearchRequest {
            query: Query::Text("法".into()),
            filters: Filters::default(),
            limit: None,
            facet_limit: Some(0),
        })
        .expect("search");
    assert!(all.hits.len() > 1_000, "{} hits", all.hits.len());
    let mut seen = HashSet::new();
    for hit in &all.hits {
        let report = by_file
            .get(hit.meta.file.as_str())
            .unwrap_or_else(|| panic!("{} is not in the corpus", hit.meta.file));
        assert_eq!(
            hit.meta, report.meta,
            "line {} of {}",
            hit.line, hit.meta.file
        );
        let section = report
            .sections
            .iter()
            .find(|x| x.line as u64 == hit.line)
            .unwrap_or_else(|| panic!("no section at line {} of {}", hit.line, hit.meta.file));
        assert_eq!(
            (hit.section_type.as_str(), &hit.headings),
            (section.section_type.to_string().as_str(), &section.headings),
            "line {} of {}",
            hit.line,
            hit.meta.file
        );
        seen.insert(hit.meta.file.as_str());
    }
    assert_eq!(seen.len(), s.reports.len(), "every report has a hit");
    assert!(
        s.reports.iter().any(|r| r.meta.county.is_none())
            || s.reports.iter().any(|r| r.meta.town.is_none()),
        "some reports lack a place"
    );
}

/// Hits read the way a one-query process reads them (no decompressed block kept) are the same
/// as hits read with blocks kept, hit for hit, and so are the counts.
#[test]
fn hits_are_the_same_whether_blocks_are_kept_or_not() {
    let s = staged();
    let scattered = Engine::open_for(s.dirs.1.path(), HitReads::Scattered).expect("open");
    for term in ["法", "法律顾问", "普法"] {
        let request = SearchRequest {
            query: Query::Text(term.into()),
            filters: Filters::default(),
            limit: Some(200),
            facet_limit: None,
        };
        let kept = s.engine.search(&request).expect("search");
        let once = scattered.search(&request).expect("search");
        assert!(kept.hits.len() > 20, "{term}: enough hits to share blocks");
        assert_eq!(
            format!("{:?}", once.hits),
            format!("{:?}", kept.hits),
            "{term}"
        );
        assert_eq!(
            format!("{:?}", once.facets),
            format!("{:?}", kept.facets),
            "{term}"
        );
    }
}

/// An index whose saved facet file is damaged or from an older version answers the same
/// without it, and the next run of the indexer, with nothing changed, writes it anew.
#[test]
fn a_stale_facet_file_is_not_used_and_the_next_run_rewrites_it() {
    let corpus = TempDir::new().expect("temp dir");
    copy_seeds(corpus.path());
    let index_dir = TempDir::new().expect("temp dir");
    index(corpus.path(), index_dir.path());
    let saved = index_dir.path().join("facet-ordinals.bin");
    let good = std::fs::read(&saved).expect("saved");
    let answer = |term: &str| {
        let engine = Engine::open(index_dir.path()).expect("open");
        let got = search(&engine, term, Filters::default(), None);
        let hits: Vec<_> = got.hits.iter().map(|h| h.meta.clone()).collect();
        (
            got.total_sections,
            got.total_reports,
            format!("{:?}", got.facets),
            hits,
        )
    };
    let before = answer("法律顾问");
    let current = b"fazhi-search facet ordinals 6\n";
    assert!(
        good.starts_with(current),
        "the file's format has changed: update this test"
    );
    let older = [b"fazhi-search facet ordinals 5\n", &good[current.len()..]].concat();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    for (what, bytes) in [("an older format", older), ("a flipped byte", flipped)] {
        std::fs::write(&saved, &bytes).expect("write");
        assert_eq!(answer("法律顾问"), before, "{what}: the same answer");
        index(corpus.path(), index_dir.path());
        assert_eq!(
            std::fs::read(&saved).expect("saved"),
            good,
            "{what}: rewritten by a run with nothing changed"
        );
    }
}

#[test]
fn a_facet_limit_lists_the_head_of_the_full_list() {
    let s = staged();
    for term in ["法", "法律顾问"] {
        let all = search(&s.engine, term, Filters::default(), None);
        assert!(all.facets["town"].len() > 5, "{term}: enough towns to cut");
        for k in [0, 1, 5, 1000] {
            let cut = search(&s.engine, term, Filters::default(), Some(k));
            let head = |list: &[FacetCount]| list.iter().take(k).cloned().collect::<Vec<_>>();
            for (f, list) in all.facets.iter() {
                if f.name() == "year" {
                    continue;
                }
                assert_eq!(
                    cut.facets[f.name()],
                    head(list),
                    "{term}: {}, limit {k}",
                    f.name()
                );
            }
            assert_eq!(cut.facet_sizes, all.facet_sizes, "{term}: sizes, limit {k}");
            assert_eq!(cut.total_sections, all.total_sections);
            assert_eq!(cut.hits.len(), all.hits.len());
        }
    }
}

#[test]
fn the_indexer_saves_the_facet_ordinal_maps_beside_the_index() {
    let s = staged();
    let saved = s.dirs.1.path().join("facet-ordinals.bin");
    let bytes = std::fs::read(&saved).expect("saved by the last run");
    assert!(
        bytes.starts_with(b"fazhi-search facet ordinals"),
        "{}",
        saved.display()
    );
    let stamp = String::from_utf8_lossy(&bytes);
    for reader in s.engine.searcher().segment_readers() {
        let id = reader.segment_id().uuid_string();
        assert!(
            stamp.contains(&id),
            "made from the segments as they are now ({id})"
        );
    }
}

/// Removes the `issuer` facet, the one facet added since the snapshots were taken, from the JSON
/// of a search: its list in `facets` and its size in `facet_sizes` (each object's last entry,
/// at an indent of four spaces; a hit's own `issuer` is deeper and stays).
fn without_issuer_facet(json: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut skipping = false;
    for line in json.lines() {
        if skipping {
            skipping = line.trim_end_matches(',') != "    ]";
            continue;
        }
        if let Some(rest) = line.strip_prefix("    \"issuer\": ") {
            if let Some(last) = out.last_mut() {
                *last = last.strip_suffix(',').unwrap_or(last);
            }
            skipping = rest == "[";
            continue;
        }
        out.push(line);
    }
    out.join("\n") + "\n"
}

/// The JSON of searches and stats on the bundled corpus and on 300 synthetic reports is what
/// the binary wrote before the facet table (tests/snapshots/facets/, written by that commit's
/// binary), but for the added `issuer` facet.
#[test]
fn json_answers_are_the_same_as_before_the_facet_table() {
    let synth = TempDir::new().expect("temp dir");
    fazhi_search::synth::generate(&corpus_dir(), synth.path(), 300, 7).expect("generate");
    let indexes = TempDir::new().expect("temp dir");
    let (bundled, synthetic) = (indexes.path().join("b"), indexes.path().join("s"));
    index(&corpus_dir(), &bundled);
    index(synth.path(), &synthetic);
    // (snapshot, index, arguments)
    let rows: [(&str, &std::path::Path, &[&str]); 10] = [
        (
            "bundled-search-lawyer",
            &bundled,
            &["search", "法律顾问", "--limit", "2"],
        ),
        (
            "bundled-search-all-facets",
            &bundled,
            &["search", "法治", "--facets", "all", "--limit", "1"],
        ),
        (
            "bundled-stats-town",
            &bundled,
            &["stats", "法治", "--by", "town"],
        ),
        (
            "synth-search-lawyer",
            &synthetic,
            &["search", "法律顾问", "--limit", "2"],
        ),
        (
            "synth-search-30-facets",
            &synthetic,
            &["search", "法治", "--facets", "30", "--limit", "1"],
        ),
        (
            "synth-search-filtered",
            &synthetic,
            &[
                "search",
                "普法",
                "--year",
                "2020..2023",
                "--type",
                "measures",
                "--limit",
                "1",
            ],
        ),
        (
            "synth-filters-only",
            &synthetic,
            &[
                "search",
                "--province",
                "河南",
                "--level",
                "town",
                "--limit",
                "1",
            ],
        ),
        (
            "synth-stats-year-province",
            &synthetic,
            &["stats", "法律顾问", "--by", "year,province"],
        ),
        (
            "synth-stats-town",
            &synthetic,
            &["stats", "普法", "--by", "town", "--province", "河南"],
        ),
        (
            "synth-stats-type-level",
            &synthetic,
            &["stats", "法治", "--by", "section_type,level"],
        ),
    ];
    let snapshots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/facets");
    for (name, index_dir, args) in rows {
        let index_arg = index_dir.to_string_lossy().into_owned();
        let mut argv: Vec<&str> = args.to_vec();
        argv.extend(["--index", &index_arg, "--format", "json"]);
        let out = run("fazhi-query", indexes.path(), &argv);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = String::from_utf8(out.stdout).expect("UTF-8");
        if args[0] == "search" {
            assert!(
                got.contains("\n    \"issuer\": "),
                "{name}: the issuer facet is listed"
            );
        }
        let expected =
            std::fs::read_to_string(snapshots.join(format!("{name}.json"))).expect("snapshot");
        assert!(
            without_issuer_facet(&got) == expected,
            "{name}: the JSON differs from tests/snapshots/facets/{name}.json"
        );
    }
}

/// Words the random queries are made of: common, rare, absent.
const WORDS: [&str; 7] = [
    "法律顾问",
    "普法",
    "依法",
    "法治",
    "培训",
    "公职律师",
    "不存在的词语",
];

/// A random query: one word, two of them with OR, or one without another.
fn random_query() -> impl Strategy<Value = String> {
    let word = proptest::sample::select(WORDS.to_vec());
    prop_oneof![
        word.clone().prop_map(String::from),
        (word.clone(), word.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
        (word.clone(), word).prop_map(|(a, b)| format!("{a} -{b}")),
    ]
}

/// Random filters, as (facet name, index of one of its values in the index) pairs; a year
/// filter is a range from one of the index's years.
fn random_filters() -> impl Strategy<Value = Vec<(&'static str, usize)>> {
    let facet = proptest::sample::select(vec![
        "province",
        "county",
        "year",
        "section_type",
        "level",
        "issuer",
    ]);
    proptest::collection::vec((facet, 0..50usize), 0..3)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// One counting engine: for random queries and filters, `stats --by F` counts, group by
    /// group, the matching sections the search's facet F lists, and in all the search's
    /// matching sections and reports.
    #[test]
    fn stats_count_what_the_search_facets_count(query in random_query(), picks in random_filters()) {
        let s = staged();
        let everything = search(&s.engine, "法", Filters::default(), None);
        let mut filters = Filters::default();
        for (name, i) in picks {
            let values = &everything.facets[name];
            let value = &values[i % values.len()].value;
            let value = if name == "year" { format!("{value}..") } else { value.clone() };
            filters = filters.with(name, &value).expect("a value the index has");
        }
        let parsed = fazhi_search::search::parse(&query).expect("query");
        let found = s
            .engine
            .search(&SearchRequest {
                query: parsed.clone(),
                filters: filters.clone(),
                limit: Some(0),
                facet_limit: None,
            })
            .expect("search");
        for facet in FacetKey::all() {
            let table = s
                .engine
                .stats(&StatsRequest {
                    queries: vec![(query.clone(), parsed.clone())],
                    filters: filters.clone(),
                    by: vec![facet],
                })
                .expect("stats");
            let total = &table.totals[0];
            prop_assert_eq!(total.matching_sections, found.total_sections, "{} by {}", query, facet.name());
            prop_assert_eq!(total.matching_reports, found.total_reports, "{} by {}", query, facet.name());
            let mut by_stats: BTreeMap<String, usize> = BTreeMap::new();
            for row in table.rows.iter().filter(|r| r.matching_sections > 0 && !r.group[0].is_empty()) {
                *by_stats.entry(row.group[0].clone()).or_default() += row.matching_sections;
            }
            let mut by_search: BTreeMap<String, usize> = BTreeMap::new();
            for f in &found.facets[facet.name()] {
                let label = town_label(&f.value, f.parent("county").unwrap_or_default());
                *by_search.entry(label).or_default() += f.count;
            }
            prop_assert_eq!(by_stats, by_search, "{} by {} in {}", query, facet.name(), filters.describe());
        }
    }
}
