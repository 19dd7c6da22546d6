//! The integration tests: one binary, with shared helpers in `util`.

mod cli;
mod property;
mod seeds;
mod util;
