//! The integration tests: one binary, with shared helpers in `util`.

mod cli;
mod formats;
mod property;
mod scale;
mod seeds;
mod util;
mod workflow;
