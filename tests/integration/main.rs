//! The integration tests: one binary, with shared helpers in `util`.

mod answers;
mod bigsection;
mod browser;
mod cli;
mod copies;
mod crawl;
mod facets;
mod formats;
mod integrity;
mod kwic;
mod lang;
mod layers;
mod oneline;
mod panel;
mod places;
mod poison;
mod property;
mod reading;
mod scale;
mod seeds;
mod serve;
mod stays_up;
mod stream;
mod terminal;
mod util;
mod workflow;
