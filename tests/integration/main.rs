//! The integration tests: one binary, with shared helpers in `util`.

mod browser;
mod cli;
mod facets;
mod formats;
mod property;
mod scale;
mod seeds;
mod serve;
mod stays_up;
mod util;
mod workflow;
