//! The exact-match guarantee: for any string, the engine returns exactly the sections whose
//! normalised text contains it — checked against plain substring search over the parsed corpus.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use fazhi_search::ingest::Hints;
use fazhi_search::report;
use fazhi_search::{Query, normalize};
use proptest::prelude::*;

use crate::util::{search_all, seed_files};

/// A section's identity in results: file, line, heading path.
type Key = (String, u64, Vec<String>);

struct Oracle {
    /// Every section's key and normalised text.
    sections: Vec<(Key, String)>,
    /// Every distinct character of the prose, for made-up strings.
    alphabet: Vec<char>,
}

fn oracle() -> &'static Oracle {
    static ORACLE: OnceLock<Oracle> = OnceLock::new();
    ORACLE.get_or_init(|| {
        let mut sections = Vec::new();
        let mut alphabet = BTreeSet::new();
        for path in seed_files() {
            let text = std::fs::read_to_string(&path).expect("seed is UTF-8");
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            for s in report::parse(&name, &text, &Hints::default()).sections {
                let normalized = normalize(s.visible());
                alphabet.extend(normalized.chars());
                sections.push((
                    (name.clone(), s.line as u64, s.headings.clone()),
                    normalized,
                ));
            }
        }
        Oracle {
            sections,
            alphabet: alphabet.into_iter().collect(),
        }
    })
}

fn expected(term: &str) -> BTreeSet<Key> {
    let needle = normalize(term);
    oracle()
        .sections
        .iter()
        .filter(|(_, text)| text.contains(&needle))
        .map(|(key, _)| key.clone())
        .collect()
}

fn found(term: &str) -> BTreeSet<Key> {
    found_query(Query::Text(term.to_string()))
}

fn found_query(query: Query) -> BTreeSet<Key> {
    let results = search_all(query);
    let keys: BTreeSet<Key> = results
        .hits
        .iter()
        .map(|h| (h.meta.file.clone(), h.line, h.headings.clone()))
        .collect();
    assert_eq!(keys.len(), results.hits.len(), "section keys are unique");
    keys
}

fn check(term: &str) {
    let want = expected(term);
    let got = found(term);
    assert_eq!(
        got, want,
        "sections containing {term:?}: engine vs substring search"
    );
}

/// The strings word segmentation gets wrong.
#[test]
fn substrings_that_segmentation_misses() {
    for term in [
        "依法治",
        "法律顾问",
        "律顾",
        "治镇",
        "年度考核",
        "（一）",
        "(一)",
        "２０２３",
        "ICP",
        "icp",
    ] {
        check(term);
    }
    assert!(
        !expected("依法治").is_empty(),
        "依法治 occurs in the corpus"
    );
}

/// Every character of the corpus as a one-character term — those that only end a section too
/// (a section's last character is indexed paired with the end mark).
#[test]
fn every_single_character_finds_exactly_its_sections() {
    let endings: BTreeSet<char> = oracle()
        .sections
        .iter()
        .filter_map(|(_, text)| text.chars().last())
        .collect();
    assert!(endings.iter().all(|c| oracle().alphabet.contains(c)));
    for c in &oracle().alphabet {
        check(&c.to_string());
    }
}

/// A random substring (1–8 characters) of a random section.
fn corpus_substring() -> impl Strategy<Value = String> {
    let n = oracle().sections.len();
    (0..n, any::<prop::sample::Index>(), 1usize..=8).prop_map(|(i, start, len)| {
        let chars: Vec<char> = oracle().sections[i].1.chars().collect();
        let start = start.index(chars.len());
        chars[start..(start + len).min(chars.len())]
            .iter()
            .collect()
    })
}

/// A made-up string of corpus characters, mostly absent from the corpus.
fn made_up() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<prop::sample::Index>(), 2..=4).prop_map(|picks| {
        let alphabet = &oracle().alphabet;
        picks
            .iter()
            .map(|i| alphabet[i.index(alphabet.len())])
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn every_substring_finds_exactly_its_sections(term in corpus_substring()) {
        check(&term);
    }

    /// AND, OR and NOT are set operations on the exact matches (a regression guard for
    /// tantivy's phrase scorer under exclusion, see src/search/steady.rs).
    #[test]
    fn boolean_operators_are_set_operations(a in corpus_substring(), b in corpus_substring()) {
        let (ea, eb) = (expected(&a), expected(&b));
        let text = |s: &str| Query::Text(s.to_string());
        let not = |s: &str| Query::Not(Box::new(text(s)));
        let and: BTreeSet<Key> = ea.intersection(&eb).cloned().collect();
        let or: BTreeSet<Key> = ea.union(&eb).cloned().collect();
        let minus: BTreeSet<Key> = ea.difference(&eb).cloned().collect();
        prop_assert_eq!(found_query(Query::And(vec![text(&a), text(&b)])), and, "{} AND {}", a, b);
        prop_assert_eq!(found_query(Query::Or(vec![text(&a), text(&b)])), or, "{} OR {}", a, b);
        prop_assert_eq!(found_query(Query::And(vec![text(&a), not(&b)])), minus, "{} -{}", a, b);
    }

    #[test]
    fn made_up_strings_find_exactly_their_sections(term in made_up()) {
        check(&term);
    }
}

/// The best-k heap gives exactly the first k of the full ranking, ties included.
#[test]
fn top_hits_are_the_head_of_the_full_ranking() {
    use fazhi_search::SearchRequest;
    let engine = crate::util::seed_engine();
    for term in ["法", "法治", "法律顾问", "的", "依法治"] {
        let request = |limit| SearchRequest {
            query: Query::Text(term.into()),
            filters: Default::default(),
            limit,
            facet_limit: None,
        };
        let all = engine.search(&request(None)).expect("search");
        for k in [1, 3, 10] {
            let top = engine.search(&request(Some(k))).expect("search");
            let key = |h: &fazhi_search::Hit| (h.meta.file.clone(), h.line, h.headings.clone());
            let got: Vec<_> = top.hits.iter().map(key).collect();
            let want: Vec<_> = all.hits.iter().take(k).map(key).collect();
            assert_eq!(got, want, "top {k} of {term}");
            assert_eq!(top.total_sections, all.total_sections);
            assert_eq!(top.total_reports, all.total_reports);
        }
    }
}
