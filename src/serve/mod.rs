//! The search page and its JSON API (`fazhi-query serve`): being built.

use std::net::SocketAddr;

use crate::error::{Error, Result};
use crate::search::Engine;

/// Where to listen.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub addr: SocketAddr,
}

/// Serves the page and API over `engine` until interrupted.
pub fn run(engine: Engine, config: ServeConfig) -> Result<()> {
    drop(engine);
    Err(Error::Usage(format!("serve on {}: not built yet", config.addr)))
}
