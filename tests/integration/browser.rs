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
    let server = Server::start(test_index());
    let shots = TempDir::new().expect("temp dir");
    let screenshot = shots.path().join("serve.png");
    let out = Command::new("node")
        .arg(scripts.join("e2e.mjs"))
        .arg(server.url())
        .arg(&screenshot)
        .current_dir(&scripts)
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
