//! The `Host` check against DNS rebinding: a page on `evil.example` whose name is made to
//! resolve to 127.0.0.1 reaches this server with `Host: evil.example`, so only the names this
//! server is known by are answered — the address it listens on, the loopback names, an IP
//! address when it listens on all of them, and the names given with `--allow-host` — each with
//! the port it listens on or none. Everything else is a 421 that says how to allow the name.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::HOST;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// The names this server answers to.
#[derive(Debug, Clone)]
pub struct Hosts {
    listening: SocketAddr,
    /// From `--allow-host`, lower case, each without or with a port.
    allowed: Vec<String>,
}

impl Hosts {
    pub fn new(listening: SocketAddr, allowed: &[String]) -> Hosts {
        Hosts {
            listening,
            allowed: allowed.iter().map(|n| n.to_ascii_lowercase()).collect(),
        }
    }

    /// Whether a request with this `Host` header value is for this server.
    pub fn accepts(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        if self.allowed.contains(&host) {
            return true;
        }
        let Some((name, port)) = split_port(&host) else {
            return false;
        };
        if port.is_some_and(|p| p != self.listening.port()) {
            return false;
        }
        if self.allowed.iter().any(|allowed| allowed == name) {
            return true;
        }
        if name == "localhost" {
            return true;
        }
        let ip = name.trim_start_matches('[').trim_end_matches(']');
        match ip.parse::<IpAddr>() {
            // An address is not a name that DNS can rebind; on all addresses any of the
            // machine's reaches this server.
            Ok(ip) => {
                ip.is_loopback()
                    || ip == self.listening.ip()
                    || self.listening.ip().is_unspecified()
            }
            Err(_) => false,
        }
    }

    fn refusal(&self, host: &str) -> ApiError {
        let name = split_port(host).map_or(host, |(name, _)| name);
        let addr = self.listening.to_string();
        ApiError::misdirected(crate::lang::both(
            "param.host",
            &[("host", host), ("addr", &addr), ("name", name)],
        ))
    }
}

/// `name` and `name:port`, `[::1]` and `[::1]:port`; None when the port is not a number.
fn split_port(host: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = match host.rfind(':') {
        Some(colon) if !host[colon..].contains(']') => (&host[..colon], Some(&host[colon + 1..])),
        _ => (host, None),
    };
    if name.contains(':') && !name.starts_with('[') {
        // A bare IPv6 address without brackets is not a valid Host.
        return None;
    }
    match port {
        None => Some((name, None)),
        Some(port) => port.parse().ok().map(|p| (name, Some(p))),
    }
}

/// Refuses a request any of whose names for the server — every `Host` header it sends, and the
/// authority of an absolute-form target (`GET http://name/…`) — is not a name of this server.
/// A request with none comes from no browser and is answered.
pub async fn check(State(hosts): State<Arc<Hosts>>, request: Request, next: Next) -> Response {
    let named = request
        .headers()
        .get_all(HOST)
        .iter()
        .map(|value| value.to_str().unwrap_or("(not text)").to_string())
        .chain(request.uri().authority().map(|a| a.as_str().to_string()));
    let lang = super::params::lang_of(request.uri());
    let mut refused = None;
    for host in named {
        if !hosts.accepts(&host) {
            refused = Some(host);
            break;
        }
    }
    match refused {
        Some(host) => hosts.refusal(&host).in_lang(lang).into_response(),
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_names_of_this_server_are_answered() {
        let local = Hosts::new("127.0.0.1:8080".parse().expect("addr"), &[]);
        let shared = Hosts::new(
            "0.0.0.0:8080".parse().expect("addr"),
            &["Search.Example.org".to_string(), "box:9000".to_string()],
        );
        let rows: [(&Hosts, &str, bool); 22] = [
            (&local, "127.0.0.1:8080", true),
            (&local, "127.0.0.1", true),
            (&local, "localhost:8080", true),
            (&local, "LOCALHOST", true),
            (&local, "[::1]:8080", true),
            (&local, "[::1]", true),
            (&local, "127.0.0.1:8081", false),
            (&local, "localhost:80", false),
            (&local, "evil.example", false),
            (&local, "evil.example:8080", false),
            (&local, "localhost.evil.example:8080", false),
            (&local, "192.168.1.5:8080", false),
            (&local, "::1", false),
            (&local, "127.0.0.1:http", false),
            (&local, "", false),
            (&shared, "192.168.1.5:8080", true),
            (&shared, "[fe80::1]:8080", true),
            (&shared, "search.example.org", true),
            (&shared, "search.example.org:8080", true),
            (&shared, "search.example.org:9000", false),
            (&shared, "box:9000", true),
            (&shared, "evil.example", false),
        ];
        for (hosts, host, answered) in rows {
            assert_eq!(
                hosts.accepts(host),
                answered,
                "Host: {host} on {}",
                hosts.listening
            );
        }
    }

    #[test]
    fn the_refusal_says_how_to_allow_the_name() {
        let local = Hosts::new("127.0.0.1:8080".parse().expect("addr"), &[]);
        let refusal = local.refusal("evil.example:8080");
        assert_eq!(refusal.status().as_u16(), 421);
        assert!(
            refusal.message().contains("--allow-host evil.example"),
            "{}",
            refusal.message()
        );
    }
}
