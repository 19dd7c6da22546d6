//! Bytes → report: every reader (text in any encoding, HTML, .docx, PDF) and the report parser
//! must return a report or a reason, never panic.
#![no_main]

use std::path::PathBuf;

use fazhi_search::ingest::{self, CorpusFile};
use fazhi_search::report::{self, Hints};
use libfuzzer_sys::fuzz_target;

const EXTENSIONS: [&str; 4] = ["txt", "html", "docx", "pdf"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let ext = EXTENSIONS[usize::from(selector) % EXTENSIONS.len()];
    let file = CorpusFile {
        path: PathBuf::from(format!("fuzz.{ext}")),
        rel: format!("fuzz.{ext}"),
    };
    if let Ok(extracted) = ingest::extract(&file, bytes) {
        let _ = report::parse(&file.rel, &extracted.text, &extracted.hints);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = report::parse("fuzz.txt", text, &Hints::default());
    }
});
