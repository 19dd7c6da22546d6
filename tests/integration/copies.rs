//! Copy detection measured against the synthetic corpus's ground truth: the generator writes
//! down which pool passage each passage of a report was made from, and which files are copies of
//! one report (`synth::generate_with`). Precision and recall of both detections must be at least
//! 0.95; the figures are printed (`cargo test copies -- --nocapture`).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use fazhi_search::copies::{self, PassageTable, ReportSketch};
use fazhi_search::ingest::{self, FileFormat, Hints};
use fazhi_search::{report, synth};

use crate::util::corpus_dir;

const REPORTS: usize = 300;
const DUPLICATES: usize = 30;

/// A generated corpus with its truth, parsed as the index parses it.
struct Generated {
    _dir: tempfile::TempDir,
    /// Per file, its sections' (line, text), in order.
    files: Vec<(String, Vec<(usize, String)>)>,
    /// Per file, what its metadata says of its year and place.
    identities: Vec<copies::Identity>,
    /// Per original report, its passages: (line, last line, source).
    copied: HashMap<String, Vec<(usize, usize, String)>>,
    /// File → its group (the original's name), for the files of a group.
    group_of: HashMap<String, String>,
}

fn generated() -> Generated {
    let dir = tempfile::tempdir().expect("temp dir");
    let (out, truth) = (dir.path().join("corpus"), dir.path().join("truth"));
    let options = synth::Options {
        duplicates: DUPLICATES,
        truth: Some(truth.clone()),
    };
    synth::generate_with(&corpus_dir(), &out, REPORTS, 5, &options).expect("generate");
    let (mut files, mut identities) = (Vec::new(), Vec::new());
    let mut names: Vec<_> = std::fs::read_dir(&out)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    for path in names {
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some("html") => FileFormat::Html,
            _ => FileFormat::Text,
        };
        let bytes = std::fs::read(&path).expect("read");
        let extracted = ingest::extract_format(format, &bytes).expect("extract");
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let r = report::parse(&name, &extracted.text, &Hints::default());
        let sections = r
            .sections
            .iter()
            .map(|s| (s.line, s.text.clone()))
            .collect();
        files.push((name, sections));
        let m = &r.meta;
        identities.push(copies::Identity::new(
            m.year,
            [
                m.town.as_deref(),
                m.county.as_deref(),
                m.province.as_deref(),
            ],
        ));
    }
    let mut copied: HashMap<String, Vec<(usize, usize, String)>> = HashMap::new();
    for row in read_tsv(&truth.join("copies.tsv")) {
        let [file, line, last, source] = &row[..] else {
            panic!("copies.tsv row {row:?}")
        };
        copied.entry(file.clone()).or_default().push((
            line.parse().expect("line"),
            last.parse().expect("last line"),
            source.clone(),
        ));
    }
    let group_of = read_tsv(&truth.join("duplicates.tsv"))
        .into_iter()
        .map(|row| (row[1].clone(), row[0].clone()))
        .collect();
    Generated {
        _dir: dir,
        files,
        identities,
        copied,
        group_of,
    }
}

fn read_tsv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .expect("truth file")
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// Precision and recall of `found` against `truth`, two sets of pairs.
fn precision_recall<T: Eq + std::hash::Hash>(found: &HashSet<T>, truth: &HashSet<T>) -> (f64, f64) {
    let right = found.intersection(truth).count() as f64;
    (
        right / found.len().max(1) as f64,
        right / truth.len().max(1) as f64,
    )
}

#[test]
fn copied_passages_and_duplicate_reports_are_found_with_precision_and_recall_of_95_percent() {
    let g = generated();

    // Passages. Each fingerprinted section of an original report is the nth section of a pool
    // passage; the truth for it is every other report holding the same nth section of the same
    // pool passage. The duplicates are left out: their sections are copies of their original's
    // by construction and are measured as whole reports below.
    struct Passage {
        report: usize,
        truth_key: (String, usize),
    }
    let mut passages = Vec::new();
    let mut table = PassageTable::default();
    let mut bands_of = Vec::new();
    let originals: Vec<&(String, Vec<(usize, String)>)> = g
        .files
        .iter()
        .filter(|(name, _)| g.copied.contains_key(name))
        .collect();
    assert_eq!(originals.len(), REPORTS);
    for (r, (name, sections)) in originals.iter().enumerate() {
        let units = &g.copied[name];
        let mut nth: HashMap<usize, usize> = HashMap::new();
        for (line, text) in sections {
            let Some(u) = units
                .iter()
                .position(|(l, last, _)| l <= line && line <= last)
            else {
                continue;
            };
            let k = nth.entry(u).or_default();
            *k += 1;
            let Some(bands) = copies::passage_bands(text) else {
                continue;
            };
            table.add(passages.len(), &bands);
            bands_of.push(bands);
            passages.push(Passage {
                report: r,
                truth_key: (units[u].2.clone(), *k),
            });
        }
    }
    let mut holders: HashMap<&(String, usize), BTreeSet<usize>> = HashMap::new();
    for p in &passages {
        holders.entry(&p.truth_key).or_default().insert(p.report);
    }
    let (mut found, mut truth) = (HashSet::new(), HashSet::new());
    for (i, p) in passages.iter().enumerate() {
        for &other in &holders[&p.truth_key] {
            if other != p.report {
                truth.insert((i, other));
            }
        }
        for j in table.near(&bands_of[i]) {
            if passages[j].report != p.report {
                found.insert((i, passages[j].report));
            }
        }
    }
    let (precision, recall) = precision_recall(&found, &truth);
    println!(
        "copied passages: {} sections, {} (section, other report) pairs true, {} found: \
         precision {precision:.4}, recall {recall:.4}",
        passages.len(),
        truth.len(),
        found.len()
    );
    assert!(
        truth.len() > 10_000,
        "the corpus copies passages: {}",
        truth.len()
    );
    assert!(
        precision >= 0.95 && recall >= 0.95,
        "passages: precision {precision:.4}, recall {recall:.4}"
    );

    // Duplicate reports: pairs of files in one group.
    let sketches: Vec<ReportSketch> = g
        .files
        .iter()
        .map(|(_, sections)| ReportSketch::of(sections.iter().map(|(_, t)| t.as_str())))
        .collect();
    let pairs = |groups: &[Vec<usize>]| -> HashSet<(usize, usize)> {
        let mut out = HashSet::new();
        for group in groups {
            for (k, &a) in group.iter().enumerate() {
                for &b in &group[k + 1..] {
                    out.insert((a.min(b), a.max(b)));
                }
            }
        }
        out
    };
    let found = pairs(&copies::duplicate_groups(&sketches, &g.identities));
    let mut truth_groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (name, _)) in g.files.iter().enumerate() {
        if let Some(group) = g.group_of.get(name) {
            truth_groups.entry(group).or_default().push(i);
        }
    }
    let truth = pairs(&truth_groups.into_values().collect::<Vec<_>>());
    let (precision, recall) = precision_recall(&found, &truth);
    println!(
        "duplicate reports: {} files, {} pairs true, {} found: precision {precision:.4}, \
         recall {recall:.4}",
        g.files.len(),
        truth.len(),
        found.len()
    );
    assert!(truth.len() >= DUPLICATES, "{} pairs", truth.len());
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
    // Filters are refused, not ignored; FILE:LINE gives that section's copies only.
    let filtered = run(
        "fazhi-query",
        dir.path(),
        &["copies", original.as_str(), "--year", "2018"],
    );
    assert_eq!(filtered.status.code(), Some(2), "{}", stdout(&filtered));
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
