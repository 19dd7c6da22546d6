//! Ingest: find the report files under a corpus folder and turn each into text.
//!
//! Formats plug in at [`extract`]: each supported file extension maps to a reader that turns
//! the file's bytes into text plus any [`Hints`] the format carries (a page title, a date).
//! Anything that cannot be read is a [`Skipped`] entry naming the file and the reason, never a
//! panic and never the end of the run.

mod docx;
mod html;
pub use html::labelled_value;
pub mod pdf;
pub mod poisoned;
pub mod text;
pub mod worker;

use std::io::Read;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::{Error, Result, Text};
use crate::lang::{Lang, both, both_texts, each};

/// A file found under the corpus root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusFile {
    pub path: PathBuf,
    /// Path relative to the corpus root with `/` separators, its exact bytes written by
    /// [`escape_name`]: the report's identity in the index and its name in every message.
    pub rel: String,
}

/// A file that was not indexed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    /// The reason in both languages, as it was made (a label `skip.*` filled in), carried
    /// through the worker process and the index writer; [`Skipped::message`] picks one.
    pub reason: Text,
}

impl Skipped {
    /// The warning in `lang`: `警告：已跳过 a.pdf：PDF 没有文字层（扫描件？）…`.
    pub fn message(&self, lang: Lang) -> String {
        let values = [
            ("file", self.file.as_str()),
            ("reason", self.reason.get(lang)),
        ];
        lang.fill("msg.skipped", &values)
    }
}

/// What a file says about its report beside its text (an HTML page's <title>, its publication
/// date): the report parser prefers them to what it finds in the text.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    pub title: Option<String>,
    pub issuer: Option<String>,
    /// YYYY-MM-DD ([`crate::date::iso_date`]).
    pub published: Option<String>,
}

/// The text of a file, ready for the report parser.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    pub text: String,
    pub hints: Hints,
    /// The character encoding the text was decoded from, for formats that have one.
    pub encoding: Option<&'static str>,
    /// The format it was read as.
    pub format: Option<FileFormat>,
}

impl Extracted {
    /// "text, GBK", "PDF": how the file was read, for --verbose.
    pub fn describe(&self) -> String {
        let format = self.format.map_or("unknown", FileFormat::name);
        match self.encoding {
            Some(encoding) => format!("{format}, {encoding}"),
            None => format.to_string(),
        }
    }
}

/// A format fazhi-search reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Text,
    Html,
    Docx,
    Pdf,
}

impl FileFormat {
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Text => "text",
            FileFormat::Html => "HTML",
            FileFormat::Docx => "Word .docx",
            FileFormat::Pdf => "PDF",
        }
    }
}

/// The formats this version reads, by file extension.
pub const FORMATS: [(&str, FileFormat); 8] = [
    ("txt", FileFormat::Text),
    ("text", FileFormat::Text),
    ("html", FileFormat::Html),
    ("htm", FileFormat::Html),
    ("shtml", FileFormat::Html),
    ("xhtml", FileFormat::Html),
    ("docx", FileFormat::Docx),
    ("pdf", FileFormat::Pdf),
];

/// Binary office formats that cannot be read; what to do about each is the label `skip.{ext}`.
const LEGACY: [&str; 6] = ["doc", "wps", "wpt", "dot", "rtf", "ofd"];

fn format_of(path: &Path) -> Result<FileFormat> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if let Some((_, format)) = FORMATS.iter().find(|(e, _)| *e == ext) {
        return Ok(*format);
    }
    if LEGACY.contains(&ext.as_str()) {
        return Err(Error::Unreadable(both(&format!("skip.{ext}"), &[])));
    }
    let known: Vec<String> = FORMATS.iter().map(|(e, _)| format!(".{e}")).collect();
    Err(Error::Unreadable(each(|lang| {
        let formats = known.join(lang.pick("、", ", "));
        match ext.is_empty() {
            true => lang.fill("skip.no_extension", &[("formats", &formats)]),
            false => lang.fill("skip.unsupported", &[("ext", &ext), ("formats", &formats)]),
        }
    })))
}

/// Lists the candidate files under `root`, sorted by path, with the entries that could not be
/// listed or are of an unsupported format. Hidden files and folders (.git) are passed over.
/// Symbolic links are followed only to files inside `root` (see [`discover_following`]).
pub fn discover(root: &Path) -> (Vec<CorpusFile>, Vec<Skipped>) {
    discover_following(root, false)
}

/// [`discover`]; with `follow_links`, every symbolic link is followed, and a loop is named and
/// not walked.
pub fn discover_following(root: &Path, follow_links: bool) -> (Vec<CorpusFile>, Vec<Skipped>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let walker = WalkDir::new(root)
        .follow_links(follow_links)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().as_encoded_bytes().starts_with(b"."));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let file = err
                    .path()
                    .map_or_else(|| root.display().to_string(), |p| relative(root, p));
                let reason = if err.loop_ancestor().is_some() {
                    both("skip.link_loop", &[])
                } else {
                    let detail = err
                        .io_error()
                        .map_or_else(|| err.to_string(), |e| e.to_string());
                    both("skip.cannot_read", &[("detail", &detail)])
                };
                skipped.push(Skipped { file, reason });
                continue;
            }
        };
        let path = entry.path();
        if entry.file_type().is_symlink() {
            match link_inside(&real_root, path) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    skipped.push(Skipped {
                        file: relative(root, path),
                        reason: e.text(),
                    });
                    continue;
                }
            }
        } else if entry.file_type().is_dir() {
            continue;
        } else if !entry.file_type().is_file() {
            // A FIFO, socket or device: never opened (reading it could block the run).
            skipped.push(Skipped {
                file: relative(root, path),
                reason: not_a_file(&entry.file_type()).text(),
            });
            continue;
        }
        let rel = relative(root, path);
        match format_of(path) {
            Ok(_) => files.push(CorpusFile {
                path: path.to_path_buf(),
                rel,
            }),
            Err(e) => skipped.push(Skipped {
                file: rel,
                reason: e.text(),
            }),
        }
    }
    (files, skipped)
}

/// Whether a symbolic link (not followed by the walk) is a file to read: one to a file inside the
/// corpus. A link to a folder inside it is not walked twice; the error says why a link is not read.
fn link_inside(real_root: &Path, link: &Path) -> Result<bool> {
    let target = std::fs::canonicalize(link).map_err(|e| {
        let to = std::fs::read_link(link)
            .map(|t| escape_name(t.as_os_str().as_encoded_bytes()))
            .unwrap_or_default();
        let detail = e.to_string();
        Error::Unreadable(both(
            "skip.link_broken",
            &[("to", &to), ("detail", &detail)],
        ))
    })?;
    let shown = escape_name(target.as_os_str().as_encoded_bytes());
    if !target.starts_with(real_root) {
        return Err(Error::Unreadable(both(
            "skip.link_outside",
            &[("to", &shown)],
        )));
    }
    if target.is_dir() {
        let parent = link.parent().and_then(|p| std::fs::canonicalize(p).ok());
        return Err(Error::Unreadable(
            if parent.is_some_and(|p| p.starts_with(&target)) {
                both("skip.link_loop", &[])
            } else {
                both("skip.link_folder", &[("to", &shown)])
            },
        ));
    }
    Ok(target.is_file())
}
/// Turns a file's bytes into text, by its format. The error is the reason to show the user.
pub fn extract(file: &CorpusFile, bytes: &[u8]) -> Result<Extracted> {
    extract_format(format_of(&file.path)?, bytes)
}

/// The format a file is read as, by its extension; the error says why it is not read.
pub fn format_of_file(file: &CorpusFile) -> Result<FileFormat> {
    format_of(&file.path)
}

/// Whether a format's reader is a third-party parser of a complex format, read in a worker
/// process (see [`worker`]) rather than in the run's own.
pub fn is_risky(format: FileFormat) -> bool {
    format != FileFormat::Text
}

/// Turns bytes into text as `format`. The error is the reason to show the user.
pub fn extract_format(format: FileFormat, bytes: &[u8]) -> Result<Extracted> {
    let mut extracted = match format {
        FileFormat::Text => text::extract(bytes)?,
        FileFormat::Html => html::extract(bytes)?,
        FileFormat::Docx => docx::extract(bytes)?,
        FileFormat::Pdf => pdf::extract(bytes)?,
    };
    extracted.format = Some(format);
    if extracted.text.trim().is_empty() {
        return Err(Error::Unreadable(both("skip.empty", &[])));
    }
    Ok(extracted)
}

/// The largest file read (a report is rarely over a few MB; a 100 MB one is read, within the
/// run's memory, but a bigger one is named and skipped).
pub const MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;

/// `O_NONBLOCK` on Linux (x86, x86-64, ARM, AArch64, RISC-V): a FIFO swapped in for a report
/// opens at once instead of waiting for a writer. Its value differs on a few other systems
/// (MIPS, SPARC, Alpha), where the type check below still refuses the FIFO before any read.
#[cfg(target_os = "linux")]
const O_NONBLOCK: i32 = 0o4000;

/// Reads a corpus file, with its size and modification time: a regular file of at most
/// [`MAX_FILE_BYTES`]. What was opened is checked, not what was listed: a file swapped for a
/// FIFO or a device between the walk and the read is refused, never waited on.
pub fn read_file(path: &Path) -> Result<(Vec<u8>, u64, i128)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(O_NONBLOCK);
    }
    let cannot_read = |e: std::io::Error| {
        Error::Unreadable(both("skip.cannot_read", &[("detail", &e.to_string())]))
    };
    let file = options.open(path).map_err(cannot_read)?;
    let meta = file.metadata().map_err(cannot_read)?;
    if !meta.is_file() {
        return Err(not_a_file(&meta.file_type()));
    }
    let size = meta.len();
    if size > MAX_FILE_BYTES {
        return Err(too_large(size));
    }
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128);
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok((bytes, size, mtime))
}

fn too_large(size: u64) -> Error {
    let (size, max) = (size / (1024 * 1024), MAX_FILE_BYTES / (1024 * 1024));
    let (size, max) = (size.to_string(), max.to_string());
    Error::Unreadable(both("skip.too_large", &[("size", &size), ("max", &max)]))
}

/// A FIFO, a device, a socket or a folder where a file was expected.
fn not_a_file(t: &std::fs::FileType) -> Error {
    let kind = both(&format!("skip.kind.{}", kind_of(t)), &[]);
    Error::Unreadable(both_texts("skip.not_file", &[("kind", &kind)]))
}

/// The key of a file type's name (`skip.kind.fifo`).
fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "fifo";
        }
        if t.is_char_device() || t.is_block_device() {
            return "device";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    if t.is_dir() { "folder" } else { "other" }
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| escape_name(c.as_os_str().as_encoded_bytes()))
        .collect::<Vec<_>>()
        .join("/")
}

/// A file name as it is keyed and shown: its UTF-8 as is, each byte that is not UTF-8 (a GBK
/// name from a Windows archive) as `\xD6`, control characters (which could retitle or clear a
/// terminal) as `\x1B` or `\u{85}`, and a backslash as `\\`. Two different names never give
/// the same string, so reports are keyed by their exact bytes, and every message shows them
/// this one way.
pub fn escape_name(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => escape_control(&mut out, c),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    out
}

/// Writes a control character the one way fazhi-search shows it, in names and in text on a
/// terminal: C0 and DEL as `\x1B`, C1 as `\u{85}`.
pub fn escape_control(out: &mut String, c: char) {
    use std::fmt::Write;
    let code = u32::from(c);
    let _ = if code < 0x80 {
        write!(out, "\\x{code:02X}")
    } else {
        write!(out, "\\u{{{code:X}}}")
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reason is made in both languages and stays so: the warning shows it in the reader's
    /// language, a reason inside a reason too; words no label made (a reason an older run kept
    /// in English) are shown as they are.
    #[test]
    fn skip_reasons_in_both_languages() {
        let crashed = worker_crash_reason();
        let kept = both_texts("skip.kept", &[("reason", &crashed)]);
        let earlier = both_texts("skip.earlier", &[("reason", &crashed)]);
        let reason = |e: Error| e.text();
        // (the reason as the code makes it, what the Chinese warning says, what the English says)
        let rows: Vec<(Text, &str, &str)> = vec![
            (
                reason(format_of(Path::new("a.doc")).expect_err("doc")),
                "无法读取 .doc：这是旧的二进制 Word 文档",
                ".doc cannot be read: an old binary Word document",
            ),
            (
                reason(format_of(Path::new("a.xyz")).expect_err("xyz")),
                "不支持的格式 .xyz；只读取 .txt",
                "unsupported format .xyz; reports are read from .txt",
            ),
            (
                reason(format_of(Path::new("README")).expect_err("none")),
                "没有扩展名",
                "no file extension",
            ),
            (
                reason(too_large(200 * 1024 * 1024)),
                "文件过大：200 MB；只读取 128 MB 以内的文件",
                "too large: 200 MB; files up to 128 MB are read",
            ),
            (
                reason(extract_format(FileFormat::Text, b"  \n").expect_err("blank")),
                "没有文字：文件为空或只有空白",
                "no text: the file is empty",
            ),
            (
                reason(extract_format(FileFormat::Text, b"a\0b\xff").expect_err("nul")),
                "是二进制数据而不是文本",
                "binary data, not text",
            ),
            (
                reason(extract_format(FileFormat::Docx, b"not a zip").expect_err("docx")),
                "不是有效的 .docx（",
                "not a valid .docx (",
            ),
            (
                reason(extract_format(FileFormat::Pdf, b"not a pdf").expect_err("pdf")),
                "不是可读的 PDF",
                "not a readable PDF",
            ),
            (
                crashed.clone(),
                "PDF 读取器在这个文件上崩溃（栈溢出或中止）",
                "the PDF reader crashed (stack overflow or abort) on this file",
            ),
            (
                kept,
                "崩溃（栈溢出或中止）；保留它先前索引的版本",
                "crashed (stack overflow or abort) on this file; its previously indexed version",
            ),
            (
                earlier,
                "崩溃（栈溢出或中止）（上一次运行时；文件此后未变",
                "crashed (stack overflow or abort) on this file in an earlier run",
            ),
            (
                both("skip.stopped", &[]),
                "未读取：运行提前停止",
                "not read: the run stopped early",
            ),
            (
                both("skip.no_text_left", &[]),
                "去掉网站框架文字后没有剩下正文",
                "no text left after removing site boilerplate",
            ),
            // Words no label made, or an older run's English, stay as they are in both.
            (
                Text::plain("Permission denied (os error 13)"),
                "Permission denied (os error 13)",
                "Permission denied (os error 13)",
            ),
        ];
        for (reason, zh, en) in rows {
            let skipped = Skipped {
                file: "a.pdf".into(),
                reason: reason.clone(),
            };
            let (in_zh, in_en) = (skipped.message(Lang::Zh), skipped.message(Lang::En));
            assert!(
                in_zh.starts_with("警告：已跳过 a.pdf：") && in_zh.contains(zh),
                "{reason:?} in Chinese: {in_zh}"
            );
            assert!(
                in_en.starts_with("warning: skipped a.pdf: ") && in_en.contains(en),
                "{reason:?} in English: {in_en}"
            );
        }
    }

    fn worker_crash_reason() -> Text {
        use std::os::unix::process::ExitStatusExt;
        let status = std::process::ExitStatus::from_raw(6);
        worker::crashed_for_test("PDF", status).reason
    }

    #[test]
    fn discovers_supported_files_and_names_the_rest() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("sub/.hidden")).expect("mkdir");
        std::fs::write(dir.path().join("b.txt"), "x").expect("write");
        std::fs::write(dir.path().join("sub/a.TXT"), "x").expect("write");
        std::fs::write(dir.path().join("sub/.hidden/c.txt"), "x").expect("write");
        std::fs::write(dir.path().join("report.doc"), "x").expect("write");
        let (files, skipped) = discover(dir.path());
        let rels: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["b.txt", "sub/a.TXT"]);
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].file, "report.doc");
        assert!(
            skipped[0].reason.en.contains("save it as .docx"),
            "{:?}",
            skipped[0]
        );
    }

    #[test]
    fn names_are_escaped_losslessly() {
        let rows: [(&[u8], &str); 6] = [
            ("法治报告.txt".as_bytes(), "法治报告.txt"),
            (b"\xD6\xD0\xCE\xC4.txt", "\\xD6\\xD0\\xCE\\xC4.txt"),
            (b"a\\xD6.txt", "a\\\\xD6.txt"),
            (b"\x1B]0;owned\x07.txt", "\\x1B]0;owned\\x07.txt"),
            ("a\u{85}b".as_bytes(), "a\\u{85}b"),
            (b"tab\there", "tab\\x09here"),
        ];
        for (bytes, shown) in rows {
            assert_eq!(escape_name(bytes), shown, "{bytes:?}");
        }
        assert_ne!(
            escape_name(b"\xD6.txt"),
            escape_name(b"\\xD6.txt"),
            "a byte and the text of its escape stay distinct"
        );
    }

    #[test]
    fn only_regular_files_are_read_and_never_waited_on() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("swapped.txt");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        let rows = [
            (fifo.as_path(), "a FIFO"),
            (Path::new("/dev/zero"), "a device"),
            (dir.path(), "a folder"),
        ];
        for (path, kind) in rows {
            let err = read_file(path).expect_err("not a file").to_string();
            assert!(
                err.contains("not a regular file") && err.contains(kind),
                "{path:?}: {err}"
            );
        }
        // Found by the walk, a FIFO is named and skipped without being opened.
        let (files, skipped) = discover(dir.path());
        assert!(files.is_empty(), "{files:?}");
        assert!(
            skipped
                .iter()
                .any(|s| s.file == "swapped.txt" && s.reason.en.contains("a FIFO")),
            "{skipped:?}"
        );
        let file = dir.path().join("ok.txt");
        std::fs::write(&file, "法治").expect("write");
        let (bytes, size, _) = read_file(&file).expect("a file");
        assert_eq!((bytes.as_slice(), size), ("法治".as_bytes(), 6));
    }
}
