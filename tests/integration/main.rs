//! The integration tests: one binary, with shared helpers in `util`.

mod answers;
mod browser;
mod cli;
mod facets;
mod formats;
mod integrity;
mod places;
mod property;
mod scale;
mod seeds;
mod serve;
mod util;
mod workflow;
