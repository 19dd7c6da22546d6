//! `fazhi-query serve` over HTTP, as a client sees it: the binary started on port 0 over a
//! temporary index (the seeds and a report that contains `<script>`), asked with a small
//! HTTP/1.1 client, its answers compared with the command line's for the same query.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use crate::util::{copy_seeds, index, multiply_corpus, run, stderr, temp_corpus};

/// The report whose text must come back as text.
pub const SCRIPT_REPORT: &str = "测试镇人民政府\n关于2023年度法治政府建设情况的报告\n\
     一、总体情况\n<script>alert(1)</script>法律顾问制度得到落实。\n";
pub const SCRIPT_TEXT: &str = "<script>alert(1)</script>";
const QUERY: &str = "法律顾问";

/// The seeds and the `<script>` report, indexed once for all tests.
pub fn test_index() -> &'static Path {
    static INDEX: OnceLock<TempDir> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let corpus = temp_corpus(&[("script.txt", SCRIPT_REPORT.as_bytes())]);
            copy_seeds(corpus.path());
            let dir = TempDir::new().expect("temp dir");
            index(corpus.path(), dir.path());
            dir
        })
        .path()
}

/// A running `fazhi-query serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// What it printed to standard error after the address line (read to the end on exit).
    rest: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    /// Starts the server on a free port of 127.0.0.1 and waits for the line that says where it
    /// listens (printed once the port is bound).
    pub fn start(index: &Path) -> Server {
        Server::start_with(index, &[], &[], None)
    }

    /// Starts it with more `args` and `env`, and at most `files` open file descriptors.
    pub fn start_with(
        index: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        files: Option<u32>,
    ) -> Server {
        let exe = env!("CARGO_BIN_EXE_fazhi-query");
        let mut command = match files {
            None => Command::new(exe),
            Some(n) => {
                // `exec` keeps the pid, so that SIGTERM and /proc reach the server itself.
                let mut bash = Command::new("bash");
                bash.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(exe);
                bash
            }
        };
        let mut child = command
            .arg("serve")
            .arg("--index")
            .arg(index)
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("fazhi-query serve starts");
        let mut lines = BufReader::new(child.stderr.take().expect("piped stderr"));
        let mut said = String::new();
        let addr = loop {
            let mut line = String::new();
            if lines.read_line(&mut line).expect("read stderr") == 0 {
                let _ = child.kill();
                panic!("fazhi-query serve exited before listening:\n{said}");
            }
            said.push_str(&line);
            // 正在服务 http://…/ or serving http://…/, in the server's language.
            if let Some((_, rest)) = line.split_once("http://") {
                let addr = rest.split('/').next().expect("an address");
                break addr.parse::<SocketAddr>().expect("a socket address");
            }
        };
        let rest = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = lines.read_to_string(&mut rest);
            rest
        });
        Server {
            child,
            addr,
            rest: Some(rest),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn get(&self, target: &str) -> Reply {
        request(self.addr, "GET", target)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits (at most 30 s) for the exit; returns it and what was printed.
    pub fn terminate(self) -> (ExitStatus, String) {
        self.terminate_within(Duration::from_secs(30))
    }

    /// Sends SIGTERM and waits at most `wait` for the exit.
    pub fn terminate_within(mut self, wait: Duration) -> (ExitStatus, String) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill(2) with a child's pid and a signal number has no memory effects.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0, "SIGTERM sent");
        let deadline = Instant::now() + wait;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop within {wait:?} of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let rest = self.rest.take().map(|r| r.join().unwrap_or_default());
        (status, rest.unwrap_or_default())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP response.
pub struct Reply {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The JSON of a 200 reply.
    fn ok_json(&self) -> Value {
        assert_eq!(self.status, 200, "{}", self.text());
        self.json()
    }
}

/// `method target` over one HTTP/1.1 connection, sent as written (no path clean-up).
pub fn request(addr: SocketAddr, method: &str, target: &str) -> Reply {
    let head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}");
    exchange(addr, &head, Duration::from_secs(60)).expect("an answer")
}

/// Sends the request line and headers `head` (with `Connection: close` added) and reads the
/// whole answer, waiting at most `wait` for each read.
pub fn exchange(addr: SocketAddr, head: &str, wait: Duration) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(wait))?;
    write!(
        stream,
        "{head}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    Ok(parse_reply(&raw))
}

/// A whole HTTP/1.1 answer.
pub fn parse_reply(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let body = raw[split + 4..].to_vec();
    let mut reply = Reply {
        status,
        headers,
        body,
    };
    if reply.header("transfer-encoding") == Some("chunked") {
        reply.body = dechunk(&reply.body);
    }
    reply
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size line");
        let size_text = String::from_utf8_lossy(&raw[..end]);
        let size = usize::from_str_radix(size_text.trim(), 16).expect("a hex chunk size");
        raw = &raw[end + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

/// Query-string parameters, as (name, value).
type Params<'a> = &'a [(&'a str, &'a str)];

/// `path?k=v&…` with the values percent-encoded.
pub fn target(path: &str, params: Params) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// The command line's answer for `args` over the test index.
fn cli(args: &[&str]) -> Vec<u8> {
    let cwd = TempDir::new().expect("temp dir");
    let index = test_index().to_string_lossy().into_owned();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--index", &index]);
    let out = run("fazhi-query", cwd.path(), &all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "fazhi-query {args:?}: {}",
        stderr(&out)
    );
    out.stdout
}

fn server() -> Server {
    Server::start(test_index())
}

#[test]
fn search_json_is_the_cli_json_with_the_page_added() {
    let server = server();
    let mut api = server
        .get(&target("/api/search", &[("q", QUERY), ("limit", "20")]))
        .ok_json();
    let page = api.as_object_mut().expect("an object");
    assert_eq!(page.remove("offset"), Some(Value::from(0)));
    assert_eq!(page.remove("limit"), Some(Value::from(20)));
    let cli: Value =
        serde_json::from_slice(&cli(&[QUERY, "--format", "json", "--limit", "20"])).expect("json");
    assert_eq!(api, cli, "/api/search and fazhi-query --format json differ");
    let hit = &api["hits"][0];
    assert!(hit["highlights"][0].is_array(), "highlights: {hit}");
}

#[test]
fn pages_are_disjoint_and_add_up_to_every_hit() {
    let server = server();
    let files = |offset: &str, limit: &str| -> Vec<(String, u64)> {
        let page = server
            .get(&target(
                "/api/search",
                &[("q", QUERY), ("offset", offset), ("limit", limit)],
            ))
            .ok_json();
        assert_eq!(page["offset"], offset.parse::<u64>().expect("number"));
        page["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|h| (h["file"].to_string(), h["line"].as_u64().expect("line")))
            .collect()
    };
    let all = files("0", "100");
    assert!(all.len() > 6, "enough hits to page: {}", all.len());
    let pages: Vec<Vec<(String, u64)>> = (0..all.len().div_ceil(4))
        .map(|p| files(&(p * 4).to_string(), "4"))
        .collect();
    assert!(pages.iter().all(|p| p.len() <= 4), "pages of at most 4");
    assert_eq!(pages.concat(), all, "pages in order make the whole list");
    assert_ne!(pages[0], pages[1], "pages differ");
    assert!(
        files(&all.len().to_string(), "4").is_empty(),
        "past the end"
    );
}

#[test]
fn facets_lists_the_largest_and_says_how_many_there_are() {
    let server = server();
    let full = server
        .get(&target("/api/search", &[("q", "法"), ("facets", "50000")]))
        .ok_json();
    let cut = server
        .get(&target("/api/search", &[("q", "法"), ("facets", "2")]))
        .ok_json();
    assert_eq!(
        cut["facet_sizes"], full["facet_sizes"],
        "sizes do not depend on the limit"
    );
    for facet in ["town", "province", "city", "county", "section_type"] {
        let all = full["facets"][facet].as_array().expect("a list");
        let head: Vec<&Value> = all.iter().take(2).collect();
        let listed: Vec<&Value> = cut["facets"][facet]
            .as_array()
            .expect("a list")
            .iter()
            .collect();
        assert_eq!(listed, head, "{facet}: the two largest");
        assert_eq!(
            full["facet_sizes"][facet],
            all.len(),
            "{facet}: every value listed"
        );
    }
    assert!(
        full["facet_sizes"]["town"].as_u64() > Some(2),
        "enough towns to cut"
    );
}

#[test]
fn a_facet_filter_narrows_the_total() {
    let server = server();
    let all = server
        .get(&target("/api/search", &[("q", QUERY)]))
        .ok_json();
    let total = all["total_sections"].as_u64().expect("total");
    let facet = all["facets"]["province"]
        .as_array()
        .and_then(|p| p.last())
        .expect("a province facet")
        .clone();
    let province = facet["value"].as_str().expect("value");
    let filtered = server
        .get(&target(
            "/api/search",
            &[("q", QUERY), ("province", province)],
        ))
        .ok_json();
    let narrowed = filtered["total_sections"].as_u64().expect("total");
    assert_eq!(narrowed, facet["count"].as_u64().expect("count"));
    assert!(narrowed < total, "{province}: {narrowed} of {total}");
    for hit in filtered["hits"].as_array().expect("hits") {
        assert_eq!(hit["province"], province, "{hit}");
    }
    let both_types = server
        .get(&target(
            "/api/search",
            &[("q", QUERY), ("type", "measures"), ("type", "plans")],
        ))
        .ok_json();
    let measures = server
        .get(&target(
            "/api/search",
            &[("q", QUERY), ("type", "measures")],
        ))
        .ok_json();
    assert!(
        measures["total_sections"].as_u64() < both_types["total_sections"].as_u64(),
        "a repeated type adds its sections"
    );
}

/// The page builds its filters and sidebar from /api/facets: every facet it lists is a key of a
/// search's `facets`, and filtering by a listed value (by the facet's option: `type`, `issuer`…)
/// finds as many sections as the facet counted.
#[test]
fn every_facet_of_the_table_filters_by_its_option() {
    let server = server();
    let table = server.get("/api/facets").ok_json();
    let table = table.as_array().expect("a list of facets");
    let names: Vec<&str> = table.iter().filter_map(|f| f["name"].as_str()).collect();
    assert!(
        names.contains(&"issuer") && names.contains(&"section_type"),
        "{names:?}"
    );
    let all = server
        .get(&target("/api/search", &[("q", QUERY)]))
        .ok_json();
    for facet in table {
        let (name, option) = (
            facet["name"].as_str().expect("name"),
            facet["option"].as_str().expect("option"),
        );
        let listed = all["facets"][name]
            .as_array()
            .unwrap_or_else(|| panic!("facets.{name}"));
        let first = listed.first().unwrap_or_else(|| panic!("{name}: a value"));
        let value = first["value"].as_str().expect("value");
        let mut params = vec![("q", QUERY), (option, value)];
        // A value with parents (a town) counts with them.
        let parents: Vec<(String, String)> = facet["shape"]["within"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.as_str())
            .filter_map(|p| Some((p.to_string(), first[p].as_str()?.to_string())))
            .collect();
        for (parent, v) in &parents {
            params.push((parent.as_str(), v.as_str()));
        }
        let filtered = server.get(&target("/api/search", &params)).ok_json();
        assert_eq!(
            filtered["total_sections"], first["count"],
            "?{option}={value} finds what facets.{name} counted"
        );
    }
}

#[test]
fn stats_and_kwic_are_the_cli_json() {
    let server = server();
    let rows: [(Params, &[&str]); 4] = [
        (
            &[("q", QUERY), ("by", "year")],
            &["stats", QUERY, "--by", "year", "--format", "json"],
        ),
        (
            &[
                ("compare", QUERY),
                ("compare", "普法"),
                ("by", "province"),
                ("year", "2023"),
            ],
            &[
                "stats",
                "--compare",
                QUERY,
                "普法",
                "--by",
                "province",
                "--year",
                "2023",
                "--format",
                "json",
            ],
        ),
        (
            &[("q", QUERY), ("width", "10"), ("sort", "right")],
            &[
                "kwic", QUERY, "--width", "10", "--sort", "right", "--format", "json",
            ],
        ),
        (
            &[("q", "普法"), ("province", "河南")],
            &["kwic", "普法", "--province", "河南", "--format", "json"],
        ),
    ];
    for (params, args) in rows {
        let path = format!("/api/{}", args[0]);
        let reply = server.get(&target(&path, params));
        assert_eq!(reply.status, 200, "{path} {params:?}: {}", reply.text());
        assert_eq!(
            reply.text(),
            String::from_utf8_lossy(&cli(args)),
            "{path} {params:?} differs from fazhi-query {args:?}"
        );
    }
    let few = server.get(&target("/api/kwic", &[("q", QUERY), ("limit", "2")]));
    assert_eq!(few.json().as_array().map(Vec::len), Some(2));
    let total: usize = few
        .header("x-total-lines")
        .and_then(|n| n.parse().ok())
        .expect("X-Total-Lines");
    assert!(total > 2, "X-Total-Lines counts every occurrence: {total}");
}

#[test]
fn exports_are_downloads_of_every_hit() {
    let server = server();
    let total = server
        .get(&target("/api/search", &[("q", QUERY)]))
        .ok_json()["total_sections"]
        .as_u64()
        .expect("total") as usize;

    let csv = server.get(&target("/api/export", &[("q", QUERY), ("format", "csv")]));
    assert_eq!(csv.status, 200, "{}", csv.text());
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let disposition = csv.header("content-disposition").unwrap_or_default();
    assert!(
        disposition.starts_with("attachment; filename=\"fazhi-search.csv\""),
        "{disposition}"
    );
    assert_eq!(csv.header("transfer-encoding"), Some("chunked"), "streamed");
    assert_eq!(
        csv.header("x-total-sections"),
        Some(total.to_string().as_str())
    );
    assert_eq!(csv.header("x-export-limit"), Some("10000"));
    assert_eq!(
        crate::util::hits_csv(&csv.body).len(),
        total,
        "a CSV row per hit"
    );

    let jsonl = server.get(&target("/api/export", &[("q", QUERY), ("format", "jsonl")]));
    assert_eq!(jsonl.status, 200, "{}", jsonl.text());
    let lines: Vec<Value> = jsonl
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), total, "a JSON line per hit");

    let xlsx = server.get(&target("/api/export", &[("q", QUERY), ("format", "xlsx")]));
    assert_eq!(xlsx.status, 200, "{}", xlsx.text());
    assert!(xlsx.body.starts_with(b"PK"), "an XLSX is a zip");
    use calamine::{Reader as _, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.body.clone())).expect("a workbook");
    let sheet = book.worksheet_range("hits").expect("the hits sheet");
    assert_eq!(sheet.height(), total + 1, "a header and a row per hit");
}

/// A streamed download is the file `fazhi-query -o` writes for the same query, filters and
/// passage options, byte for byte: the server and the command line write rows with the same
/// code (and a download of more than one chunk joins its chunks into that file).
#[test]
fn a_download_is_the_file_the_command_line_writes() {
    // The seeds three times over: more hits than one chunk holds.
    let corpus = temp_corpus(&[]);
    copy_seeds(corpus.path());
    multiply_corpus(corpus.path(), 2, |i| format!("\n四、法治工作第{i}项\n"));
    let index_dir = TempDir::new().expect("temp dir");
    index(corpus.path(), index_dir.path());
    let server = Server::start(index_dir.path());
    // (the API's parameters, the command line's options, the file it writes)
    let rows: [(Params, &[&str], &str); 6] = [
        // Each row counts the other reports and towns its text is in.
        (
            &[("q", QUERY), ("format", "csv"), ("copies", "true")],
            &[QUERY, "--copies"],
            "hits.csv",
        ),
        (
            &[
                ("q", QUERY),
                ("format", "jsonl"),
                ("copies", "true"),
                ("lang", "en"),
            ],
            &[QUERY, "--copies", "--lang", "en"],
            "hits.jsonl",
        ),
        // The copies are near-duplicates of the seeds: counted, with every copy, only when asked.
        (
            &[("q", "法治"), ("format", "csv"), ("with_copies", "true")],
            &["法治", "--with-copies"],
            "hits.csv",
        ),
        (
            &[
                ("q", "法治 OR 工作"),
                ("format", "jsonl"),
                ("with_copies", "true"),
            ],
            &["法治 OR 工作", "--with-copies"],
            "hits.jsonl",
        ),
        (
            &[
                ("q", QUERY),
                ("format", "csv"),
                ("year", "2023"),
                ("context", "5"),
            ],
            &[QUERY, "--year", "2023", "--context", "5"],
            "hits.csv",
        ),
        (
            &[
                ("q", "制度"),
                ("format", "csv"),
                ("type", "measures"),
                ("full", "1"),
                ("lang", "en"),
            ],
            &["制度", "--type", "measures", "--full", "--lang", "en"],
            "hits.csv",
        ),
    ];
    let mut chunked = false;
    for (params, args, file) in rows {
        let reply = server.get(&target("/api/export", params));
        assert_eq!(reply.status, 200, "{params:?}: {}", reply.text());
        let cwd = TempDir::new().expect("temp dir");
        let index = index_dir.path().to_string_lossy().into_owned();
        let mut all = args.to_vec();
        all.extend(["--all", "--index", &index, "-o", file]);
        let out = run("fazhi-query", cwd.path(), &all);
        assert_eq!(out.status.code(), Some(0), "{all:?}: {}", stderr(&out));
        let written = std::fs::read(cwd.path().join(file)).expect("the file written");
        assert!(written.len() > 3, "{all:?} wrote nothing");
        if args.contains(&"--copies") {
            let text = String::from_utf8_lossy(&written);
            let counted = match file {
                "hits.csv" => text
                    .lines()
                    .next()
                    .is_some_and(|h| h.ends_with(",也见于报告数,也见于乡镇数")),
                _ => text.contains("\"copies\":{\"reports\":"),
            };
            assert!(
                counted,
                "{all:?} wrote no copies: {}",
                &text[..text.len().min(400)]
            );
        }
        assert!(
            reply.body == written,
            "{params:?}: the download ({} bytes) is not what {all:?} writes ({} bytes)",
            reply.body.len(),
            written.len()
        );
        let hits: usize = reply
            .header("x-exported-sections")
            .unwrap_or("0")
            .parse()
            .expect("a count");
        chunked |= hits > 200;
    }
    assert!(
        chunked,
        "one of the downloads takes more than one chunk (200 hits)"
    );
}

#[test]
fn the_chart_is_an_svg_that_quotes_the_query_as_text() {
    let server = server();
    let chart = server.get(&target("/api/chart.svg", &[("q", QUERY), ("by", "year")]));
    assert_eq!(chart.status, 200, "{}", chart.text());
    assert_eq!(
        chart.header("content-type"),
        Some("image/svg+xml; charset=utf-8")
    );
    assert!(chart.text().starts_with("<svg"), "{}", chart.text());
    let hostile = server.get(&target(
        "/api/chart.svg",
        &[("q", "script"), ("by", "year")],
    ));
    assert_eq!(hostile.status, 200, "{}", hostile.text());
    assert!(
        !hostile.text().contains("<script"),
        "the query is escaped in the SVG"
    );
}

/// The page asks for the chart at the width it shows it, so that a phone shows its text at
/// its own size: the SVG is exactly that wide, no text is under 12 px, and the title names
/// the query and the filters.
#[test]
fn a_chart_drawn_for_the_page_width_keeps_its_text_size() {
    let server = server();
    let rows: [(&str, u16, &str); 4] = [
        ("332", 200, r#"width="332""#),
        ("540", 200, r#"width="540""#),
        ("100", 400, "宽 280 到 2400 像素"),
        ("wide", 400, "请写 0 到 2400 之间的整数"),
    ];
    for (width, status, says) in rows {
        let params = [
            ("q", QUERY),
            ("by", "year"),
            ("province", "河南省"),
            ("width", width),
        ];
        let chart = server.get(&target("/api/chart.svg", &params));
        assert_eq!(chart.status, status, "width={width}: {}", chart.text());
        assert!(
            chart.text().contains(says),
            "width={width}: {}",
            chart.text()
        );
        if status != 200 {
            continue;
        }
        let svg = chart.text();
        let document = resvg::usvg::roxmltree::Document::parse(&svg).expect("XML");
        let texts: Vec<(String, f64)> = document
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| {
                let size = n.attribute("font-size").and_then(|s| s.parse().ok());
                (
                    n.text().unwrap_or_default().to_string(),
                    size.unwrap_or(0.0),
                )
            })
            .collect();
        let small: Vec<&(String, f64)> = texts.iter().filter(|(_, px)| *px < 12.0 - 1e-6).collect();
        assert!(
            small.is_empty(),
            "width={width}: text under 12 px: {small:?}"
        );
        let title: String = texts.iter().take(3).map(|(t, _)| t.as_str()).collect();
        assert!(
            title.contains(QUERY) && title.contains("河南省"),
            "width={width}: the title names query and filter: {texts:?}"
        );
    }
}

/// Each refusal asked without `lang` (Chinese) and with `lang=en` (English): a 400 whose
/// message is in the reader's language and names the parameter, never the command line's
/// option (`--province`).
#[test]
fn bad_input_is_a_400_with_a_message_in_the_readers_language() {
    let server = server();
    let long = "法".repeat(5000);
    // (endpoint, parameters, the Chinese message says, the English one says)
    let rows: [(&str, Params, &str, &str); 22] = [
        (
            "/api/search",
            &[("q", "\"法律")],
            "检索式有误：引号没有闭合",
            "malformed query",
        ),
        (
            "/api/search",
            &[("q", QUERY), ("type", "intro")],
            "未知的章节类型“intro”；可选：总体情况（overview）",
            "valid types",
        ),
        (
            "/api/stats",
            &[("q", QUERY), ("by", "decade")],
            "by: 不能按“decade”分组；可选：town（乡镇街道）、province（省份）",
            "by: cannot group by \"decade\"; choose from town, province, ",
        ),
        (
            "/api/search",
            &[("q", QUERY), ("limit", "100000")],
            "limit=100000：/api/search 的 limit 最大为 100",
            "limit=100000: /api/search takes limit up to 100",
        ),
        (
            "/api/search",
            &[("q", &long)],
            "q 有 5000 个字符，上限为 1000",
            "the limit is 1000",
        ),
        (
            "/api/search",
            &[("q", QUERY), ("year", "abc")],
            "year=“abc”：请写年份",
            "year=\"abc\": write a year",
        ),
        // An empty filter value is refused, naming the parameter.
        (
            "/api/search",
            &[("q", QUERY), ("province", "")],
            "province=\"\"：值为空；请写出一个值，或去掉 province",
            "province=\"\": the value is empty; write a value or leave province out",
        ),
        (
            "/api/stats",
            &[("q", QUERY), ("type", " ")],
            "type=\"\"：值为空",
            "type=\"\": the value is empty",
        ),
        (
            "/api/search",
            &[("q", QUERY), ("region", "")],
            "region=\"\"：值为空",
            "region=\"\": the value is empty",
        ),
        // A value the index does not have.
        (
            "/api/search",
            &[("q", QUERY), ("province", "火星")],
            "province=“火星” 在索引中没有匹配的报告",
            "province=\"火星\" matches no report in the index",
        ),
        // The facet table takes only lang, as every endpoint refuses what it does not take.
        (
            "/api/facets",
            &[("yaer", "2023")],
            "未知的参数“yaer”；/api/facets 接受：lang",
            "unknown parameter \"yaer\"",
        ),
        (
            "/api/search",
            &[("q", QUERY), ("offset", "20000")],
            "offset 最大为 10000",
            "up to 10000",
        ),
        ("/api/search", &[], "缺少 q", "q is missing"),
        (
            "/api/stats",
            &[("province", "河南")],
            "缺少 q：请给 /api/stats 一个检索词",
            "q is missing: give a query",
        ),
        (
            "/api/search",
            &[("q", QUERY), ("facets", "60000")],
            "facets 最大为 50000",
            "up to 50000",
        ),
        (
            "/api/search",
            &[("q", QUERY), ("yaer", "2023")],
            "未知的参数",
            "unknown parameter",
        ),
        (
            "/api/search",
            &[("q", QUERY), ("full", "maybe")],
            "full=\"maybe\"：请写 true 或 false（也可写 1/0、yes/no、on/off",
            "write true or false (or 1/0, yes/no, on/off",
        ),
        (
            "/api/kwic",
            &[("q", QUERY), ("width", "1000")],
            "width 最大为 100",
            "up to 100",
        ),
        (
            "/api/kwic",
            &[("q", QUERY), ("sort", "length")],
            "sort: 不能按“length”排序；可选：town、year",
            "sort: cannot sort by \"length\"",
        ),
        (
            "/api/export",
            &[("q", QUERY), ("format", "md")],
            "只能写 csv、xlsx 或 jsonl",
            "csv, xlsx or jsonl",
        ),
        (
            "/api/chart.svg",
            &[("q", QUERY), ("region", "河南")],
            "region=",
            "region=",
        ),
        (
            "/api/report",
            &[("province", "河南")],
            "province：/api/report 只接受 file、q 和 lang",
            "province: /api/report takes file, q and lang",
        ),
    ];
    for (path, params, zh, en) in rows {
        let english: Vec<(&str, &str)> = params.iter().copied().chain([("lang", "en")]).collect();
        for (params, says) in [(params, zh), (&english[..], en)] {
            let reply = server.get(&target(path, params));
            assert_eq!(reply.status, 400, "{path} {params:?}: {}", reply.text());
            assert!(
                reply
                    .header("content-type")
                    .unwrap_or_default()
                    .starts_with("application/json"),
                "{path} {params:?}"
            );
            let message = reply.json()["error"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            assert!(
                message.contains(says),
                "{path} {params:?}: {message:?} does not say {says:?}"
            );
            assert!(
                !message.contains("--"),
                "{path} {params:?}: {message:?} names a command-line option"
            );
        }
    }
}

#[test]
fn nothing_found_is_a_200_with_total_0() {
    let server = server();
    let page = server
        .get(&target("/api/search", &[("q", "不存在的词语组合")]))
        .ok_json();
    assert_eq!(page["total_sections"], 0);
    assert_eq!(page["hits"].as_array().map(Vec::len), Some(0));
}

#[test]
fn the_server_only_reads() {
    let server = server();
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        for path in ["/api/search?q=a", "/", "/api/export?q=a"] {
            let reply = request(server.addr, method, path);
            assert_eq!(reply.status, 405, "{method} {path}: {}", reply.text());
            assert!(reply.json()["error"].is_string(), "{method} {path}");
            assert_eq!(reply.header("allow"), Some("GET, HEAD"), "{method} {path}");
        }
    }
}

#[test]
fn no_request_opens_a_file() {
    let server = server();
    let rows: [(&str, u16); 7] = [
        ("/../../etc/passwd", 404),
        ("/%2e%2e/%2e%2e/etc/passwd", 404),
        ("/app.js/../../../etc/passwd", 404),
        ("/assets/app.js", 404),
        ("/Cargo.toml", 404),
        ("/api/export?q=a&format=../../etc/passwd", 400),
        ("/api/search?q=a&index=/etc", 400),
    ];
    for (path, status) in rows {
        let reply = server.get(path);
        assert_eq!(reply.status, status, "{path}: {}", reply.text());
        assert!(!reply.text().contains("root:"), "{path} read /etc/passwd");
        assert!(reply.json()["error"].is_string(), "{path}");
    }
}

#[test]
fn a_script_in_a_report_is_returned_as_text() {
    let server = server();
    let reply = server.get(&target("/api/search", &[("q", "script")]));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    let page = reply.ok_json();
    let passages: Vec<&str> = page["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|h| h["passage"].as_str())
        .collect();
    assert!(
        passages.iter().any(|p| p.contains(SCRIPT_TEXT)),
        "the <script> report's passage as written: {passages:?}"
    );
}

#[test]
fn the_page_runs_only_its_own_script() {
    let server = server();
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let policy = page.header("content-security-policy").unwrap_or_default();
    assert!(
        policy.starts_with("default-src 'self'; img-src 'self' data:"),
        "{policy}"
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let html = page.text().to_ascii_lowercase();
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty(), "the page loads its script");
    for script in scripts {
        assert!(
            script.trim_start().starts_with("src=\"/"),
            "an inline script: {script}"
        );
        assert!(script.contains("></script>"), "an inline script: {script}");
    }
    for asset in ["/common.js", "/app.js", "/app.css", "/favicon.svg"] {
        let reply = server.get(asset);
        assert_eq!(reply.status, 200, "{asset}");
        assert!(reply.header("content-security-policy").is_some(), "{asset}");
    }
    for script in ["/common.js", "/app.js"] {
        assert!(!server.get(script).text().contains("innerHTML"), "{script}");
    }
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let server = server();
    assert_eq!(server.get("/").status, 200);
    assert!(server.url().starts_with("http://127.0.0.1:"));
    let (status, said) = server.terminate();
    assert!(status.success(), "exit {status}: {said}");
    assert!(said.contains(crate::util::stopped()), "{said}");
}

#[test]
fn sigterm_the_moment_the_server_says_where_it_is_stops_it_cleanly() {
    // SIGTERM is listened for before the address is printed, not when the shutdown task
    // first runs: a signal in between would kill the process instead.
    for _ in 0..5 {
        let (status, said) = server().terminate();
        assert!(status.success(), "exit {status}: {said}");
        assert!(said.contains(crate::util::stopped()), "{said}");
    }
}

/// A synthetic corpus whose reports copy passages from a shared pool (and a few reports saved
/// twice), indexed once for the copies tests; its measure copied by the most reports: a file
/// that holds it, the line, and the passage.
struct CopiesIndex {
    dir: TempDir,
    file: String,
    line: usize,
    passage: String,
}

fn copies_index() -> &'static CopiesIndex {
    static INDEX: OnceLock<CopiesIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = TempDir::new().expect("temp dir");
        let options = fazhi_search::synth::Options {
            duplicates: 6,
            truth: Some(dir.path().join("truth")),
        };
        let corpus = dir.path().join("corpus");
        fazhi_search::synth::generate_with(&crate::util::corpus_dir(), &corpus, 60, 4, &options)
            .expect("generate");
        let out = run("fazhi-index", dir.path(), &["-q"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let truth = std::fs::read_to_string(dir.path().join("truth/copies.tsv")).expect("truth");
        let rows: Vec<Vec<&str>> = truth
            .lines()
            .skip(1)
            .map(|l| l.split('\t').collect())
            .collect();
        let holders = |source: &str| rows.iter().filter(|r| r[3] == source).count();
        let row = rows
            .iter()
            .filter(|r| r[3].starts_with("measures/") && r[1] == r[2])
            .max_by_key(|r| holders(r[3]))
            .expect("a copied measure");
        let (file, line) = (row[0].to_string(), row[1].parse().expect("a line"));
        let text = std::fs::read_to_string(corpus.join(&file)).expect("a report");
        let passage = text.lines().nth(line - 1).expect("the line").to_string();
        CopiesIndex {
            dir,
            file,
            line,
            passage,
        }
    })
}

/// `fazhi-query copies ARGS --format json` over the copies index.
fn copies_cli(args: &[&str]) -> Value {
    let index = copies_index().dir.path().join("index");
    let index = index.to_string_lossy().into_owned();
    let mut all = vec!["copies"];
    all.extend(args);
    all.extend(["--format", "json", "--index", &index]);
    let cwd = TempDir::new().expect("temp dir");
    let out = run("fazhi-query", cwd.path(), &all);
    assert_eq!(out.status.code(), Some(0), "{all:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("json")
}

/// `/api/copies` answers as `fazhi-query copies --format json` does: a report's copied
/// sections, one section's copies with where each is, a passage's reports with and without
/// filters.
#[test]
fn copies_json_is_the_cli_json() {
    let copies = copies_index();
    let server = Server::start(&copies.dir.path().join("index"));
    let section = format!("{}:{}", copies.file, copies.line);
    let year = copies_cli(&["--passage", &copies.passage])["matches"][0]["year"]
        .as_u64()
        .expect("a year")
        .to_string();
    // (the API's parameters, the command line's arguments)
    let rows: [(Params, &[&str]); 4] = [
        (&[("file", &copies.file)], &[&copies.file]),
        (&[("file", &section)], &[&section]),
        (
            &[("passage", &copies.passage)],
            &["--passage", &copies.passage],
        ),
        (
            &[
                ("passage", &copies.passage),
                ("year", &year),
                ("lang", "en"),
            ],
            &["--passage", &copies.passage, "--year", &year],
        ),
    ];
    for (params, args) in rows {
        let api = server.get(&target("/api/copies", params)).ok_json();
        assert_eq!(
            api,
            copies_cli(args),
            "/api/copies {params:?} and copies {args:?} differ"
        );
    }
    let report = server
        .get(&target("/api/copies", &[("file", &copies.file)]))
        .ok_json();
    assert!(
        report["sections"].as_array().is_some_and(|s| !s.is_empty()),
        "{report}"
    );
    assert!(
        report["sections"][0].get("copies").is_none(),
        "only for one section"
    );
    // One section: every other report that holds it, each with its section and the share of
    // the text it holds.
    let one = server
        .get(&target("/api/copies", &[("file", &section)]))
        .ok_json();
    let listed = &one["sections"][0];
    let files: Vec<&Value> = listed["files"].as_array().expect("files").iter().collect();
    let places = listed["copies"].as_array().expect("the copies' places");
    assert!(
        !places.is_empty() && places.len() == files.len(),
        "{listed}"
    );
    assert_eq!(
        listed["reports"].as_u64(),
        Some(files.len() as u64),
        "{listed}"
    );
    for (place, file) in places.iter().zip(files) {
        assert_eq!(&place["file"], file, "{place}");
        let share = place["share"].as_f64().expect("a share");
        assert!(share > 0.5 && share <= 1.0, "{place}");
        assert!(
            place["line"].as_u64().is_some() && place["year"].is_u64(),
            "{place}"
        );
    }
    let passage = server
        .get(&target(
            "/api/copies",
            &[("passage", &copies.passage), ("year", &year)],
        ))
        .ok_json();
    let matches = passage["matches"].as_array().expect("matches");
    assert!(!matches.is_empty(), "{passage}");
    assert!(
        matches
            .iter()
            .all(|m| m["year"].as_u64().map(|y| y.to_string()) == Some(year.clone())),
        "the year filter applies: {passage}"
    );
}

/// Bad requests to `/api/copies` are 400s naming the parameter, in the reader's language; a
/// file is only ever looked up in the index.
#[test]
fn bad_copies_requests_say_which_parameter() {
    let copies = copies_index();
    let server = Server::start(&copies.dir.path().join("index"));
    let long = "法".repeat(1001);
    // (parameters, the Chinese message says, the English one says)
    let rows: [(Params, &str, &str); 8] = [
        (
            &[("file", &copies.file), ("year", "2020")],
            "year：/api/copies?file=… 在整个索引中统计副本，不接受筛选条件",
            "year: /api/copies?file=… counts copies over the whole index and takes no filter",
        ),
        (&[], "/api/copies 需要 file", "/api/copies takes file"),
        (
            &[("file", &copies.file), ("passage", &copies.passage)],
            "二者取一",
            "one of them",
        ),
        (
            &[("file", "no/such.txt")],
            "索引中没有报告 no/such.txt",
            "no report no/such.txt in the index",
        ),
        (
            &[("file", "../../../etc/passwd")],
            "索引中没有报告 ../../../etc/passwd",
            "no report ../../../etc/passwd in the index",
        ),
        (
            &[("passage", "法律顾问")],
            "段落太短",
            "the passage is too short",
        ),
        (&[("passage", &long)], "passage", "passage"),
        (
            &[("passage", &copies.passage), ("town", "没有这个镇")],
            "没有这个镇",
            "没有这个镇",
        ),
    ];
    for (params, zh, en) in rows {
        for (lang, says) in [(None, zh), (Some("en"), en)] {
            let mut params = params.to_vec();
            params.extend(lang.map(|l| ("lang", l)));
            let reply = server.get(&target("/api/copies", &params));
            assert_eq!(reply.status, 400, "{params:?}: {}", reply.text());
            let message = reply.json()["error"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            assert!(
                message.contains(says),
                "{params:?}: {message} does not say {says:?}"
            );
            assert!(!message.contains("root:"), "{params:?} read a file");
        }
    }
    let unknown = server.get(&target("/api/copies", &[("q", "法治")]));
    assert_eq!(unknown.status, 400, "{}", unknown.text());
    assert!(unknown.text().contains("passage"), "{}", unknown.text());
}
