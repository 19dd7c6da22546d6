//! Big sections (issues 17.6 and 18): a report that is one long line without a heading is cut
//! into bounded sections when it is parsed, in order and without losing or repeating a
//! character, and a hit in it gives a bounded passage and every occurrence in the concordance.

use fazhi_search::classify::TypeRules;
use fazhi_search::clean::{Line, clean};
use fazhi_search::export::kwic::{self, KwicSort};
use fazhi_search::export::passage::{MAX_PASSAGE_MATCHES, find};
use fazhi_search::export::{PassageOptions, Record};
use fazhi_search::heading::{parse_heading, point_marker_at};
use fazhi_search::report::parse;
use fazhi_search::sections::{MAX_SECTION_CHARS, split_inline_headings};
use fazhi_search::{Engine, SearchRequest, search};

use crate::util::{index, seed_files, temp_corpus};

/// The seed reports' sentences (ending with 。, as cleaned), none of them a heading or holding one, nor an
/// inline point (一是), which would make a sub-section.
fn corpus_sentences() -> Vec<String> {
    let no_heading = |s: &str| {
        let line = Line {
            number: 1,
            text: s.to_string(),
        };
        let no_point = s
            .char_indices()
            .all(|(b, _)| point_marker_at(s, b).is_none());
        no_point
            && parse_heading(s).is_none()
            && split_inline_headings(&[line], TypeRules::embedded()).len() == 1
    };
    let mut sentences = Vec::new();
    for path in seed_files() {
        let text = std::fs::read_to_string(&path).expect("UTF-8 report");
        for line in clean(&text).lines {
            sentences.extend(
                line.text
                    .split_inclusive('。')
                    .filter(|s| s.ends_with('。') && s.chars().count() > 8 && no_heading(s))
                    .map(String::from),
            );
        }
    }
    assert!(sentences.len() > 50, "the seeds have prose");
    sentences
}

/// One line of about `chars` characters of prose made of the corpus's sentences in a shuffled
/// order (a fixed one), with no heading in it.
fn one_line_of_prose(chars: usize) -> String {
    let sentences = corpus_sentences();
    let mut line = String::new();
    let mut pick = 7usize;
    while line.chars().count() < chars {
        pick = (pick * 31 + 17) % sentences.len();
        line.push_str(&sentences[pick]);
    }
    line
}

#[test]
fn a_long_line_is_cut_into_bounded_sections_that_join_to_it() {
    let line = one_line_of_prose(5 * MAX_SECTION_CHARS + 1234);
    let text = format!("某镇2023年法治政府建设年度报告\n{line}");
    let report = parse("big.txt", &text, &Default::default());
    let sections = &report.sections;
    assert!(
        sections.len() >= 6,
        "{} sections for {} characters",
        sections.len(),
        line.chars().count()
    );
    for (i, s) in sections.iter().enumerate() {
        let n = s.text.chars().count();
        assert!(n <= MAX_SECTION_CHARS, "part {i} has {n} characters");
        assert!(
            s.headings.is_empty(),
            "part {i} keeps the preamble's path: {:?}",
            s.headings
        );
        assert!(
            s.text.ends_with('。') || i + 1 == sections.len(),
            "part {i} ends at a sentence end: …{}",
            s.text.chars().rev().take(10).collect::<String>()
        );
        let expected_line = if i == 0 { 1 } else { 2 };
        assert_eq!(s.line, expected_line, "part {i} is cited by its line");
    }
    let joined: String = sections.iter().map(|s| s.text.replace('\n', "")).collect();
    assert_eq!(
        joined,
        text.replace('\n', ""),
        "the parts, in order, are the text"
    );
    for term in ["法治", "依法行政", "。"] {
        let in_parts: usize = sections.iter().map(|s| s.text.matches(term).count()).sum();
        assert_eq!(
            in_parts,
            text.matches(term).count(),
            "{term}: every occurrence in exactly one part"
        );
    }
}

#[test]
fn a_hit_in_a_long_line_gives_a_bounded_passage_and_every_occurrence() {
    let line = one_line_of_prose(4 * MAX_SECTION_CHARS);
    let big = format!("某镇2023年法治政府建设年度报告\n{line}\n");
    let seed = std::fs::read(&seed_files()[1]).expect("seed");
    let corpus = temp_corpus(&[("big.txt", big.as_bytes()), ("seed.txt", &seed)]);
    let index_dir = tempfile::TempDir::new().expect("temp dir");
    index(corpus.path(), index_dir.path());
    let engine = Engine::open(index_dir.path()).expect("open");
    let request = SearchRequest {
        query: search::parse("法治").expect("query"),
        filters: Default::default(),
        limit: None,
        facet_limit: None,
    };
    let results = engine.search(&request).expect("search");
    let big_hits: Vec<_> = results
        .hits
        .iter()
        .filter(|h| h.meta.file == "big.txt")
        .collect();
    assert!(big_hits.len() >= 4, "{} hits in big.txt", big_hits.len());
    for hit in &big_hits {
        assert!(hit.text.chars().count() <= MAX_SECTION_CHARS);
        for full in [false, true] {
            let options = PassageOptions { context: 20, full };
            let record = Record::new(hit, &["法治"], options);
            assert!(!record.highlights.is_empty(), "a hit is marked");
            assert!(record.highlights.len() <= MAX_PASSAGE_MATCHES);
            let marked: Vec<&str> = record
                .highlights
                .iter()
                .map(|&(s, e)| &record.passage[s..e])
                .collect();
            assert!(marked.iter().all(|m| *m == "法治"), "{marked:?}");
            let chars: Vec<char> = record.passage.chars().collect();
            for (&(s, e), &(cs, ce)) in record.highlights.iter().zip(&record.highlight_chars) {
                assert_eq!(
                    record.passage[s..e].chars().count(),
                    ce - cs,
                    "character range of a highlight"
                );
                assert_eq!(chars[cs..ce].iter().collect::<String>(), "法治");
            }
        }
    }
    let hits: Vec<_> = big_hits.into_iter().cloned().collect();
    let lines = kwic::lines(&hits, &["法治"], 10, KwicSort::Town);
    assert_eq!(
        lines.len(),
        find(&big, &["法治"]).len(),
        "the concordance lists every occurrence in the file once"
    );
}
