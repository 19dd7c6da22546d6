//! The integration tests: one binary, with shared helpers in `util`.

mod browser;
mod cli;
mod crawl;
mod facets;
mod formats;
mod property;
mod scale;
mod seeds;
mod serve;
mod util;
mod workflow;
