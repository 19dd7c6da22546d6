//! `fazhi-query serve` under abuse, as a client sees it: abandoned and runaway requests,
//! hundreds of stalled connections (also with 256 file descriptors), hundreds of unread
//! exports, SIGTERM with stalled clients, a foreign `Host`, a query that is not UTF-8. Each
//! test then asks for a normal search and expects it answered.
//!
//! Where a request must be slow, `FAZHI_SERVE_TEST_PAUSE_MS` makes each of
//! the server's check points (one per hit) take that long, so that a search of many hits on
//! the small test index outlasts the waits below unless it is stopped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use tempfile::TempDir;

use crate::serve::{Reply, SCRIPT_REPORT, Server, exchange, target, test_index};
use crate::util::{copy_seeds, index, temp_corpus};

/// A query of many hits (each a check point) and one of none.
const MANY: &str = "法";
const NONE: &str = "不存在的词语组合";

/// A normal search, over a new connection, given `wait` to answer.
fn normal_search(addr: SocketAddr, wait: Duration) -> std::io::Result<Reply> {
    let head = format!(
        "GET {} HTTP/1.1\r\nHost: {addr}",
        target("/api/search", &[("q", NONE)])
    );
    exchange(addr, &head, wait)
}

/// A connection that has sent `sent` and then nothing.
fn stalled(addr: SocketAddr, sent: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.write_all(sent.as_bytes()).expect("send");
    stream
}

/// Sends a whole GET request for `target` and leaves the answer unread.
fn unread(addr: SocketAddr, target: &str) -> TcpStream {
    stalled(
        addr,
        &format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\n\r\n"),
    )
}

/// The environment that makes each check point of the server take `ms` milliseconds.
fn pause(ms: &str) -> Option<[(&'static str, &str); 1]> {
    Some([("FAZHI_SERVE_TEST_PAUSE_MS", ms)])
}

fn error_of(reply: &Reply) -> String {
    reply.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The start of an answer, for a failure's message (an export can be megabytes).
fn opening(reply: &Reply) -> String {
    reply.text().chars().take(300).collect()
}

#[test]
fn a_search_past_its_deadline_is_a_503_that_says_so() {
    let Some(env) = pause("200") else { return };
    let server = Server::start_with(test_index(), &["--deadline", "1"], &env, None);
    for endpoint in ["/api/search", "/api/kwic"] {
        let reply = server.get(&target(endpoint, &[("q", MANY), ("limit", "20")]));
        assert_eq!(reply.status, 503, "{endpoint}: {}", opening(&reply));
        // In Chinese, the page's default; in English when asked.
        assert_eq!(
            error_of(&reply),
            "检索用时超过 1 s，已停止；请缩小检索范围，或调高 --deadline",
            "{endpoint}"
        );
        assert_eq!(reply.header("retry-after"), Some("1"), "{endpoint}");
        // Why, in a word the page reads to say it in a web user's words.
        assert_eq!(reply.json()["reason"], "deadline", "{endpoint}");
    }
    let reply = server.get(&target(
        "/api/search",
        &[("q", MANY), ("limit", "20"), ("lang", "en")],
    ));
    assert_eq!(
        error_of(&reply),
        "the search took longer than 1 s and was stopped; narrow the query or raise --deadline"
    );
    let quick = normal_search(server.addr, Duration::from_secs(30)).expect("an answer");
    assert_eq!(quick.status, 200, "{}", opening(&quick));
}

#[test]
fn abandoned_requests_stop_and_free_the_search_threads() {
    // Each kwic of MANY takes seconds (a pause per hit); the deadline is ten minutes, so only
    // the clients' going away can free the threads for the search that follows in time.
    let Some(env) = pause("200") else { return };
    let server = Server::start_with(test_index(), &["--deadline", "600"], &env, None);
    let slow = target("/api/kwic", &[("q", MANY)]);
    let whole = server.get(&target("/api/search", &[("q", MANY), ("limit", "0")]));
    assert!(
        whole.json()["total_sections"].as_u64() > Some(20),
        "enough hits to be slow: {}",
        opening(&whole)
    );
    let abandoned: Vec<TcpStream> = (0..8).map(|_| unread(server.addr, &slow)).collect();
    std::thread::sleep(Duration::from_millis(500));
    drop(abandoned);
    // Four threads, eight abandoned requests of 20 × 200 ms and more each: unstopped they
    // would hold the threads for 8 s and more.
    let reply = normal_search(server.addr, Duration::from_secs(4))
        .expect("a normal search answered while abandoned requests were still running");
    assert_eq!(reply.status, 200, "{}", opening(&reply));
}

/// The seeds, the `<script>` report and one big report without headings: one line of 6 MB that
/// mentions 法律顾问 in every sentence, more than the kernel's socket buffers take (4 MB on
/// Linux by default), so that its export to a client that does not read stays under way.
fn big_index() -> &'static Path {
    static INDEX: OnceLock<TempDir> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let mut big = String::from("大桥镇人民政府\n关于2023年度法治政府建设情况的报告\n");
            // The term in every sentence: however the report is cut into sections, all match.
            while big.len() < 6_000_000 {
                big.push_str("聘请法律顾问审核合同，依法行政工作持续推进。");
            }
            big.push('\n');
            let corpus = temp_corpus(&[
                ("script.txt", SCRIPT_REPORT.as_bytes()),
                ("big.txt", big.as_bytes()),
            ]);
            copy_seeds(corpus.path());
            let dir = TempDir::new().expect("temp dir");
            index(corpus.path(), dir.path());
            dir
        })
        .path()
}

/// The resident memory of a process, in bytes.
fn resident(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kb * 1024
}

/// The export of the big report, whole sections.
fn big_export() -> String {
    target(
        "/api/export",
        &[("q", "法律顾问"), ("town", "大桥镇"), ("full", "true")],
    )
}

#[test]
fn unread_exports_are_bounded_in_number_and_memory() {
    // The idle timeout is long so that only the bound on exports keeps them from piling up.
    let server = Server::start_with(big_index(), &["--idle-timeout", "120"], &[], None);
    let export = big_export();
    let one = server.get(&export);
    assert_eq!(one.status, 200, "{}", opening(&one));
    assert!(
        one.body.len() > 6_000_000,
        "the export holds the big report"
    );
    let before = resident(server.pid());
    let exports: Vec<TcpStream> = (0..300).map(|_| unread(server.addr, &export)).collect();
    // Past the first 16, exports are refused after a short wait, with a small answer.
    let mut refusals = Vec::new();
    for mut stream in exports.iter().skip(100).take(20) {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut start = vec![0u8; 4096];
        let n = stream.read(&mut start).expect("an answer");
        let text = String::from_utf8_lossy(&start[..n]).into_owned();
        if text.starts_with("HTTP/1.1 503") {
            refusals.push(text);
        }
    }
    let grown = resident(server.pid()).saturating_sub(before);
    assert!(
        grown < 400 << 20,
        "300 unread exports of 6 MB grew the server by {} MB",
        grown >> 20
    );
    assert!(
        !refusals.is_empty(),
        "300 exports at once, and none refused"
    );
    for refusal in &refusals {
        assert!(
            refusal.contains("同时进行的导出过多（正在发送 16 个），请稍后重试"),
            "{refusal}"
        );
    }
    let reply = normal_search(server.addr, Duration::from_secs(30)).expect("an answer");
    assert_eq!(reply.status, 200, "{}", opening(&reply));
    drop(exports);
}

#[test]
fn slow_connections_block_no_one() {
    // Half a request line, then nothing, from 500 connections; with 256 file descriptors the
    // server cannot even accept them all, and closes the idlest to make room.
    for files in [None, Some(256)] {
        let server = Server::start_with(test_index(), &[], &[], files);
        let slow: Vec<TcpStream> = (0..500)
            .map(|_| stalled(server.addr, "GET /api/sea"))
            .collect();
        std::thread::sleep(Duration::from_millis(500));
        // Within less than the idle timeout (10 s): no slow client was timed out yet.
        let reply = normal_search(server.addr, Duration::from_secs(5)).unwrap_or_else(|e| {
            panic!("with {files:?} file descriptors, a search behind 500 slow clients: {e}")
        });
        assert_eq!(reply.status, 200, "{files:?}: {}", opening(&reply));
        drop(slow);
        let (status, said) = server.terminate();
        assert!(status.success(), "{files:?}: exit {status}: {said}");
    }
}

#[test]
fn idle_and_half_sent_connections_are_closed_after_the_idle_timeout() {
    let server = Server::start_with(test_index(), &["--idle-timeout", "1"], &[], None);
    let addr = server.addr;
    let kept_alive = {
        let mut stream = TcpStream::connect(addr).expect("connect");
        write!(stream, "GET /favicon.svg HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("send");
        stream
    };
    let rows = [
        ("kept alive after an answer", kept_alive),
        ("half a request line", stalled(addr, "GET /api/sea")),
        ("nothing sent", stalled(addr, "")),
    ];
    for (what, mut stream) in rows {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut all = Vec::new();
        let closed = stream.read_to_end(&mut all);
        assert!(
            closed.is_ok(),
            "{what}: the server did not close the connection: {closed:?}"
        );
    }
}

#[test]
fn sigterm_stops_the_server_within_seconds_with_stalled_clients() {
    let server = Server::start_with(big_index(), &["--idle-timeout", "120"], &[], None);
    let export = big_export();
    let mut clients: Vec<TcpStream> = (0..20)
        .map(|_| stalled(server.addr, "GET /api/sea"))
        .collect();
    clients.push(stalled(server.addr, ""));
    clients.extend((0..3).map(|_| unread(server.addr, &export)));
    std::thread::sleep(Duration::from_millis(1000));
    // Two seconds' grace for the requests under way, then the rest are closed.
    let (status, said) = server.terminate_within(Duration::from_secs(5));
    assert!(status.success(), "exit {status}: {said}");
    assert!(said.contains(crate::util::stopped()), "{said}");
    drop(clients);
}

#[test]
fn only_the_names_of_the_server_are_answered() {
    let server = Server::start(test_index());
    let port = server.addr.port();
    let search = target("/api/search", &[("q", "法律顾问")]);
    let rows: [(String, u16); 7] = [
        (format!("127.0.0.1:{port}"), 200),
        (format!("localhost:{port}"), 200),
        ("localhost".to_string(), 200),
        (format!("[::1]:{port}"), 200),
        ("evil.example".to_string(), 421),
        (format!("evil.example:{port}"), 421),
        (format!("localhost:{}", port.wrapping_add(1)), 421),
    ];
    for (host, status) in &rows {
        let head = format!("GET {search} HTTP/1.1\r\nHost: {host}");
        let reply = exchange(server.addr, &head, Duration::from_secs(60)).expect("an answer");
        assert_eq!(reply.status, *status, "Host: {host}: {}", opening(&reply));
        if *status == 421 {
            assert!(
                error_of(&reply).contains("--allow-host"),
                "Host: {host}: {}",
                opening(&reply)
            );
        }
    }
    // A second Host header, or an absolute-form target naming another server, is a name too.
    let sneaking = [
        format!("GET {search} HTTP/1.1\r\nHost: localhost\r\nHost: evil.example"),
        format!("GET http://evil.example{search} HTTP/1.1\r\nHost: localhost"),
    ];
    for head in &sneaking {
        let reply = exchange(server.addr, head, Duration::from_secs(60)).expect("an answer");
        assert_eq!(reply.status, 421, "{head:?}: {}", opening(&reply));
    }
    let allowed = Server::start_with(test_index(), &["--allow-host", "evil.example"], &[], None);
    let head = format!("GET {search} HTTP/1.1\r\nHost: evil.example");
    let reply = exchange(allowed.addr, &head, Duration::from_secs(60)).expect("an answer");
    assert_eq!(reply.status, 200, "{}", opening(&reply));
}

#[test]
fn a_parameter_that_is_not_utf8_is_a_400_that_names_it() {
    let server = Server::start(test_index());
    let rows = [
        ("/api/search?q=%B7%A8%D6%CE", "q 不是有效的 UTF-8"),
        (
            "/api/stats?q=%E6%B3%95&province=%BA%D3%C4%CF",
            "province 不是有效的 UTF-8",
        ),
        ("/api/export?q=%B7%A8&lang=en", "q is not valid UTF-8"),
    ];
    for (path, says) in rows {
        let reply = server.get(path);
        assert_eq!(reply.status, 400, "{path}: {}", opening(&reply));
        assert!(
            error_of(&reply).contains(says),
            "{path}: {}",
            opening(&reply)
        );
    }
}

#[test]
fn the_bounds_of_the_server_have_a_range() {
    let cwd = TempDir::new().expect("temp dir");
    let index = test_index().to_string_lossy().into_owned();
    let rows: [(&[&str], &str); 4] = [
        (&["--deadline", "0"], "“0”不在 1 到 600 之间"),
        (
            &["--deadline", "601", "--lang", "en"],
            "601 is not in 1..=600",
        ),
        (&["--idle-timeout", "0"], "“0”不在 1 到 600 之间"),
        (&["--deadline", "18446744073709551616"], "--deadline"),
    ];
    for (args, says) in rows {
        let mut all = vec!["serve", "--index", &index, "--addr", "127.0.0.1:0"];
        all.extend(args);
        let out = crate::util::run("fazhi-query", cwd.path(), &all);
        let said = crate::util::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(said.contains(says), "{args:?}: {said}");
    }
}

#[test]
fn exports_left_unread_are_dropped_after_the_idle_timeout() {
    // Twenty exports nobody reads take every export slot (the deadline is long, so that none
    // gives up while it waits for a thread); a client that reads nothing for the idle timeout
    // (3 s) is dropped, so the slots come back and a new export is answered. The timeout is
    // long enough that the first export asked for below comes while the slots are still held,
    // however fast the build fills the unread clients' buffers.
    let server = Server::start_with(
        big_index(),
        &["--idle-timeout", "3", "--deadline", "120"],
        &[],
        None,
    );
    let export = big_export();
    let unread_exports: Vec<TcpStream> = (0..20).map(|_| unread(server.addr, &export)).collect();
    // Refused while the unread ones hold every slot (the server takes them as their requests
    // come), then answered once they are dropped.
    std::thread::sleep(Duration::from_millis(300));
    let mut refused = false;
    let answered = (0..120).find_map(|_| {
        let reply = server.get(&export);
        match reply.status {
            200 if refused => return Some(reply),
            200 => {}
            503 => refused = true,
            _ => panic!("{}", opening(&reply)),
        }
        std::thread::sleep(Duration::from_millis(500));
        None
    });
    let reply = answered.expect("an export answered once the unread ones were dropped");
    assert!(reply.body.len() > 6_000_000, "the whole export");
    drop(unread_exports);
}
