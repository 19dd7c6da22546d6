//! Parsing the risky formats (PDF, HTML, .docx) in worker processes, so that no file can crash,
//! hang or exhaust an index run (Apache Tika's forked-parser model).
//!
//! `fazhi-index` starts copies of itself with the hidden `--parse-worker` flag ([`serve`]). The
//! parent sends a file's format and bytes on the worker's standard input and reads the extracted
//! text back on its standard output, one length-prefixed frame each way. The parent kills a
//! worker that takes longer than [`Limits::time`] on one file or whose resident memory (read from
//! `/proc/<pid>/status`, polled) passes [`Limits::memory`]; a worker that dies (a stack overflow
//! aborts the process, a signal) costs its file, never the run. A new worker is started for the
//! next file. Plain text is read in-process: it is our own bounded code.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Extracted, FileFormat, Hints};
use crate::error::{Error, Text};
use crate::lang::{both, both_texts};

/// How long one file may take to be read, by default.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(60);
/// How much memory a worker may hold while reading one file, by default (1 GiB): a report's
/// PDF, page or .docx needs a small part of it (files over 128 MiB are refused unread), and a
/// stream or zip bomb that inflates to a gigabyte is stopped at it.
pub const DEFAULT_MEMORY_LIMIT: u64 = 1024 * 1024 * 1024;
/// The worker's parsing thread's stack: generous for legitimately deep documents; an endless
/// recursion still ends in an overflow, which aborts the worker, not the run.
const WORKER_STACK: usize = 256 * 1024 * 1024;
/// How often the parent looks at a busy worker's memory.
const POLL: Duration = Duration::from_millis(20);
/// The largest frame either side accepts: a file's bytes, or its text as JSON.
pub const MAX_FRAME: u64 = 1024 * 1024 * 1024;

/// What one file may cost a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub time: Duration,
    /// Resident memory, in bytes.
    pub memory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            time: DEFAULT_TIME_LIMIT,
            memory: DEFAULT_MEMORY_LIMIT,
        }
    }
}

/// How the risky formats are parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isolation {
    /// In this process: a crash in a reader ends the run, and a reader's panic (caught, the
    /// file refused) prints its message on this process's standard error. For tests and
    /// library users who trust their files.
    InProcess,
    /// In worker processes started as `exe --parse-worker`.
    Workers { exe: PathBuf, limits: Limits },
}

impl Isolation {
    /// Workers of the `fazhi-index` beside the running program (itself, or `fazhi-query`'s
    /// neighbour), else in-process.
    pub fn beside_this_program() -> Isolation {
        let exe = std::env::current_exe().ok().and_then(|exe| {
            let name = format!("fazhi-index{}", std::env::consts::EXE_SUFFIX);
            if exe.file_name().is_some_and(|n| n == name.as_str()) {
                return Some(exe);
            }
            let sibling = exe.parent()?.join(name);
            sibling.is_file().then_some(sibling)
        });
        match exe {
            Some(exe) => Isolation::Workers {
                exe,
                limits: Limits::default(),
            },
            None => Isolation::InProcess,
        }
    }
}

/// Why a file could not be read: an ordinary refusal, or a reader that crashed, hung or ran out
/// of memory on it (a file worth remembering, so as not to try it again until it changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Why, in both languages.
    pub reason: Text,
    pub poison: bool,
}

impl Failure {
    pub fn refused(reason: Text) -> Failure {
        Failure {
            reason,
            poison: false,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::refused(error.text())
    }
}

/// The extracted text on the wire.
#[derive(Serialize, Deserialize)]
enum Reply {
    Read {
        text: String,
        title: Option<String>,
        issuer: Option<String>,
        published: Option<String>,
        encoding: Option<String>,
    },
    /// Why not, in both languages (`{"zh":…,"en":…}`).
    Refused(Text),
}

fn format_code(format: FileFormat) -> u8 {
    match format {
        FileFormat::Text => 0,
        FileFormat::Html => 1,
        FileFormat::Docx => 2,
        FileFormat::Pdf => 3,
    }
}

fn format_of_code(code: u8) -> Option<FileFormat> {
    [
        FileFormat::Text,
        FileFormat::Html,
        FileFormat::Docx,
        FileFormat::Pdf,
    ]
    .into_iter()
    .find(|f| format_code(*f) == code)
}

fn read_frame(input: &mut impl Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 8];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u64::from_le_bytes(len);
    if len > MAX_FRAME {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("a frame of {len} bytes is over the limit"),
        ));
    }
    let mut body = Vec::new();
    input.take(len).read_to_end(&mut body)?;
    if body.len() as u64 != len {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(body))
}

fn write_frame(out: &mut impl Write, parts: &[&[u8]]) -> std::io::Result<()> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    out.write_all(&(len as u64).to_le_bytes())?;
    for part in parts {
        out.write_all(part)?;
    }
    out.flush()
}

/// The worker's side: reads requests from `input` until it closes, answering each on `output`.
/// Each file is parsed on a thread with a big stack; a reader that panics is a refusal.
pub fn serve(input: impl Read, output: impl Write) -> std::io::Result<()> {
    let mut input = BufReader::new(input);
    let mut output = BufWriter::new(output);
    while let Some(request) = read_frame(&mut input)? {
        let Some((&code, bytes)) = request.split_first() else {
            return Err(std::io::ErrorKind::InvalidData.into());
        };
        let format = format_of_code(code).ok_or(std::io::ErrorKind::InvalidData)?;
        let bytes = bytes.to_vec();
        drop(request);
        let parsed = std::thread::Builder::new()
            .name("parse".into())
            .stack_size(WORKER_STACK)
            .spawn(move || super::extract_format(format, &bytes))?
            .join();
        let reply = match parsed {
            Ok(Ok(e)) => Reply::Read {
                text: e.text,
                title: e.hints.title,
                issuer: e.hints.issuer,
                published: e.hints.published,
                encoding: e.encoding.map(String::from),
            },
            Ok(Err(error)) => Reply::Refused(error.text()),
            Err(_) => Reply::Refused(both_texts(
                "skip.reader_failed",
                &[("reader", &reader_name(format))],
            )),
        };
        let json = serde_json::to_vec(&reply)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        write_frame(&mut output, &[&json])?;
    }
    Ok(())
}

/// The reader of `format`, by name: 文本 and text; the others' names are the same in both.
fn reader_name(format: FileFormat) -> Text {
    match format {
        FileFormat::Text => both("skip.reader.text", &[]),
        FileFormat::Html => Text::plain("HTML"),
        FileFormat::Docx => Text::plain(".docx"),
        FileFormat::Pdf => Text::plain("PDF"),
    }
}

/// One running worker, owned by one parsing thread of the parent.
pub struct Worker {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<std::io::Result<Vec<u8>>>,
}

impl Worker {
    fn start(exe: &PathBuf) -> Result<Worker, Failure> {
        let mut child = Command::new(exe)
            .arg("--parse-worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // A crashing reader prints its panic or overflow there; the parent names the file.
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                let (exe, detail) = (exe.display().to_string(), e.to_string());
                Failure::refused(both(
                    "skip.worker_start",
                    &[("exe", &exe), ("detail", &detail)],
                ))
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Failure::refused(both("skip.worker_talk", &[])));
        };
        let (send, replies) = mpsc::channel();
        // A thread per worker reads its replies, so that the parent can wait with a deadline.
        std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            loop {
                let reply = match read_frame(&mut stdout) {
                    Ok(Some(frame)) => Ok(frame),
                    Ok(None) => break,
                    Err(e) => Err(e),
                };
                let failed = reply.is_err();
                if send.send(reply).is_err() || failed {
                    break;
                }
            }
        });
        Ok(Worker {
            child,
            stdin,
            replies,
        })
    }

    fn stop(mut self) -> Option<std::process::ExitStatus> {
        let _ = self.child.kill();
        self.child.wait().ok()
    }

    /// Resident memory in bytes, when the system says (Linux's /proc).
    fn resident_memory(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kb: u64 = line
            .trim_start_matches("VmRSS:")
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kb * 1024)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A parsing thread's connection to its worker, started on first use and again after a worker
/// was lost.
pub struct WorkerSlot {
    exe: PathBuf,
    limits: Limits,
    worker: Option<Worker>,
}

impl WorkerSlot {
    pub fn new(exe: PathBuf, limits: Limits) -> WorkerSlot {
        WorkerSlot {
            exe,
            limits,
            worker: None,
        }
    }

    /// A slot for `isolation`: `None` when files are read in-process.
    pub fn for_isolation(isolation: &Isolation) -> Option<WorkerSlot> {
        match isolation {
            Isolation::InProcess => None,
            Isolation::Workers { exe, limits } => Some(WorkerSlot::new(exe.clone(), *limits)),
        }
    }

    /// Reads `bytes` as `format` in the worker, within the limits.
    pub fn extract(&mut self, format: FileFormat, bytes: &[u8]) -> Result<Extracted, Failure> {
        let reader = &reader_name(format);
        let worker = match self.worker.take() {
            Some(w) => w,
            None => Worker::start(&self.exe)?,
        };
        let mut worker = worker;
        if (bytes.len() as u64) >= MAX_FRAME {
            self.worker = Some(worker);
            return Err(Failure::refused(both("skip.frame_too_large", &[])));
        }
        let sent = write_frame(&mut worker.stdin, &[&[format_code(format)], bytes]);
        let started = Instant::now();
        let outcome = if sent.is_err() {
            Err(crashed(reader, worker.stop()))
        } else {
            loop {
                match worker.replies.recv_timeout(POLL) {
                    Ok(Ok(frame)) => break Ok((frame, worker)),
                    Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => {
                        break Err(crashed(reader, worker.stop()));
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                }
                if started.elapsed() > self.limits.time {
                    worker.stop();
                    break Err(Failure {
                        reason: {
                            let secs = self.limits.time.as_secs_f64().to_string();
                            let secs = Text::plain(secs);
                            both_texts("skip.timeout", &[("reader", reader), ("secs", &secs)])
                        },
                        poison: true,
                    });
                }
                if worker
                    .resident_memory()
                    .is_some_and(|m| m > self.limits.memory)
                {
                    worker.stop();
                    break Err(Failure {
                        reason: {
                            let mb = (self.limits.memory / (1024 * 1024)).to_string();
                            let mb = Text::plain(mb);
                            both_texts("skip.memory", &[("reader", reader), ("mb", &mb)])
                        },
                        poison: true,
                    });
                }
            }
        };
        let (frame, worker) = outcome?;
        self.worker = Some(worker);
        let reply: Reply = serde_json::from_slice(&frame).map_err(|e| {
            let detail = Text::plain(e.to_string());
            Failure::refused(both_texts(
                "skip.answer",
                &[("reader", reader), ("detail", &detail)],
            ))
        })?;
        match reply {
            Reply::Refused(reason) => Err(Failure::refused(reason)),
            Reply::Read {
                text,
                title,
                issuer,
                published,
                encoding,
            } => Ok(Extracted {
                text,
                hints: Hints {
                    title,
                    issuer,
                    published,
                },
                encoding: encoding
                    .and_then(|e| encoding_rs::Encoding::for_label(e.as_bytes()).map(|e| e.name())),
                format: Some(format),
            }),
        }
    }
}

#[cfg(test)]
pub(super) fn crashed_for_test(reader: &str, status: std::process::ExitStatus) -> Failure {
    crashed(&Text::plain(reader), Some(status))
}

fn crashed(reader: &Text, status: Option<std::process::ExitStatus>) -> Failure {
    #[cfg(unix)]
    let signal = {
        use std::os::unix::process::ExitStatusExt;
        status.and_then(|s| s.signal())
    };
    #[cfg(not(unix))]
    let signal: Option<i32> = status.map(|_| 0);
    let how = match signal {
        Some(6) => both("skip.how.abort", &[]),
        Some(9) => both("skip.how.killed", &[]),
        Some(11) => both("skip.how.fault", &[]),
        Some(s) => both("skip.how.signal", &[("n", &s.to_string())]),
        None => both("skip.how.exited", &[]),
    };
    Failure {
        reason: both_texts("skip.crashed", &[("reader", reader), ("how", &how)]),
        poison: true,
    }
}

/// Reads `bytes` as `format`: the risky formats in the worker of `slot` when there is one, the
/// rest (and everything without a slot) in this process.
pub fn extract_in(
    slot: Option<&mut WorkerSlot>,
    format: FileFormat,
    bytes: &[u8],
) -> Result<Extracted, Failure> {
    match slot {
        Some(slot) if super::is_risky(format) => slot.extract(format, bytes),
        _ => super::extract_format(format, bytes).map_err(Failure::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader's name in a reason is in the reader's language (文本, text).
    #[test]
    fn each_reader_is_named_in_the_readers_language() {
        let rows = [
            (FileFormat::Text, "文本", "text"),
            (FileFormat::Html, "HTML", "HTML"),
            (FileFormat::Docx, ".docx", ".docx"),
            (FileFormat::Pdf, "PDF", "PDF"),
        ];
        for (format, zh, en) in rows {
            let name = reader_name(format);
            let named = (name.get(crate::Lang::Zh), name.get(crate::Lang::En));
            assert_eq!(named, (zh, en), "{format:?}");
            let crash = crashed(&name, None).reason;
            assert!(crash.get(crate::Lang::Zh).starts_with(zh), "{crash:?}");
            assert!(crash.get(crate::Lang::En).contains(en), "{crash:?}");
        }
    }

    #[test]
    fn the_worker_answers_each_request_in_order_and_refusals_are_replies() {
        let page = "<html><body><div id=zoom><p>法治政府建设，法律顾问参与重大行政决策合法性审查，依法行政水平持续提升，群众满意度不断提高，成效明显。</p></div></body></html>";
        let mut input = Vec::new();
        write_frame(
            &mut input,
            &[&[format_code(FileFormat::Html)], page.as_bytes()],
        )
        .expect("frame");
        write_frame(
            &mut input,
            &[&[format_code(FileFormat::Pdf)], b"%PDF-1.4 junk"],
        )
        .expect("frame");
        let mut output = Vec::new();
        serve(input.as_slice(), &mut output).expect("serve");
        let mut replies = output.as_slice();
        let first: Reply =
            serde_json::from_slice(&read_frame(&mut replies).expect("io").expect("a reply"))
                .expect("json");
        assert!(
            matches!(&first, Reply::Read { text, .. } if text.contains("法律顾问")),
            "the page's text comes back"
        );
        let second: Reply =
            serde_json::from_slice(&read_frame(&mut replies).expect("io").expect("a reply"))
                .expect("json");
        assert!(
            matches!(&second, Reply::Refused(r)
                if r.en.contains("not a readable PDF") && r.zh.contains("不是可读的 PDF")),
            "a refusal comes back as a reply, in both languages"
        );
        assert!(read_frame(&mut replies).expect("io").is_none());
    }
}
