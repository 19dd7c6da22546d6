//! Files that crashed, hung or exhausted a reader, remembered between runs in `poisoned.tsv`
//! inside the index folder, so that a run does not try them again until they change.
//!
//! A file is known by its path and a fingerprint of what was read: its size, its modification
//! time and the hash of its bytes (with the program's version and `index_schema/` data, so that
//! a new version, which may read it, tries again). The file is written by `fazhi-index` only,
//! replaced whole (written beside, then renamed) at the end of each run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file's name inside the index folder.
pub const FILE_NAME: &str = "poisoned.tsv";

const HEADER: &str = "# fazhi-index: files a reader crashed, hung or ran out of memory on; \
                      each is tried again when it changes.\n\
                      # file\tsize\tmtime_ns\tfingerprint\treason\n";

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
    before: BTreeMap<String, (Mark, String)>,
    now: std::sync::Mutex<BTreeMap<String, (Mark, String)>>,
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
                let mut cols = line.splitn(5, '\t');
                let file = cols.next()?.to_string();
                let size = cols.next()?.parse().ok()?;
                let mtime = cols.next()?.parse().ok()?;
                let fingerprint = u64::from_str_radix(cols.next()?, 16).ok()?;
                let reason = cols.next()?.to_string();
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
    pub fn earlier(&self, file: &str, mark: Mark) -> Option<String> {
        let (was, reason) = self.before.get(file)?;
        if *was != mark {
            return None;
        }
        self.remember(file, mark, reason);
        Some(crate::lang::both("skip.earlier", &[("reason", reason)]).en)
    }

    /// Puts `file` on the list for the next run.
    pub fn remember(&self, file: &str, mark: Mark, reason: &str) {
        if let Ok(mut now) = self.now.lock() {
            now.insert(file.to_string(), (mark, reason.replace(['\t', '\n'], " ")));
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
                "{file}\t{}\t{}\t{:016x}\t{reason}\n",
                m.size, m.mtime, m.fingerprint
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
        first.remember(
            "a/坏.pdf",
            mark,
            "the PDF reader crashed (stack overflow or abort) on this file",
        );
        first.save().expect("saved");

        let second = Poisoned::load(dir.path());
        let reason = second.earlier("a/坏.pdf", mark).expect("remembered");
        assert!(
            reason.contains("crashed") && reason.contains("earlier run"),
            "{reason}"
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
}
