//! The scale-out path: `fazhi-index --emit ndjson` and the Quickwit and OpenSearch index
//! definitions in index_schema/ agree on every field's name and type.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::util::{corpus_dir, run, stderr};

fn schema_file(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("index_schema")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("config file")).expect("valid JSON")
}

/// The JSON kind of each field over all emitted documents: "number", "string", "array".
fn emitted_kinds(docs: &[Value]) -> BTreeMap<String, &'static str> {
    let mut kinds = BTreeMap::new();
    for doc in docs {
        for (key, value) in doc.as_object().expect("object") {
            let kind = match value {
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Null => continue,
                other => panic!("{key}: unexpected {other}"),
            };
            let previous = kinds.insert(key.clone(), kind);
            assert!(previous.is_none_or(|p| p == kind), "{key} changes type");
        }
    }
    kinds
}

#[test]
fn emitted_sections_match_the_quickwit_and_opensearch_definitions() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let out = run(
        "fazhi-index",
        dir.path(),
        &[
            "--emit",
            "ndjson",
            "--corpus",
            &corpus_dir().to_string_lossy(),
            "-o",
            "sections.ndjson",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("sections.ndjson")).expect("output");
    let docs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(docs.len(), 159, "every section of the bundled corpus");
    assert!(stderr(&out).contains("已输出 159 个章节"));
    let kinds = emitted_kinds(&docs);
    let words = docs[0]["text_words"].as_str().expect("words");
    assert!(
        words.contains(' '),
        "jieba words are pre-segmented: {words}"
    );

    let quickwit = schema_file("quickwit-index.json");
    let qw: BTreeMap<String, String> = quickwit["doc_mapping"]["field_mappings"]
        .as_array()
        .expect("field_mappings")
        .iter()
        .map(|f| {
            (
                f["name"].as_str().expect("name").to_string(),
                f["type"].as_str().expect("type").to_string(),
            )
        })
        .collect();
    let opensearch = schema_file("opensearch-mapping.json");
    let os: BTreeMap<String, String> = opensearch["mappings"]["properties"]
        .as_object()
        .expect("properties")
        .iter()
        .map(|(k, v)| (k.clone(), v["type"].as_str().expect("type").to_string()))
        .collect();
    let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
    let emitted: Vec<String> = kinds.keys().cloned().collect();
    assert_eq!(names(&qw), emitted, "Quickwit fields = emitted fields");
    assert_eq!(names(&os), emitted, "OpenSearch fields = emitted fields");
    for (field, kind) in &kinds {
        let (q, o) = (qw[field].as_str(), os[field].as_str());
        let agrees = match *kind {
            "number" => q == "u64" && o == "integer",
            "string" => q == "text" && matches!(o, "keyword" | "text"),
            "array" => q == "array<text>" && o == "text",
            _ => false,
        };
        assert!(
            agrees,
            "{field}: emitted as {kind}, Quickwit {q}, OpenSearch {o}"
        );
    }
}

#[test]
fn every_searchable_field_of_the_index_is_emitted() {
    let specs = fazhi_search::index::schema::field_specs();
    // `as_read` is not searched: the text as read behind a report's dropped chrome, for reading
    // one report (`/api/report`, `show --chrome`), not a search engine's field.
    // `copy_bands` and `copy_sketch` are fingerprints fazhi-search finds copies with
    // (src/copies.rs), not text or metadata to search.
    let internal = [
        "text_bigrams",
        "report_key",
        "fingerprint",
        "as_read",
        "copy_bands",
        "copy_sketch",
    ];
    let quickwit = schema_file("quickwit-index.json");
    let declared: Vec<&str> = quickwit["doc_mapping"]["field_mappings"]
        .as_array()
        .expect("field_mappings")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    for spec in specs
        .iter()
        .filter(|s| !internal.contains(&s.name.as_str()))
    {
        assert!(
            declared.contains(&spec.name.as_str()),
            "index field {} is not in the scale-out definitions",
            spec.name
        );
    }
}
