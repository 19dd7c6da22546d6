//! The layers point one way: a module of the library uses only modules below it in [`LAYERS`]
//! (the pipeline of src/lib.rs), never one above, so that each stage can be read, tested and
//! changed knowing only what comes before it. The test reads every file under src/ and fails
//! on a `crate::` path, or a `super::` path that reaches the crate root, that climbs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The top-level modules of src/lib.rs, lowest first: each may use those before it.
const LAYERS: &[&str] = &[
    // Used by every stage: the error type, the interface language, text normalisation, the
    // written date (a page's, a signature's) and the heading grammar (read by ingest for Word
    // outlines, by clean to keep headings whole, by sections to build the tree).
    "error",
    "lang",
    "normalize",
    "date",
    "heading",
    // The pipeline, in the order a report goes through it. `classify` is a rule table from a
    // heading's text to a section type, which `sections` applies as it builds the tree.
    "corpus",
    "ingest",
    "clean",
    "classify",
    "sections",
    "region",
    "report",
    // Fingerprints of passages and reports (gazetteer names masked), for copy detection.
    "copies",
    "index",
    "search",
    "export",
    // One request, read alike from the command line's options and the API's parameters.
    "request",
    "serve",
    // Over the whole pipeline, for the binaries: `fazhi-index --explain` and synthetic corpora.
    "explain",
    "synth",
    // fazhi-query's commands: options read, the index opened, answers written and exit codes.
    "cli",
];

/// Uses that still climb, as (module, path it uses, the change that removes it). An entry that
/// is no longer needed fails the test too, so this list only shrinks.
const NOT_YET: &[(&str, &str, &str)] = &[];

/// One use of a crate-level path: where, by which module, and the path after `crate::`.
#[derive(Debug)]
struct Use {
    file: PathBuf,
    line: usize,
    module: String,
    path: String,
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    let declared = declared_modules(&lib);
    let mut in_table: Vec<String> = LAYERS.iter().map(|m| m.to_string()).collect();
    in_table.sort();
    assert_eq!(
        declared, in_table,
        "src/lib.rs and LAYERS must list the same modules: place a new module in the table"
    );
    let reexports = root_reexports(&lib);
    let rank = |module: &str| LAYERS.iter().position(|m| *m == module);

    let mut climbs = Vec::new();
    let mut exceptions_used = vec![false; NOT_YET.len()];
    for u in crate_uses(&src) {
        let head = u.path.split("::").next().unwrap_or_default();
        let used = if rank(head).is_some() {
            head
        } else if let Some(module) = reexports.get(head) {
            module.as_str()
        } else {
            climbs.push(format!(
                "{}:{}: crate::{} names no module of src/lib.rs",
                u.file.display(),
                u.line,
                u.path
            ));
            continue;
        };
        let (Some(from), Some(to)) = (rank(&u.module), rank(used)) else {
            panic!("{} is not in LAYERS", u.module);
        };
        if to <= from {
            continue;
        }
        let exception = NOT_YET.iter().position(|(module, path, _)| {
            *module == u.module && (u.path == *path || u.path.starts_with(&format!("{path}::")))
        });
        match exception {
            Some(i) => exceptions_used[i] = true,
            None => climbs.push(format!(
                "{}:{}: {} uses crate::{}, a layer above it",
                u.file.display(),
                u.line,
                u.module,
                u.path
            )),
        }
    }
    for ((module, path, why), used) in NOT_YET.iter().zip(exceptions_used) {
        if !used {
            climbs.push(format!(
                "NOT_YET lists {module} → {path} ({why}), which no longer climbs: remove it"
            ));
        }
    }
    assert!(climbs.is_empty(), "\n{}", climbs.join("\n"));
}

/// The scanner finds what a reader would call a use of another module, in any form.
#[test]
fn the_scanner_reads_every_form_of_a_crate_path() {
    let rows: [(&str, &str, &[&str]); 9] = [
        (
            "clean.rs",
            "use crate::sections::heading;",
            &["sections::heading"],
        ),
        (
            "ingest/docx.rs",
            "use crate::{report::Hints,\n  sections::{self, heading}};",
            &["report::Hints", "sections"],
        ),
        (
            "ingest/mod.rs",
            "let x = crate::report::iso_date(d);",
            &["report::iso_date"],
        ),
        ("ingest/worker.rs", "use super::Extracted;", &[]),
        (
            "ingest/worker.rs",
            "use super::super::report::Hints;",
            &["report::Hints"],
        ),
        ("clean.rs", "fn f() -> super::Report {}", &["Report"]),
        (
            "ingest/mod.rs",
            "// see crate::report\nlet s = \"x\"; // crate::search",
            &[],
        ),
        (
            "clean.rs",
            "fn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::report;\n}\nuse crate::synth;",
            &["synth"],
        ),
        ("ingest/mod.rs", "fazhi_crate::x; my_super::y;", &[]),
    ];
    for (file, text, expected) in rows {
        let got: Vec<String> = uses_in(Path::new(file), text)
            .into_iter()
            .map(|(_, path)| path)
            .collect();
        assert_eq!(got, expected, "{file}: {text:?}");
    }
    let lines: Vec<usize> = uses_in(Path::new("a.rs"), "\nuse crate::b;\n\nuse crate::c;")
        .into_iter()
        .map(|(line, _)| line)
        .collect();
    assert_eq!(lines, [2, 4], "uses are placed on their lines");
}

/// The `pub mod` names of lib.rs, sorted.
fn declared_modules(lib: &str) -> Vec<String> {
    let mut modules: Vec<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').trim().to_string())
        .collect();
    modules.sort();
    modules
}

/// The names lib.rs re-exports at the crate root (`pub use report::Report;`), by module.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for line in lib.lines() {
        let Some(path) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let path = path.trim_end_matches(';');
        let module = path.split("::").next().unwrap_or_default().to_string();
        let items = match path.find('{') {
            Some(open) => path[open + 1..].trim_end_matches('}').to_string(),
            None => path.rsplit("::").next().unwrap_or_default().to_string(),
        };
        for item in items.split(',') {
            let name = item.rsplit(" as ").next().unwrap_or_default().trim();
            if !name.is_empty() {
                names.insert(name.to_string(), module.clone());
            }
        }
    }
    names
}

/// Every crate-level path used by the library's modules (the binaries are above them all).
fn crate_uses(src: &Path) -> Vec<Use> {
    let mut files = Vec::new();
    collect_rs(src, &mut files);
    let mut uses = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).expect("under src/").to_path_buf();
        if rel.starts_with("bin") || rel == Path::new("lib.rs") {
            continue;
        }
        let module = module_path(&rel)[0].clone();
        let text = std::fs::read_to_string(&file).expect("a source file");
        for (line, path) in uses_in(&rel, &text) {
            uses.push(Use {
                file: Path::new("src").join(&rel),
                line,
                module: module.clone(),
                path,
            });
        }
    }
    uses
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("a source entry").path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a file under src/ is: `ingest/worker.rs` is ingest::worker, `ingest/mod.rs`
/// and `ingest.rs` are ingest.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The crate-level paths `text` (the file `rel` under src/) uses, with their line numbers:
/// `crate::a::b`, each item of `crate::{a, b::c}`, and `super::` paths that climb to the crate
/// root. Comments and `#[cfg(test)]` items are passed over: a test may reach any module.
fn uses_in(rel: &Path, text: &str) -> Vec<(usize, String)> {
    let code = without_tests(&without_comments(text));
    let depth = module_path(rel).len();
    let bytes = code.as_bytes();
    let mut uses = Vec::new();
    let mut at = 0;
    while at < code.len() {
        let rest = &code[at..];
        let after_word = at == 0 || !is_ident(bytes[at - 1]);
        let root = if !after_word {
            None
        } else if let Some(r) = rest.strip_prefix("crate::") {
            Some(r)
        } else if rest.starts_with("super::") {
            let mut r = rest;
            let mut climbs = 0;
            while let Some(next) = r.strip_prefix("super::") {
                r = next;
                climbs += 1;
            }
            (climbs >= depth).then_some(r)
        } else {
            None
        };
        let Some(path) = root else {
            at += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let line = code[..at].matches('\n').count() + 1;
        let start = code.len() - path.len();
        let (items, end) = if let Some(group) = path.strip_prefix('{') {
            let close = matching_brace(group);
            let items = split_top_level(&group[..close])
                .into_iter()
                .map(|item| first_path(item).0)
                .collect();
            (items, start + 1 + close + 1)
        } else {
            let (p, len) = first_path(path);
            (vec![p], start + len)
        };
        uses.extend(
            items
                .into_iter()
                .filter(|p| !p.is_empty())
                .map(|p| (line, p)),
        );
        at = end.max(at + 1);
    }
    uses
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `a::b::C` at the start of `text`, stopping before a group, `self` or anything else; and the
/// length read.
fn first_path(text: &str) -> (String, usize) {
    let mut parts = Vec::new();
    let mut at = 0;
    loop {
        let rest = &text[at..];
        let rest_trimmed = rest.trim_start();
        at += rest.len() - rest_trimmed.len();
        let len = rest_trimmed.bytes().take_while(|b| is_ident(*b)).count();
        if len == 0 || &rest_trimmed[..len] == "self" {
            break;
        }
        parts.push(rest_trimmed[..len].to_string());
        at += len;
        match text[at..].strip_prefix("::") {
            Some(_) => at += 2,
            None => break,
        }
    }
    (parts.join("::"), at)
}

/// Where the `}` closing a group that starts just before `text` is.
fn matching_brace(text: &str) -> usize {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

fn split_top_level(group: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    items
}

/// `text` with line comments (and so doc comments) blanked, keeping its lines; `//` inside a
/// string literal on the same line is taken for a comment, which only hides the rest of that
/// line.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|l| l.find("//").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` with each `#[cfg(test)]` item blanked (its lines kept, empty).
fn without_tests(text: &str) -> String {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        out.push(if line.trim() == "#[cfg(test)]" {
            ""
        } else {
            line
        });
        if line.trim() != "#[cfg(test)]" {
            continue;
        }
        let mut depth = 0i32;
        let mut opened = false;
        for item_line in lines.by_ref() {
            out.push("");
            depth += item_line.matches('{').count() as i32;
            depth -= item_line.matches('}').count() as i32;
            opened |= item_line.contains('{');
            if (opened && depth <= 0) || (!opened && item_line.trim_end().ends_with(';')) {
                break;
            }
        }
    }
    out.join("\n")
}
