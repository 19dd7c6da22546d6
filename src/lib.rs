//! fazhi-search: a search engine for Chinese local governments' annual rule-of-law reports
//! (法治政府建设年度报告).
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! ingest     corpus folder → files → text              (ingest::discover, ingest::extract)
//! clean      text → lines without site boilerplate     (clean::clean)
//! sections   lines → heading tree and inline points   (sections::split)
//! classify   top-level heading → SectionType          (classify::TypeRules)
//! region     title, signature → town/county/city/province   (region::Gazetteer)
//! report     all of the above for one file             (report::parse)
//! copies     fingerprints of passages and reports     (copies::passage_bands, copies::ReportSketch)
//! index      reports → tantivy documents, one commit   (index::writer::update)
//! search     query language + filters → ranked hits and facets   (search::Engine)
//! export     hits → passages, citations, text/json/jsonl/csv/md  (export::write)
//! request    options or query-string pairs → one request      (request::Params)
//! serve      the search page and its JSON API                 (serve::run)
//! cli        fazhi-query's commands, for its main to dispatch (cli::parse)
//! ```
//!
//! The data that defines behaviour — the field list, the section-type rules, the boilerplate
//! rules, the jieba domain dictionary and the town gazetteer — lives in `index_schema/`.

pub mod classify;
pub mod clean;
pub mod cli;
pub mod copies;
pub mod corpus;
pub mod date;
pub mod error;
pub mod explain;
pub mod export;
pub mod heading;
pub mod index;
pub mod ingest;
pub mod lang;
pub mod normalize;
pub mod region;
pub mod report;
pub mod request;
pub mod search;
pub mod sections;
pub mod serve;
pub mod synth;

pub use classify::SectionType;
pub use error::{Error, Result};
pub use export::{Format, Passage};
pub use index::writer::{IndexConfig, IndexSummary, update};
pub use lang::Lang;
pub use normalize::normalize;
pub use report::Report;
pub use search::{Engine, Filters, Hit, Query, SearchRequest, SearchResults};
pub use sections::Section;
