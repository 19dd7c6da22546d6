//! The search page in a real browser: `tests/browser/e2e.mjs` drives Debian's headless
//! Chromium through playwright-core against a server on the test index (the seeds and a report
//! that contains `<script>`). Needs `/usr/bin/chromium` and `tests/browser/node_modules`
//! (`.ci/setup` installs both); FAZHI_SKIP_BROWSER=1 skips it, and so does their absence, with a
//! line that says so, except under `CI=true`, where a missing browser fails the test.

use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

use crate::serve::{Server, test_index};

const CHROMIUM: &str = "/usr/bin/chromium";
const MISSING: &str = "browser tests need Chromium and playwright-core: run .ci/setup (or set \
                       FAZHI_SKIP_BROWSER=1 to skip them)";

#[test]
fn the_page_works_in_chromium() {
    if std::env::var_os("FAZHI_SKIP_BROWSER").is_some_and(|v| v == "1") {
        eprintln!("the_page_works_in_chromium: skipped (FAZHI_SKIP_BROWSER=1)");
        return;
    }
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let playwright = scripts.join("node_modules/playwright-core");
    let installed = Path::new(CHROMIUM).exists() && playwright.is_dir();
    // On a developer's machine a missing browser skips this one test, loudly; CI must run it.
    if !installed && std::env::var_os("CI").is_none_or(|v| v != "true") {
        eprintln!("browser test skipped: chromium or playwright-core not found — run .ci/setup");
        return;
    }
    assert!(installed, "{MISSING}");
    // A deadline well past the default's 5 s: this test runs beside the suite's heaviest
    // tests, and a search cut short under that load is a 503, not what is tested here.
    let patient =
        |index: &std::path::Path| Server::start_with(index, &["--deadline", "60"], &[], None);
    let server = patient(test_index());
    let copies = CopiesCorpus::new();
    let copies_server = patient(&copies.dir.path().join("index"));
    // A server whose every check point takes 200 ms and whose deadline is 1 s: a search of
    // many hits is stopped at its deadline (a 503), as the page must say.
    let pause = [("FAZHI_SERVE_TEST_PAUSE_MS", "200")];
    let slow_server = Server::start_with(test_index(), &["--deadline", "1"], &pause, None);
    let shots = TempDir::new().expect("temp dir");
    let screenshot = shots.path().join("serve.png");
    let out = Command::new("node")
        .arg(scripts.join("e2e.mjs"))
        .arg(server.url())
        .arg(&screenshot)
        .current_dir(&scripts)
        .env("FAZHI_COPIES_BASE", copies_server.url())
        .env("FAZHI_COPIED_QUERY", &copies.copied_query)
        .env("FAZHI_SAVED_QUERY", &copies.saved_query)
        .env("FAZHI_SLOW_BASE", slow_server.url())
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): {MISSING}"));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "tests/browser/e2e.mjs failed:\n{said}"
    );
    assert!(said.contains("steps passed"), "{said}");
    let png = std::fs::read(&screenshot).expect("the screenshot is written");
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
}

/// A synthetic corpus whose reports copy passages from each other and some of which are saved
/// twice, indexed; a query whose hits are copied in other reports (the heading of the most
/// copied measure) and one whose hits come from a report saved more than once (its title).
struct CopiesCorpus {
    dir: TempDir,
    copied_query: String,
    saved_query: String,
}

impl CopiesCorpus {
    fn new() -> CopiesCorpus {
        use crate::util::{corpus_dir, run};
        let dir = TempDir::new().expect("temp dir");
        let options = fazhi_search::synth::Options {
            duplicates: 6,
            truth: Some(dir.path().join("truth")),
        };
        let corpus = dir.path().join("corpus");
        fazhi_search::synth::generate_with(&corpus_dir(), &corpus, 60, 4, &options)
            .expect("generate");
        let index = run("fazhi-index", dir.path(), &["-q"]);
        assert_eq!(
            index.status.code(),
            Some(0),
            "{}",
            crate::util::stderr(&index)
        );
        let rows = |name: &str| -> Vec<Vec<String>> {
            let text = std::fs::read_to_string(dir.path().join("truth").join(name)).expect(name);
            let lines = text.lines().skip(1);
            lines
                .map(|l| l.split('\t').map(String::from).collect())
                .collect()
        };
        let copied = rows("copies.tsv");
        let holders = |source: &str| copied.iter().filter(|r| r[3] == source).count();
        let row = copied
            .iter()
            .filter(|r| r[3].starts_with("measures/") && r[1] == r[2])
            .max_by_key(|r| holders(&r[3]))
            .expect("a copied measure");
        let line = |file: &str, n: usize| -> String {
            let text = std::fs::read_to_string(corpus.join(file)).expect("a report");
            text.lines().nth(n).expect("the line").to_string()
        };
        let n: usize = row[1].parse().expect("a line number");
        let copied_query = line(&row[0], n - 1).chars().skip(3).take(8).collect();
        let original = rows("duplicates.tsv").swap_remove(0).swap_remove(0);
        let saved_query = line(&original, 0).chars().take(12).collect();
        CopiesCorpus {
            dir,
            copied_query,
            saved_query,
        }
    }
}
