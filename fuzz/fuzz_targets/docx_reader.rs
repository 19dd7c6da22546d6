//! Bytes → text through the .docx reader alone, in process (where `fazhi-index` would run it in
//! a worker): it must return text or a reason, never panic, overflow its stack or run away.
#![no_main]

use fazhi_search::ingest::{self, FileFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ingest::extract_format(FileFormat::Docx, data);
});
