//! Files that crashed, hung or exhausted a reader, remembered between runs in `poisoned.tsv`
//! inside the index folder, so that a run does not try them again until they change.
//!
//! A file is known by its path and a fingerprint of what was read: its size, its modification
//! time and the hash of its bytes (with the program's version and `index_schema/` data, so that
//! a new version, which may read it, tries again). The file is written by `fazhi-index` only,
//! replaced whole (written beside, then renamed) at the end of each run.
//!
//! The reason is kept in both languages: its English, then its Chinese. A row an older run
//! wrote has the English only, and is shown as it is in both.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::Text;

/// The file's name inside the index folder.
pub const FILE_NAME: &str = "poisoned.tsv";

const HEADER: &str = "# fazhi-index: files a reader crashed, hung or ran out of memory on; \
                      each is tried again when it changes.\n\
                      # file\tsize\tmtime_ns\tfingerprint\treason\treason_zh\n";

/// What a poisoned file looked like when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub size: u64,
    pub mtime: i128,
    pub fingerprint: u64,
}

/// The remembered files, by their name (as [`super::escape_name`] writes it).
#[derive(Debug, Default)]
pub struct Poisoned {
    path: PathBuf,
    before: BTreeMap<String, (Mark, Text)>,
    now: std::sync::Mutex<BTreeMap<String, (Mark, Text)>>,
}

impl Poisoned {
    /// The list in `index`; empty when there is none, or when it cannot be read (then every
    /// file is simply tried again).
    pub fn load(index: &Path) -> Poisoned {
        let path = index.join(FILE_NAME);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let before = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|line| {
                let mut cols = line.splitn(6, '\t');
                let file = cols.next()?.to_string();
                let size = cols.next()?.parse().ok()?;
                let mtime = cols.next()?.parse().ok()?;
                let fingerprint = u64::from_str_radix(cols.next()?, 16).ok()?;
                let en = cols.next()?.to_string();
                let reason = match cols.next() {
                    Some(zh) => Text {
                        zh: zh.to_string(),
                        en,
                    },
                    None => Text::plain(en),
                };
                Some((
                    file,
                    (
                        Mark {
                            size,
                            mtime,
                            fingerprint,
                        },
                        reason,
                    ),
                ))
            })
            .collect();
        Poisoned {
            path,
            before,
            now: Default::default(),
        }
    }

    /// Why `file` was skipped in an earlier run, when it is unchanged since; it stays on the list.
    pub fn earlier(&self, file: &str, mark: Mark) -> Option<Text> {
        let (was, reason) = self.before.get(file)?;
        if *was != mark {
            return None;
        }
        self.remember(file, mark, reason);
        Some(crate::lang::both_texts(
            "skip.earlier",
            &[("reason", reason)],
        ))
    }

    /// Puts `file` on the list for the next run.
    pub fn remember(&self, file: &str, mark: Mark, reason: &Text) {
        let one_line = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        let reason = Text {
            zh: one_line(&reason.zh),
            en: one_line(&reason.en),
        };
        if let Ok(mut now) = self.now.lock() {
            now.insert(file.to_string(), (mark, reason));
        }
    }

    /// Writes the list of this run, if it differs from the last one (an empty list removes the
    /// file fazhi-index wrote).
    pub fn save(self) -> std::io::Result<()> {
        let now = self.now.into_inner().unwrap_or_default();
        if now == self.before {
            return Ok(());
        }
        if now.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let mut text = String::from(HEADER);
        for (file, (m, reason)) in &now {
            text.push_str(&format!(
                "{file}\t{}\t{}\t{:016x}\t{}\t{}\n",
                m.size, m.mtime, m.fingerprint, reason.en, reason.zh
            ));
        }
        let temp = self.path.with_extension("tsv.new");
        std::fs::write(&temp, text)?;
        std::fs::rename(&temp, &self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_file_is_skipped_until_it_changes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mark = Mark {
            size: 881,
            mtime: 1_700_000_000_000_000_000,
            fingerprint: 0xfeed,
        };
        let first = Poisoned::load(dir.path());
        assert_eq!(
            first.earlier("a/坏.pdf", mark),
            None,
            "nothing remembered yet"
        );
        let crashed = crate::lang::both(
            "skip.crashed",
            &[("reader", "PDF"), ("how", "stack overflow or abort")],
        );
        first.remember("a/坏.pdf", mark, &crashed);
        first.save().expect("saved");

        let second = Poisoned::load(dir.path());
        let reason = second.earlier("a/坏.pdf", mark).expect("remembered");
        assert!(
            reason.en.contains("crashed") && reason.en.contains("earlier run"),
            "{reason:?}"
        );
        assert!(
            reason.zh.contains("PDF 读取器在这个文件上崩溃") && reason.zh.contains("上一次运行时"),
            "{reason:?}"
        );
        let changes = [
            Mark { size: 882, ..mark },
            Mark { mtime: 1, ..mark },
            Mark {
                fingerprint: 1,
                ..mark
            },
        ];
        for changed in changes {
            assert_eq!(
                second.earlier("a/坏.pdf", changed),
                None,
                "{changed:?} is a change"
            );
        }
        second.save().expect("saved");
        assert!(
            Poisoned::load(dir.path())
                .earlier("a/坏.pdf", mark)
                .is_some(),
            "a file still skipped stays on the list"
        );

        let third = Poisoned::load(dir.path());
        third.save().expect("saved");
        assert!(
            !dir.path().join(FILE_NAME).exists(),
            "a run in which the file was not poison (changed, or gone) drops it"
        );
    }

    /// A row an older run wrote holds the reason's English only: it is shown as it is.
    #[test]
    fn an_older_runs_english_reason_is_shown_as_it_is() {
        let dir = tempfile::tempdir().expect("temp dir");
        let english = "the PDF reader crashed (killed) on this file";
        std::fs::write(
            dir.path().join(FILE_NAME),
            format!("# file\tsize\tmtime_ns\tfingerprint\treason\na.pdf\t1\t2\t00000000000000ff\t{english}\n"),
        )
        .expect("write");
        let mark = Mark {
            size: 1,
            mtime: 2,
            fingerprint: 0xff,
        };
        let reason = Poisoned::load(dir.path())
            .earlier("a.pdf", mark)
            .expect("remembered");
        assert!(reason.en.starts_with(english), "{reason:?}");
        assert!(
            reason.zh.starts_with(english) && reason.zh.contains("上一次运行时"),
            "{reason:?}"
        );
    }
}
