//! String → query: the query parser returns a query or a message, never panics; a parsed query
//! always has terms the passage builder can highlight.
#![no_main]

use fazhi_search::export::passage::{PassageOptions, passage};
use fazhi_search::search;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(query) = search::parse(text) {
        let terms = query.positive_terms();
        let _ = passage("依法治镇，法律顾问参与合法性审查。（一）２０２３年", &terms, PassageOptions::default());
    }
});
