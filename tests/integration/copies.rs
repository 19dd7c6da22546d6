//! Copy detection measured against the synthetic corpus's ground truth: the generator writes
//! down which pool passage each passage of a report was made from, and which files are copies of
//! one report (`synth::generate_with`). Precision and recall of both detections must be at least
//! 0.95; the figures are printed (`cargo test copies -- --nocapture`).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use fazhi_search::ingest::Hints;
use fazhi_search::{copies, report, synth};

use crate::util::corpus_dir;

const REPORTS: usize = 300;
const DUPLICATES: usize = 30;

fn read_tsv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .expect("truth file")
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// The evaluation is `synth::measure_copies`, which the benchmark runs at 20,000 reports.
#[test]
fn copied_passages_and_duplicate_reports_are_found_with_precision_and_recall_of_95_percent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (out, truth) = (dir.path().join("corpus"), dir.path().join("truth"));
    let options = synth::Options {
        duplicates: DUPLICATES,
        truth: Some(truth.clone()),
    };
    synth::generate_with(&corpus_dir(), &out, REPORTS, 5, &options).expect("generate");
    let m = synth::measure_copies(&out, &truth).expect("measure");
    assert_eq!(m.reports, REPORTS);
    assert_eq!(m.files, REPORTS + DUPLICATES);

    let c = m.copied;
    let (precision, recall) = (c.precision(), c.recall());
    println!(
        "copied passages: {} sections, {} (section, other report) pairs true, {} found: \
         precision {precision:.4}, recall {recall:.4}",
        m.sections, c.truth, c.found
    );
    assert!(c.truth > 10_000, "the corpus copies passages: {}", c.truth);
    assert!(
        precision >= 0.95 && recall >= 0.95,
        "passages: precision {precision:.4}, recall {recall:.4}"
    );

    let d = m.duplicates;
    let (precision, recall) = (d.precision(), d.recall());
    println!(
        "duplicate reports: {} files, {} pairs true, {} found: precision {precision:.4}, \
         recall {recall:.4}",
        m.files, d.truth, d.found
    );
    assert!(d.truth >= DUPLICATES, "{} pairs", d.truth);
    assert!(
        precision >= 0.95 && recall >= 0.95,
        "duplicates: precision {precision:.4}, recall {recall:.4}"
    );
}

/// The index finds the same groups as the truth, counts each once, and a passage's copies are
/// the reports the truth says hold it; an incremental run that removes a copy updates both.
#[test]
fn the_index_counts_each_duplicate_group_once_and_finds_a_passages_copies() {
    use fazhi_search::index::writer;
    let dir = tempfile::tempdir().expect("temp dir");
    let (corpus, truth, index) = (
        dir.path().join("corpus"),
        dir.path().join("truth"),
        dir.path().join("index"),
    );
    let options = synth::Options {
        duplicates: 12,
        truth: Some(truth.clone()),
    };
    synth::generate_with(&corpus_dir(), &corpus, 80, 9, &options).expect("generate");
    let config = writer::IndexConfig {
        isolation: fazhi_search::ingest::worker::Isolation::InProcess,
        ..writer::IndexConfig::new(corpus.clone(), index.clone(), 2)
    };
    let hidden = indicatif::ProgressBar::hidden();
    let summary = writer::update(&config, &hidden).expect("index");
    let mut truth_groups: HashMap<String, BTreeSet<String>> = HashMap::new();
    for row in read_tsv(&truth.join("duplicates.tsv")) {
        truth_groups
            .entry(row[0].clone())
            .or_default()
            .insert(row[1].clone());
    }
    let mut found: Vec<BTreeSet<String>> = summary
        .duplicates
        .iter()
        .map(|g| {
            std::iter::once(g.canonical.clone())
                .chain(g.copies.iter().cloned())
                .collect()
        })
        .collect();
    let mut expected: Vec<BTreeSet<String>> = truth_groups.values().cloned().collect();
    found.sort();
    expected.sort();
    assert_eq!(found, expected, "the groups are the truth's");
    assert_eq!(summary.totals.reports, 80, "each group counted once");
    for g in &summary.duplicates {
        assert!(
            !g.canonical.starts_with("dup"),
            "the original has the shortest path: {g:?}"
        );
    }
    let lines = summary.duplicate_lines(fazhi_search::Lang::default());
    assert!(
        lines[0].contains(&format!("{} 组", expected.len())),
        "{lines:?}"
    );

    // A search counts each group once, unless asked to count every file.
    let engine = fazhi_search::Engine::open(&index).expect("engine");
    let mut filters = fazhi_search::Filters::default();
    let all = fazhi_search::Query::All;
    let reports = |f: &fazhi_search::Filters| engine.report_keys(&all, f).expect("keys").len();
    assert_eq!(reports(&filters), 80, "each group once");
    filters.with_copies = true;
    assert_eq!(reports(&filters), 80 + 12, "--with-copies: every file");

    // A passage's copies: the reports the truth says hold its source, but its own.
    let copied: Vec<Vec<String>> = read_tsv(&truth.join("copies.tsv"));
    let (file, line) = (&copied[5][0], copied[5][1].parse::<usize>().expect("line"));
    let source = &copied[5][3];
    let text = std::fs::read_to_string(corpus.join(file)).expect("report");
    let parsed = report::parse(file, &text, &Hints::default());
    let section = parsed
        .sections
        .iter()
        .find(|s| s.line == line)
        .expect("a section on the passage's line");
    let holders: BTreeSet<&str> = copied
        .iter()
        .filter(|r| &r[3] == source && &r[0] != file)
        .map(|r| r[0].as_str())
        .collect();
    let count = engine
        .copies_of(&section.text, Some(file))
        .expect("look up")
        .expect("long enough");
    let towns: BTreeSet<(String, String)> = holders
        .iter()
        .map(|h| {
            let text = std::fs::read_to_string(corpus.join(h)).expect("holder");
            let meta = report::parse(h, &text, &Hints::default()).meta;
            (
                meta.town.unwrap_or_default(),
                meta.county.unwrap_or_default(),
            )
        })
        .filter(|(town, _)| !town.is_empty())
        .collect();
    assert_eq!(count.towns, towns.len(), "towns, by town and county");
    let found: BTreeSet<&str> = count.files.iter().map(String::as_str).collect();
    assert_eq!(found, holders, "{}", section.text);

    // A hit's count counts reports as the search does: each group once, and with
    // --with-copies every file (a tester: 18 reports said with --with-copies, 22 files) — but
    // never the other files of the hit's own report: a report saved twice is not a copy of
    // itself (a tester: "also in 1 report" of a paragraph only its own .html held).
    let group_size = |f: &str| truth_groups.get(f).map_or(1, BTreeSet::len);
    let mut engine = fazhi_search::Engine::open(&index).expect("engine");
    engine.count_copies(true);
    let (mut checked, mut own_duplicated) = (0, 0);
    for row in &copied {
        let (file, line) = (&row[0], row[1].parse::<usize>().expect("line"));
        let text = std::fs::read_to_string(corpus.join(file)).expect("report");
        let parsed = report::parse(file, &text, &Hints::default());
        let Some(section) = parsed.sections.iter().find(|s| s.line == line) else {
            continue;
        };
        let Some(count) = engine
            .copies_of(&section.text, Some(file))
            .expect("look up")
        else {
            continue;
        };
        // Every file: each other report's group whole, none of its own.
        let every_file: usize = count.files.iter().map(|f| group_size(f)).sum();
        let own_group = group_size(file) > 1;
        if every_file == count.reports && !own_group {
            continue;
        }
        let fragment: String = section.text.chars().skip(3).take(8).collect();
        for with_copies in [false, true] {
            let mut filters = fazhi_search::Filters::default();
            filters.with_copies = with_copies;
            let results = engine
                .search(&fazhi_search::SearchRequest {
                    query: fazhi_search::Query::Text(fragment.clone()),
                    filters,
                    limit: None,
                    facet_limit: Some(0),
                })
                .expect("search");
            let hit = results
                .hits
                .iter()
                .find(|h| &h.meta.file == file && h.line == line as u64)
                .unwrap_or_else(|| panic!("{file}:{line} is a hit of {fragment}"));
            let expected = if with_copies {
                every_file
            } else {
                count.reports
            };
            let got = hit.copies.as_ref().expect("counted").reports;
            assert_eq!(got, expected, "{file}:{line}, --with-copies {with_copies}");
        }
        checked += 1;
        own_duplicated += usize::from(own_group);
        if checked >= 3 && own_duplicated > 0 {
            break;
        }
    }
    assert!(
        checked > 0 && own_duplicated > 0,
        "some copied passage is held by a duplicated report ({checked}), and some by a report \
         saved twice itself ({own_duplicated})"
    );

    // Remove one duplicate: its group shrinks or goes, and the next run says so.
    let gone = &summary.duplicates[0].copies[0];
    std::fs::remove_file(corpus.join(gone)).expect("remove");
    let again = writer::update(&config, &hidden).expect("index again");
    assert_eq!(again.removed, 1);
    assert!(
        again
            .duplicates
            .iter()
            .all(|g| !g.copies.contains(gone) && &g.canonical != gone),
        "{gone} is gone"
    );
    assert_eq!(again.totals.reports, 80);
    let engine = fazhi_search::Engine::open(&index).expect("engine");
    assert_eq!(
        engine
            .report_keys(&all, &fazhi_search::Filters::default())
            .expect("keys")
            .len(),
        80,
        "the groups the second run recorded"
    );
}

/// What a reader sees: a hit's copies with `--copies`, a duplicate's other files, `copies FILE`
/// and `copies --passage` with another town's name, other numbers and other punctuation.
#[test]
fn the_command_line_says_where_a_passage_is_copied() {
    use crate::util::{run, stdout};
    let dir = tempfile::tempdir().expect("temp dir");
    let options = synth::Options {
        duplicates: 6,
        truth: Some(dir.path().join("truth")),
    };
    synth::generate_with(&corpus_dir(), &dir.path().join("corpus"), 60, 4, &options)
        .expect("generate");
    assert_eq!(
        run("fazhi-index", dir.path(), &["-q"]).status.code(),
        Some(0)
    );
    let copied = read_tsv(&dir.path().join("truth/copies.tsv"));
    let groups = read_tsv(&dir.path().join("truth/duplicates.tsv"));

    // A passage of a measure, its source held by several reports.
    let holders = |source: &str| -> BTreeSet<String> {
        copied
            .iter()
            .filter(|r| r[3] == source)
            .map(|r| r[0].clone())
            .collect()
    };
    let row = copied
        .iter()
        .filter(|r| r[3].starts_with("measures/") && r[1] == r[2])
        .max_by_key(|r| holders(&r[3]).len())
        .expect("a measure");
    let (file, line) = (&row[0], row[1].parse::<usize>().expect("line"));
    let text = std::fs::read_to_string(dir.path().join("corpus").join(file)).expect("report");
    let passage = text.lines().nth(line - 1).expect("the line");

    // The search: the hit says in how many other reports the section is.
    let heading: String = passage.chars().skip(3).take(8).collect();
    let out = run(
        "fazhi-query",
        dir.path(),
        &["--copies", "--all", "--format", "json", &heading],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let hit = v["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .find(|h| h["file"] == file.as_str() && h["line"] == line as u64)
        .unwrap_or_else(|| panic!("{file}:{line} is a hit of {heading}"));
    let others = holders(&row[3]).len() - 1;
    assert_eq!(hit["copies"]["reports"], others as u64, "{hit}");

    // The API's hits with copies=true count them as the command line's JSON does.
    let server = crate::serve::Server::start(&dir.path().join("index"));
    let target = format!(
        "/api/search?q={}&copies=true&limit=100",
        crate::reading::encode(&heading)
    );
    let reply = server.get(&target);
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let api = reply.json();
    let api_hits = api["hits"].as_array().expect("hits");
    let cli_hits = v["hits"].as_array().expect("hits");
    assert!(!api_hits.is_empty());
    for (a, c) in api_hits.iter().zip(cli_hits) {
        assert_eq!((&a["file"], &a["line"]), (&c["file"], &c["line"]));
        assert_eq!(a["copies"], c["copies"], "{}:{}", a["file"], a["line"]);
    }
    let counted = |h: &&serde_json::Value| h["copies"]["reports"].as_u64().unwrap_or(0) > 0;
    assert!(api_hits.iter().any(|h| counted(&h)), "some hit is copied");
    let plain = server.get(&format!(
        "/api/search?q={}",
        crate::reading::encode(&heading)
    ));
    let plain = plain.json();
    let plain_hits = plain["hits"].as_array().expect("hits");
    assert!(
        plain_hits.iter().all(|h| h.get("copies").is_none()),
        "only when asked"
    );
    let text_out = stdout(&run("fazhi-query", dir.path(), &["--copies", &heading]));
    assert!(
        text_out.contains("也见于 ") && text_out.contains(" 份报告（"),
        "{text_out}"
    );
    let plain = stdout(&run("fazhi-query", dir.path(), &[&heading]));
    assert!(!plain.contains("也见于"), "only when asked: {plain}");

    // A duplicate's hits say where else the report is saved.
    let (original, copy) = (&groups[0][0], &groups[1][1]);
    let out = run("fazhi-query", dir.path(), &["copies", original.as_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", crate::util::stderr(&out));
    assert!(stdout(&out).contains("也见于"), "{}", stdout(&out));
    // Filters (and --with-copies, which the API refuses here too) are refused, not ignored;
    // FILE:LINE gives that section's copies only.
    for refused in [&["--year", "2018"][..], &["--with-copies"]] {
        let mut args = vec!["copies", original.as_str()];
        args.extend(refused);
        let filtered = run("fazhi-query", dir.path(), &args);
        assert_eq!(
            filtered.status.code(),
            Some(2),
            "{refused:?}: {}",
            stdout(&filtered)
        );
        assert!(
            crate::util::stderr(&filtered).contains("--with-copies"),
            "{refused:?}: {}",
            crate::util::stderr(&filtered)
        );
    }
    let json = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["copies", "--format", "json"];
        all.extend(args);
        let out = run("fazhi-query", dir.path(), &all);
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let every = json(&[original.as_str()]);
    let sections = every["sections"].as_array().expect("sections");
    assert!(sections.len() > 1, "{every}");
    let first = &sections[1];
    let place = match first["nth_on_line"].as_u64() {
        Some(n) => format!("{original}:{}#{n}", first["line"]),
        None => format!("{original}:{}", first["line"]),
    };
    let mut one = json(&[place.as_str()]);
    // That section, and where each of its copies is: the report, its section, the share.
    let places = one["sections"][0]
        .as_object_mut()
        .and_then(|s| s.remove("copies"))
        .unwrap_or_else(|| panic!("{place}: no copies listed"));
    assert_eq!(one["sections"], serde_json::json!([first]), "{place}");
    let listed: Vec<&serde_json::Value> = places
        .as_array()
        .expect("copies")
        .iter()
        .map(|c| &c["file"])
        .collect();
    let files: Vec<&serde_json::Value> = first["files"].as_array().expect("files").iter().collect();
    assert_eq!(listed, files, "{place}: {places}");
    let text = stdout(&run("fazhi-query", dir.path(), &["copies", place.as_str()]));
    for copy in places.as_array().expect("copies") {
        let share = copy["share"].as_f64().expect("a share");
        let line = format!("{}:{}", copy["file"].as_str().expect("file"), copy["line"]);
        assert!(text.contains(&line), "{place}: {line} in {text}");
        assert!(text.contains(&format!("{:.0}%", share * 100.0)), "{text}");
    }
    let title: String = std::fs::read_to_string(dir.path().join("corpus").join(original))
        .expect("original")
        .lines()
        .next()
        .expect("title")
        .chars()
        .take(12)
        .collect();
    let found = stdout(&run("fazhi-query", dir.path(), &["--all", &title]));
    assert!(found.contains(&format!("也存为 {copy}")), "{copy}: {found}");

    // The passage with another town, other numbers and a changed comma.
    let changed: String = passage
        .replace(|c: char| c.is_ascii_digit(), "7")
        .replacen('，', "、", 1);
    let town = fazhi_search::report::parse(file, &text, &Hints::default())
        .meta
        .town
        .expect("a town");
    let changed = changed.replace(&town, "城关镇");
    let out = run(
        "fazhi-query",
        dir.path(),
        &["copies", "--passage", &changed, "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", crate::util::stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let found: BTreeSet<String> = v["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .map(|m| m["file"].as_str().expect("file").to_string())
        .collect();
    assert_eq!(found, holders(&row[3]), "{changed}");

    // One character changed anywhere in the passage (a tester changed 全乡 to 全镇 inside its
    // longest run, and every copy was lost): still every holder.
    let chars: Vec<char> = changed.chars().collect();
    let letters: Vec<usize> = (0..chars.len())
        .filter(|&i| ('\u{4e00}'..='\u{9fff}').contains(&chars[i]))
        .collect();
    for k in 1..=5 {
        let at = letters[letters.len() * k / 6];
        let mut edited = chars.clone();
        edited[at] = if chars[at] == '每' { '各' } else { '每' };
        let edited: String = edited.into_iter().collect();
        let out = run(
            "fazhi-query",
            dir.path(),
            &["copies", "--passage", &edited, "--format", "json"],
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let found: BTreeSet<String> = v["matches"]
            .as_array()
            .expect("matches")
            .iter()
            .map(|m| m["file"].as_str().expect("file").to_string())
            .collect();
        assert_eq!(found, holders(&row[3]), "{edited}");
    }
    // Too short to tell a copy by: refused, pointing to a search (a word of four characters
    // found nothing before).
    for short in ["12，3", "法律顾问"] {
        let out = run("fazhi-query", dir.path(), &["copies", "--passage", short]);
        assert_eq!(out.status.code(), Some(2), "{short}");
        assert!(
            crate::util::stderr(&out).contains("fazhi-query"),
            "{short}: {}",
            crate::util::stderr(&out)
        );
    }
}

/// Reports that reuse another's text but are of another year or another town are counted, each
/// on its own: only the same report saved again is folded into one (found by a tester: a town's
/// 2024 report that kept its 2023 wording, and a neighbour's copy of the template, vanished).
#[test]
fn another_year_or_another_town_is_another_report_however_alike_the_text() {
    let corpus = crate::util::temp_corpus(&[]);
    crate::util::copy_seeds(corpus.path());
    let seed = std::fs::read_to_string(corpus.path().join("000_963d346edc5b3a7d.txt"))
        .expect("the seed of 北杨集镇, 2023");
    assert!(seed.contains("北杨集镇") && seed.contains("2023"));
    let write = |name: &str, text: String| {
        std::fs::write(corpus.path().join(name), text).expect("write a copy");
    };
    write("北杨集镇_2024.txt", seed.replace("2023", "2024"));
    write("刘庄店镇_2023.txt", seed.replace("北杨集镇", "刘庄店镇"));
    write("北杨集镇_again.txt", seed.clone());
    let index = tempfile::tempdir().expect("temp dir");
    let summary = crate::util::index(corpus.path(), index.path());
    let groups: Vec<BTreeSet<&str>> = summary
        .duplicates
        .iter()
        .map(|g| {
            std::iter::once(g.canonical.as_str())
                .chain(g.copies.iter().map(String::as_str))
                .collect()
        })
        .collect();
    let expected: BTreeSet<&str> = ["000_963d346edc5b3a7d.txt", "北杨集镇_again.txt"].into();
    assert_eq!(
        groups,
        vec![expected],
        "only the same report saved again is a copy"
    );
    assert_eq!(
        summary.totals.reports,
        5 + 2,
        "the other year and town count"
    );
    let engine = fazhi_search::Engine::open(index.path()).expect("engine");
    let all = fazhi_search::Query::All;
    for (facet, value) in [("year", "2024"), ("town", "刘庄店镇"), ("town", "北杨集镇")] {
        let mut filters = fazhi_search::Filters::default();
        let key = fazhi_search::index::schema::FacetKey::named(facet).expect("a facet");
        filters.add(key, value).expect("a filter");
        let n = engine.report_keys(&all, &filters).expect("keys").len();
        assert!(n >= 1, "{facet}={value}: {n} reports");
    }
}

/// The truth's pool passage that the section of `file` starting on `line` was made from.
fn source_of<'t>(copied: &'t [Vec<String>], file: &str, line: u64) -> Option<&'t str> {
    copied
        .iter()
        .find(|r| {
            let (from, to) = (r[1].parse::<u64>(), r[2].parse::<u64>());
            r[0] == file && matches!((from, to), (Ok(f), Ok(t)) if f <= line && line <= t)
        })
        .map(|r| r[3].as_str())
}

/// A hit's or a member's place: file, line, place on the line.
type Place = (String, u64, Option<u64>);

fn place_of(v: &serde_json::Value) -> Place {
    (
        v["file"].as_str().expect("file").to_string(),
        v["line"].as_u64().expect("line"),
        v["nth_on_line"].as_u64(),
    )
}

/// `--collapse`: the truth's copies of a passage are one hit listing every one of them, two
/// sections the truth says are different passages are never one hit, `--limit` counts the
/// collapsed hits, and an export of all of them holds every matching section once.
#[test]
fn collapse_makes_a_passages_copies_one_hit_and_merges_nothing_else() {
    use crate::util::{run, stderr, stdout};
    let dir = tempfile::tempdir().expect("temp dir");
    let options = synth::Options {
        duplicates: 6,
        truth: Some(dir.path().join("truth")),
    };
    synth::generate_with(&corpus_dir(), &dir.path().join("corpus"), 80, 11, &options)
        .expect("generate");
    assert_eq!(
        run("fazhi-index", dir.path(), &["-q"]).status.code(),
        Some(0)
    );
    let copied = read_tsv(&dir.path().join("truth/copies.tsv"));
    let json = |args: &[&str]| -> serde_json::Value {
        let out = run("fazhi-query", dir.path(), args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let hits = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["hits"].as_array().expect("hits").clone()
    };

    // A passage of a measure on one line, held by the most reports: searched for by a piece of
    // it, its holders' sections are one hit.
    let holders = |source: &str| -> BTreeSet<(String, u64)> {
        copied
            .iter()
            .filter(|r| r[3] == source && r[1] == r[2])
            .map(|r| (r[0].clone(), r[1].parse().expect("line")))
            .collect()
    };
    let row = copied
        .iter()
        .filter(|r| r[3].starts_with("measures/") && r[1] == r[2])
        .max_by_key(|r| holders(&r[3]).len())
        .expect("a measure");
    let expected = holders(&row[3]);
    assert!(expected.len() >= 3, "{expected:?}");
    let text = std::fs::read_to_string(dir.path().join("corpus").join(&row[0])).expect("report");
    let line: usize = row[1].parse().expect("line");
    let piece: String = text
        .lines()
        .nth(line - 1)
        .expect("the line")
        .chars()
        .skip(3)
        .take(8)
        .collect();
    let collapsed = json(&[&piece, "--collapse", "--all", "--format", "json"]);
    let groups: Vec<BTreeSet<(String, u64)>> = hits(&collapsed)
        .iter()
        .map(|h| {
            h["collapsed"]
                .as_array()
                .expect("every collapsed hit lists its sections")
                .iter()
                .map(|m| (place_of(m).0, place_of(m).1))
                .collect()
        })
        .collect();
    let holding: Vec<&BTreeSet<(String, u64)>> = groups
        .iter()
        .filter(|g| g.iter().any(|p| expected.contains(p)))
        .collect();
    assert_eq!(holding.len(), 1, "one hit holds the passage: {holding:?}");
    assert_eq!(holding[0], &expected, "every holder, nothing else");

    // Over a common word: every matching section stands in exactly one hit, itself first; a hit
    // of several sections is made of one passage of the truth.
    for query in [piece.as_str(), "法律顾问", "依法行政"] {
        let plain = json(&[query, "--all", "--format", "json"]);
        let collapsed = json(&[query, "--collapse", "--all", "--format", "json"]);
        let mut sections: Vec<Place> = hits(&plain).iter().map(place_of).collect();
        let mut members: Vec<Place> = Vec::new();
        for h in hits(&collapsed) {
            let list = h["collapsed"].as_array().expect("collapsed").clone();
            assert_eq!(
                place_of(&list[0]),
                place_of(&h),
                "the hit is its first member"
            );
            let sources: BTreeSet<Option<&str>> = list
                .iter()
                .map(|m| source_of(&copied, &place_of(m).0, place_of(m).1))
                .collect();
            if list.len() > 1 {
                assert!(
                    sources.len() == 1 && !sources.contains(&None),
                    "{query}: {} merged from {sources:?}",
                    h["file"]
                );
            }
            members.extend(list.iter().map(place_of));
        }
        sections.sort();
        members.sort();
        assert_eq!(members, sections, "{query}: each matching section once");
        assert_eq!(collapsed["total_sections"], plain["total_sections"]);
        assert!(hits(&collapsed).len() < hits(&plain).len(), "{query}");
    }

    // --limit counts collapsed hits: the first three of all of them.
    let all = hits(&json(&[
        "法律顾问",
        "--collapse",
        "--all",
        "--format",
        "json",
    ]));
    let three = hits(&json(&[
        "法律顾问",
        "--collapse",
        "--limit",
        "3",
        "--format",
        "json",
    ]));
    assert_eq!(three.len(), 3);
    for (a, b) in three.iter().zip(&all) {
        assert_eq!(a["collapsed"], b["collapsed"]);
    }
    // The API's collapse=true pages the same collapsed hits.
    let server = crate::serve::Server::start(&dir.path().join("index"));
    let page = server
        .get(&format!(
            "/api/search?q={}&collapse=true&offset=1&limit=2",
            crate::reading::encode("法律顾问")
        ))
        .json();
    let page = hits(&page);
    assert_eq!(page.len(), 2);
    for (a, b) in page.iter().zip(&all[1..]) {
        assert_eq!(a["collapsed"], b["collapsed"]);
    }
    let text_out = stdout(&run(
        "fazhi-query",
        dir.path(),
        &["法律顾问", "--collapse", "--limit", "3"],
    ));
    let stood_for: usize = three
        .iter()
        .map(|h| h["collapsed"].as_array().expect("collapsed").len())
        .sum();
    assert!(
        text_out.contains(&format!("3 条不同段落，代表 {stood_for} 个章节")),
        "{text_out}"
    );
    // Every section stands in a hit: none is said to be left to show.
    let every = stdout(&run(
        "fazhi-query",
        dir.path(),
        &["法律顾问", "--collapse", "--all"],
    ));
    assert!(!every.contains("显示前"), "{every}");
    assert!(text_out.contains("显示前 3 个"), "{text_out}");

    // An export of all of them: a row per collapsed hit, its sections counted and listed.
    let out = run(
        "fazhi-query",
        dir.path(),
        &["法律顾问", "--collapse", "--all", "-o", "all.csv"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("已将 {} 条不同段落写入 all.csv", all.len())),
        "{}",
        stderr(&out)
    );
    // Cut by --limit: says so without a count of sections it could not write as passages.
    if all.len() > 1 {
        let out = run(
            "fazhi-query",
            dir.path(),
            &["法律顾问", "--collapse", "--limit", "1", "-o", "one.csv"],
        );
        let said = stderr(&out);
        assert!(
            said.contains("只写入前 1 条不同段落") && !said.contains("全部 "),
            "{said}"
        );
    }
    let mut csv = csv::Reader::from_path(dir.path().join("all.csv")).expect("csv");
    let header = csv.headers().expect("header").clone();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (sections, listed) = (at("代表章节数"), at("含此段落的章节"));
    let rows: Vec<csv::StringRecord> = csv.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), all.len());
    for (row, hit) in rows.iter().zip(&all) {
        let members = hit["collapsed"].as_array().expect("collapsed");
        assert_eq!(row[sections], members.len().to_string());
        assert_eq!(
            row[listed].lines().count(),
            members.len(),
            "{}",
            &row[listed]
        );
    }
}

/// `stats --copied`: the share of a group's text found in other reports is the truth's — 0 in
/// reports that copy nothing, near 1 in reports that are one text with other towns' names and
/// years, and on the synthetic corpus each year's share as its ground truth gives it.
#[test]
fn stats_copied_gives_the_share_of_each_groups_text_found_in_other_reports() {
    use crate::util::{run, stderr, stdout};
    let json = |dir: &Path, args: &[&str]| -> serde_json::Value {
        let mut all = vec!["stats", "--copied", "--format", "json"];
        all.extend(args);
        let out = run("fazhi-query", dir, &all);
        assert!(out.status.code().is_some_and(|c| c < 2), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let share = |v: &serde_json::Value| v["totals"][0]["share"].as_f64().expect("a share");

    // Three seed reports: three towns' own words (the other two share a section).
    let corpus = crate::util::temp_corpus(&[]);
    crate::util::copy_seeds(corpus.path());
    for shared in ["001_d55687dd8b7cad87.txt", "002_36112790fc0668cf.txt"] {
        std::fs::remove_file(corpus.path().join(shared)).expect("a seed");
    }
    let index = tempfile::tempdir().expect("temp dir");
    crate::util::index(corpus.path(), index.path());
    let own = json(corpus.path(), &["--index", &index.path().to_string_lossy()]);
    assert_eq!(own["totals"][0]["copied_chars"], 0, "{own}");
    assert_eq!(share(&own), 0.0);
    let out = run(
        "fazhi-query",
        corpus.path(),
        &[
            "stats",
            "--copied",
            "--index",
            &index.path().to_string_lossy(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "nothing copied: {}",
        stdout(&out)
    );

    // One of them again as another town's and another year's: nearly all of the text is copied.
    let seed = std::fs::read_to_string(corpus.path().join("000_963d346edc5b3a7d.txt"))
        .expect("the seed of 北杨集镇, 2023");
    let write = |name: &str, text: String| {
        std::fs::write(corpus.path().join(name), text).expect("write a copy");
    };
    write("北杨集镇_2024.txt", seed.replace("2023", "2024"));
    write("刘庄店镇_2023.txt", seed.replace("北杨集镇", "刘庄店镇"));
    crate::util::index(corpus.path(), index.path());
    let index_arg = index.path().to_string_lossy().into_owned();
    let v = json(corpus.path(), &["--index", &index_arg, "--by", "town"]);
    let rows = v["rows"].as_array().expect("rows");
    let town = |name: &str| {
        rows.iter()
            .find(|r| r["group"][0].as_str().is_some_and(|g| g.starts_with(name)))
            .unwrap_or_else(|| panic!("{name}: {v}"))
    };
    for name in ["北杨集镇", "刘庄店镇"] {
        let s = town(name)["share"].as_f64().expect("a share");
        assert!(s > 0.9, "{name}: {s}");
    }
    let others: f64 = rows
        .iter()
        .filter(|r| {
            !r["group"][0]
                .as_str()
                .is_some_and(|g| g.starts_with("北杨集镇") || g.starts_with("刘庄店镇"))
        })
        .map(|r| r["copied_chars"].as_f64().unwrap_or(0.0))
        .sum();
    assert_eq!(others, 0.0, "the other towns copy nothing: {v}");
    assert_eq!(town("北杨集镇")["reports"], 2, "two years");

    // Every stats format says it: text and Markdown mark the share, CSV and XLSX give it with n.
    let text = |args: &[&str]| -> String {
        let mut all = vec!["stats", "--copied", "--index", index_arg.as_str()];
        all.extend(args);
        stdout(&run("fazhi-query", corpus.path(), &all))
    };
    assert!(text(&[]).contains("副本占比"), "{}", text(&[]));
    assert!(text(&["--lang", "en"]).contains("copied_share"));
    let csv = text(&["--format", "csv"]);
    assert!(
        csv.contains("报告数 n,章节字数,副本字数,副本占比,样本过少"),
        "{csv}"
    );
    let md = text(&["--format", "md"]);
    assert!(md.contains("| 副本占比 |"), "{md}");
    // A share's cell has no trailing spaces (a text table's room for the small-n mark showed as
    // "63.8%   |"); the totals' share is from enough reports to be unmarked.
    assert!(md.lines().any(|l| l.ends_with("% |")), "{md}");
    assert!(!md.contains("  |"), "{md}");
    let jsonl = text(&["--format", "jsonl"]);
    let first: serde_json::Value =
        serde_json::from_str(jsonl.lines().next().expect("a row")).expect("a json row");
    assert!(
        first["copied_chars"].is_u64() && first["year"].is_string(),
        "{first}"
    );
    let out = run(
        "fazhi-query",
        corpus.path(),
        &[
            "stats",
            "--copied",
            "--index",
            &index_arg,
            "-o",
            "copied.xlsx",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook(corpus.path().join("copied.xlsx")).expect("xlsx");
    let sheet = book.worksheet_range("copied").expect("the copied sheet");
    let header: Vec<String> = sheet
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(header.contains(&"副本占比".to_string()), "{header:?}");

    // The synthetic corpus: each year's share is the truth's — the characters of the sections
    // made from a pool passage another report also holds, over all characters.
    let dir = tempfile::tempdir().expect("temp dir");
    let (corpus, truth) = (dir.path().join("corpus"), dir.path().join("truth"));
    let options = synth::Options {
        duplicates: 8,
        truth: Some(truth.clone()),
    };
    synth::generate_with(&corpus_dir(), &corpus, 80, 7, &options).expect("generate");
    crate::util::index(&corpus, &dir.path().join("index"));
    let copied = read_tsv(&truth.join("copies.tsv"));
    let mut holders: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for r in &copied {
        holders.entry(&r[3]).or_default().insert(&r[0]);
    }
    let mut by_year: HashMap<String, (usize, usize)> = HashMap::new();
    let originals: BTreeSet<&str> = copied.iter().map(|r| r[0].as_str()).collect();
    for file in originals {
        let text = std::fs::read_to_string(corpus.join(file)).expect("report");
        let parsed = report::parse(file, &text, &Hints::default());
        let year = parsed.meta.year.map(|y| y.to_string()).unwrap_or_default();
        let sums = by_year.entry(year).or_default();
        for s in &parsed.sections {
            let chars = s.text.chars().count();
            sums.0 += chars;
            let source = source_of(&copied, file, s.line as u64);
            let elsewhere = source.is_some_and(|src| holders[src].len() > 1);
            if elsewhere && copies::passage_bands(&s.text).is_some() {
                sums.1 += chars;
            }
        }
    }
    let v = json(dir.path(), &[]);
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), by_year.len(), "{v}");
    for r in rows {
        let year = r["group"][0].as_str().unwrap_or_default().to_string();
        let (chars, copied_chars) = by_year[&year];
        let truth_share = copied_chars as f64 / chars as f64;
        let found = r["share"].as_f64().expect("a share");
        println!("{year}: copied share {found:.4}, truth {truth_share:.4}");
        assert_eq!(
            r["chars"], chars as u64,
            "{year}: the text counted is the reports'"
        );
        assert!(
            (found - truth_share).abs() < 0.02,
            "{year}: {found:.4} found, {truth_share:.4} true"
        );
    }
    // Under --with-copies the duplicates' text is counted too.
    let every = json(dir.path(), &["--with-copies"]);
    assert!(every["totals"][0]["chars"].as_u64() > v["totals"][0]["chars"].as_u64());
}
