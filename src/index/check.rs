//! The index never lies: whether an index is as fazhi-index wrote and verified it.
//!
//! **The invariant.** A search answers only from an index whose files all passed a full
//! verification after fazhi-index wrote them: every segment file's tantivy checksum (the CRC32
//! in its footer), `meta.json` consistent with the segments (each segment's document count and
//! deletions as its own files hold them, the schema and settings this program writes). A damaged
//! index is refused with [`Error::Damaged`], naming the file and telling the user to run
//! `fazhi-index --rebuild`; it is never answered from and never allowed to panic. The facet file
//! (`facet-ordinals.bin`) is a cache that every search checks itself (its CRC32) and does without
//! when it does not hold, so it is verified by `fazhi-index --check` and after each run, but a
//! damaged one is not a reason to refuse a query.
//!
//! A full verification reads every byte of the index (hundreds of MB at scale), too much for a
//! query that takes a few milliseconds. So after a verified commit fazhi-index writes a seal
//! ([`SEAL_FILE`]): the size and modification time of every segment file and the CRC32 of
//! `meta.json`. Opening an index compares the seal with what is on disk (a few `stat`s
//! and reading `meta.json`); only when something differs does it run the full verification,
//! and refuse the index if that fails. Any tool that writes into a file changes its times; a
//! change that keeps a file's size and puts its modification time back still changes its
//! status-change time (`ctime`, set by the system, which no program sets back), which the seal
//! holds too (on Unix).
//!
//! **Damage below the file system** (the disk itself) keeps all three. A changed posting,
//! position, dictionary or stored byte makes tantivy fail or panic: [`guard`] turns that into the
//! same refusal, without the engine's panic text. A changed fast-field or field-norm byte
//! ([`VERIFIED_ON_OPEN`]) would give another number or order without a word, so those files are
//! verified in full **once per boot of the machine**: the first open of an index under its
//! present seal in each boot (per user, on Linux) reads their CRC32s and, when they hold, leaves
//! a record outside the index folder ([`BootRecords`]: the boot id, the seal's CRC32 and the
//! index's path, in the user's private runtime folder); later opens in the same boot find the
//! record and skip the reading. So such damage at rest (while the machine was off, or an index
//! restored below the file system) is refused from the first query after the machine starts;
//! damage that happens while the machine runs, after the first query, is found by the first
//! query of the next boot or by `fazhi-index --check`. Where there is no boot id or no private
//! folder, every open verifies them.
//!
use std::cell::Cell;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use tantivy::Index;
use tantivy::columnar::ColumnarReader;
use tantivy::directory::footer::Footer;
use tantivy::directory::{Directory, MmapDirectory};
use tantivy::fastfield::AliveBitSet;
use tantivy::index::{SegmentComponent, SegmentMeta};

use super::facets::CACHE_FILE;
use super::schema::{self, SCHEMA_VERSION, Stamp};
use crate::error::{Error, Result};

/// The seal: what every file of the index looked like when it was last verified.
pub const SEAL_FILE: &str = "fazhi-seal.json";
/// The seal's format, its first field.
const SEAL_FORMAT: &str = "fazhi-search seal 2";

/// The segment components tantivy writes for every segment of this index (the delete bitset
/// only for a segment with deletions).
const COMPONENTS: [SegmentComponent; 6] = [
    SegmentComponent::Postings,
    SegmentComponent::Positions,
    SegmentComponent::Terms,
    SegmentComponent::Store,
    SegmentComponent::FastFields,
    SegmentComponent::FieldNorms,
];

/// One thing wrong with an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The file, relative to the index folder.
    pub file: String,
    pub reason: String,
}

/// What a full verification found.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// Files whose content was read and verified.
    pub files: usize,
    pub segments: usize,
    pub damage: Vec<Damage>,
}

/// Files known to be sound, with the size and time they had when they were verified: a later
/// verification skips reading them again while they still look the same.
pub type Known = HashMap<String, Look>;

/// A file's size, modification time and status-change time (nanoseconds since 1970). The
/// status-change time (`ctime`) is set by the system whenever the file is written or its times
/// are set, and cannot be set back: a change that restores the size and the modification time
/// still changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Look {
    pub len: u64,
    pub mtime_ns: u64,
    pub ctime_ns: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Seal {
    format: String,
    meta_crc32: u32,
    files: Vec<SealedFile>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SealedFile {
    name: String,
    #[serde(flatten)]
    look: Look,
}

/// The size and time of `path`, if it is a file.
fn look(path: &Path) -> Option<Look> {
    let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    let mtime_ns = meta
        .modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    Some(Look {
        len: meta.len(),
        mtime_ns,
        ctime_ns: ctime_ns(&meta),
    })
}

#[cfg(unix)]
fn ctime_ns(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let secs = u64::try_from(meta.ctime()).unwrap_or(0);
    let nanos = u64::try_from(meta.ctime_nsec()).unwrap_or(0);
    secs.saturating_mul(1_000_000_000).saturating_add(nanos)
}

/// Elsewhere there is no status-change time: the seal holds size and modification time only.
#[cfg(not(unix))]
fn ctime_ns(_: &std::fs::Metadata) -> u64 {
    0
}

fn damaged(path: &Path, damage: &[Damage]) -> Error {
    let first = damage.first().cloned().unwrap_or_else(|| Damage {
        file: "meta.json".into(),
        reason: "unknown".into(),
    });
    let reason = match damage.len() {
        0 | 1 => first.reason,
        n => format!(
            "{}; {} more damaged, see fazhi-index --check",
            first.reason,
            n - 1
        ),
    };
    Error::Damaged {
        path: path.to_path_buf(),
        file: first.file,
        reason,
    }
}

/// The text of a panic's payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

thread_local! {
    /// How many [`guard`]s the current thread is inside.
    static GUARDED: Cell<usize> = const { Cell::new(0) };
}

/// The name tantivy gives the threads of a multi-threaded search (`tantivy-search-0`…): a
/// panic on one of them reaches the [`guard`] of the thread that waits for the search.
const ENGINE_THREADS: &str = "tantivy-search-";

/// Installs, once, a panic hook that keeps the engine's panics off standard error: a panic on
/// a thread inside a [`guard`], or on one of tantivy's search threads, becomes the guard's
/// refusal and nothing else is printed. Any other panic is reported by the hook that was there
/// before. The binaries call this once when they start; it never swaps the hook again.
pub fn quiet_engine_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let engine_thread = std::thread::current()
                .name()
                .is_some_and(|name| name.starts_with(ENGINE_THREADS));
            if GUARDED.with(Cell::get) == 0 && !engine_thread {
                previous(info);
            }
        }));
    });
}

/// Runs `work`, its panic caught and not printed (by [`quiet_engine_panics`]'s hook): for a
/// library that panics where it should fail (rust_xlsxwriter on a full disk). The panic's
/// message, if it has one, is the error.
pub fn quietly<T>(work: impl FnOnce() -> T) -> std::result::Result<T, String> {
    let caught = {
        let _inside = Guarded::enter();
        catch_unwind(AssertUnwindSafe(work))
    };
    caught.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

/// Marks the current thread as inside a [`guard`] while it lives.
struct Guarded;

impl Guarded {
    fn enter() -> Guarded {
        GUARDED.with(|g| g.set(g.get() + 1));
        Guarded
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        GUARDED.with(|g| g.set(g.get().saturating_sub(1)));
    }
}

/// Runs `work`, which reads the index at `path`; a panic (tantivy's answer to some damaged
/// files) becomes [`Error::Damaged`] naming the damaged file when a full verification finds
/// it, or an engine error otherwise. The second line of defence behind [`ensure_sound`]; with
/// [`quiet_engine_panics`] installed, the panic's own text is never printed.
pub fn guard<T>(path: &Path, work: impl FnOnce() -> Result<T>) -> Result<T> {
    let caught = {
        let _inside = Guarded::enter();
        catch_unwind(AssertUnwindSafe(work))
    };
    match caught {
        // tantivy reports some damage as an error rather than a panic (a store block that no
        // longer decompresses, a footer it cannot read): when the files fail their checksums,
        // that is the answer.
        Ok(Err(e @ (Error::Engine(_) | Error::CorruptIndex { .. }))) => match verify(path) {
            Ok(verdict) if !verdict.damage.is_empty() => Err(damaged(path, &verdict.damage)),
            Err(d @ Error::Damaged { .. }) => Err(d),
            _ => Err(e),
        },
        Ok(result) => result,
        Err(_) => {
            match verify(path) {
                Ok(verdict) if !verdict.damage.is_empty() => Err(damaged(path, &verdict.damage)),
                Err(e @ Error::Damaged { .. }) => Err(e),
                // The engine's own words are not shown: they name its code, not the file.
                _ => Err(Error::Damaged {
                    path: path.to_path_buf(),
                    file: "(one of its files)".into(),
                    reason: "reading it failed, though every file's checksum holds".into(),
                }),
            }
        }
    }
}

/// Checks the index at `path` before it is searched: the seal when it matches the files (a few
/// `stat`s) with the files [`VERIFIED_ON_OPEN`] once per boot, else a full verification.
/// Returns the files known sound.
pub fn ensure_sound(path: &Path) -> Result<Known> {
    ensure_sound_in(path, BootRecords::here().as_ref())
}

fn ensure_sound_in(path: &Path, boot: Option<&BootRecords>) -> Result<Known> {
    if let Some((known, seal_crc32)) = sealed(path) {
        if boot.is_some_and(|b| b.vouches(path, seal_crc32)) {
            return Ok(known);
        }
        let directory = MmapDirectory::open(path).map_err(|e| Error::Damaged {
            path: path.to_path_buf(),
            file: "(the folder)".into(),
            reason: format!("unreadable: {e}"),
        })?;
        let damage: Vec<Damage> = known
            .keys()
            .filter(|name| verified_on_open(name))
            .filter_map(|name| {
                let reason = file_checksum(&directory, name).err()?;
                Some(Damage {
                    file: name.clone(),
                    reason,
                })
            })
            .collect();
        if damage.is_empty() {
            if let Some(boot) = boot {
                boot.record(path, seal_crc32);
            }
            return Ok(known);
        }
        return Err(damaged(path, &damage));
    }
    // The index may be changing under us (fazhi-index committing): verify again while
    // meta.json changes during a verification, a few times.
    let mut last = None;
    for _ in 0..3 {
        let before = std::fs::read(path.join("meta.json")).ok();
        let inspection = inspect(path, &Known::new(), Facets::Skip)?;
        if inspection.verdict.damage.is_empty() {
            return Ok(inspection.looks);
        }
        let after = std::fs::read(path.join("meta.json")).ok();
        let changed = before != after;
        last = Some(inspection.verdict.damage);
        if !changed {
            break;
        }
    }
    Err(damaged(path, &last.unwrap_or_default()))
}

/// The files the seal vouches for and the seal's own CRC32, when the seal matches `meta.json`
/// and every file's size and time; None otherwise (no seal, an unreadable one, anything
/// changed).
fn sealed(path: &Path) -> Option<(Known, u32)> {
    let text = std::fs::read(path.join(SEAL_FILE)).ok()?;
    let seal: Seal = serde_json::from_slice(&text).ok()?;
    let meta = std::fs::read(path.join("meta.json")).ok()?;
    if seal.format != SEAL_FORMAT || seal.meta_crc32 != crc32fast::hash(&meta) {
        return None;
    }
    let mut known = Known::with_capacity(seal.files.len());
    for file in seal.files {
        if look(&path.join(&file.name)) != Some(file.look) {
            return None;
        }
        known.insert(file.name, file.look);
    }
    Some((known, crc32fast::hash(&text)))
}

/// Records, outside any index, that this boot of the machine has verified the files
/// [`VERIFIED_ON_OPEN`] of an index under its present seal (see the module doc). A record is a
/// small file in the user's private folder, named by the index's path and holding the boot id,
/// the seal's CRC32 and the path; it vouches only when all three are the same. A record that
/// cannot be read or written only costs a verification.
struct BootRecords {
    boot_id: String,
    folder: PathBuf,
}

/// The first line of a record.
const RECORD_FORMAT: &str = "fazhi-search verified on open 1";

impl BootRecords {
    /// This boot's records: None without a boot id (not Linux) or a folder only this user can
    /// write in (then every open verifies).
    fn here() -> Option<BootRecords> {
        let boot_id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
        let boot_id = boot_id.trim();
        if boot_id.is_empty() {
            return None;
        }
        Some(BootRecords {
            boot_id: boot_id.to_string(),
            folder: private_folder()?,
        })
    }

    /// The record's file for the index at `path` and what it holds when it vouches for `seal`.
    fn entry(&self, path: &Path, seal_crc32: u32) -> Option<(PathBuf, Vec<u8>)> {
        let index = std::fs::canonicalize(path).ok()?;
        let index = index.as_os_str().as_encoded_bytes();
        let mut text = format!(
            "{RECORD_FORMAT}\nboot {}\nseal {seal_crc32:08x}\nindex ",
            self.boot_id
        )
        .into_bytes();
        text.extend_from_slice(index);
        text.push(b'\n');
        let name = format!("{:08x}.verified", crc32fast::hash(index));
        Some((self.folder.join(name), text))
    }

    /// Whether this boot verified the index at `path` under the seal whose CRC32 is given.
    fn vouches(&self, path: &Path, seal_crc32: u32) -> bool {
        self.entry(path, seal_crc32)
            .is_some_and(|(file, text)| std::fs::read(file).is_ok_and(|held| held == text))
    }

    /// Records that this boot verified the index at `path` under the seal given; written aside
    /// and renamed, so that a concurrent reader sees the old record or the new one.
    fn record(&self, path: &Path, seal_crc32: u32) {
        let Some((file, text)) = self.entry(path, seal_crc32) else {
            return;
        };
        let aside = file.with_extension(format!("{}.tmp", std::process::id()));
        if std::fs::write(&aside, text).is_err() || std::fs::rename(&aside, &file).is_err() {
            let _ = std::fs::remove_file(&aside);
        }
    }
}

/// This user's private folder for boot records: `$XDG_RUNTIME_DIR/fazhi-search`, else
/// `fazhi-search-UID` in the temporary folder; used only when it is a folder owned by this user
/// that no one else can read or write (so no one else can leave a record there).
#[cfg(target_os = "linux")]
fn private_folder() -> Option<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let folder = match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(runtime) => PathBuf::from(runtime).join("fazhi-search"),
        None => std::env::temp_dir().join(format!("fazhi-search-{uid}")),
    };
    // Already there, most of the time: the check below decides.
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&folder);
    let meta = std::fs::symlink_metadata(&folder).ok()?;
    (meta.is_dir() && meta.uid() == uid && meta.mode() & 0o077 == 0).then_some(folder)
}

#[cfg(not(target_os = "linux"))]
fn private_folder() -> Option<PathBuf> {
    None
}

/// Verifies every file of the index at `path` (`fazhi-index --check`) and, when it is sound,
/// seals it, so that queries take the cheap path again (after a copy that changed the files'
/// times, say).
pub fn check(path: &Path) -> Result<Verdict> {
    let inspection = inspect(path, &Known::new(), Facets::Verify)?;
    if inspection.verdict.damage.is_empty() {
        write_seal(path, &inspection, BootRecords::here().as_ref())?;
    }
    Ok(inspection.verdict)
}

/// Verifies the index at `path` (skipping the content of files in `known` that still look as
/// they did) and seals it; [`Error::Damaged`] if it is not sound. fazhi-index calls this after
/// every run, so that no run reports success over a segment that does not read back.
pub fn verify_and_seal(path: &Path, known: &Known) -> Result<()> {
    let inspection = inspect(path, known, Facets::Verify)?;
    if !inspection.verdict.damage.is_empty() {
        return Err(damaged(path, &inspection.verdict.damage));
    }
    write_seal(path, &inspection, BootRecords::here().as_ref())
}

/// A full verification of the index at `path`, reading every file.
pub fn verify(path: &Path) -> Result<Verdict> {
    Ok(inspect(path, &Known::new(), Facets::Verify)?.verdict)
}

/// Whether a verification reads the facet file (a cache, see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Facets {
    Verify,
    Skip,
}

struct Inspection {
    verdict: Verdict,
    /// Every file of the index as it looked before it was read.
    looks: Known,
    meta_crc32: u32,
    /// Whether every file [`VERIFIED_ON_OPEN`] was read (none skipped as known).
    read_all_on_open: bool,
}

/// The files that make up the segments `segments` (names relative to the index folder).
pub fn segment_files(segments: &[SegmentMeta]) -> Vec<String> {
    let mut files = Vec::new();
    for segment in segments {
        for component in COMPONENTS {
            files.push(segment.relative_path(component));
        }
        if segment.delete_opstamp().is_some() {
            files.push(segment.relative_path(SegmentComponent::Delete));
        }
    }
    files
        .into_iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

fn inspect(path: &Path, known: &Known, facets: Facets) -> Result<Inspection> {
    if !super::exists(path) {
        return Err(Error::NoIndex {
            path: path.to_path_buf(),
        });
    }
    let meta_bytes = std::fs::read(path.join("meta.json")).map_err(|source| Error::Read {
        path: path.join("meta.json"),
        source,
    })?;
    let mut inspection = Inspection {
        verdict: Verdict {
            files: 0,
            segments: 0,
            damage: Vec::new(),
        },
        looks: Known::new(),
        meta_crc32: crc32fast::hash(&meta_bytes),
        read_all_on_open: true,
    };
    let damage = &mut inspection.verdict.damage;
    let opened = catch_unwind(|| -> tantivy::Result<_> {
        let index = Index::open_in_dir(path)?;
        let metas = index.load_metas()?;
        Ok((index, metas))
    });
    let (index, metas) = match opened {
        Ok(Ok(opened)) => opened,
        Ok(Err(e)) => {
            damage.push(Damage {
                file: "meta.json".into(),
                reason: format!("tantivy cannot open the index: {e}"),
            });
            return Ok(inspection);
        }
        Err(payload) => {
            damage.push(Damage {
                file: "meta.json".into(),
                reason: format!("tantivy cannot open the index: {}", panic_text(&*payload)),
            });
            return Ok(inspection);
        }
    };
    damage.extend(meta_damage(&metas));
    let files = segment_files(&metas.segments);
    let facet_file = path.join(CACHE_FILE);
    let with_facets = facets == Facets::Verify && facet_file.is_file();
    for name in files
        .iter()
        .map(String::as_str)
        .chain(with_facets.then_some(CACHE_FILE))
    {
        let Some(now) = look(&path.join(name)) else {
            damage.push(Damage {
                file: name.into(),
                reason: "missing (meta.json names it)".into(),
            });
            continue;
        };
        if name != CACHE_FILE {
            inspection.looks.insert(name.to_string(), now);
        }
        if known.get(name) == Some(&now) {
            inspection.read_all_on_open &= !verified_on_open(name);
            continue;
        }
        inspection.verdict.files += 1;
        let result = if name == CACHE_FILE {
            facet_file_checksum(&facet_file)
        } else {
            segment_file_checksum(&index, name)
        };
        if let Err(reason) = result {
            damage.push(Damage {
                file: name.into(),
                reason,
            });
        }
    }
    // A segment's own counts are read only from files whose checksums hold.
    let bad: Vec<String> = damage.iter().map(|d| d.file.clone()).collect();
    for segment in &metas.segments {
        inspection.verdict.segments += 1;
        let mine = segment_files(std::slice::from_ref(segment));
        if mine.iter().any(|f| bad.contains(f)) {
            continue;
        }
        if let Err(reason) = segment_counts(&index, segment) {
            damage.push(Damage {
                file: "meta.json".into(),
                reason,
            });
        }
    }
    Ok(inspection)
}

/// What is wrong with `meta.json` itself: the stamp, the schema and the settings.
fn meta_damage(metas: &tantivy::IndexMeta) -> Vec<Damage> {
    let mut out = Vec::new();
    let stamp = Stamp::of(metas);
    match stamp {
        Some(s) if s.schema_version == SCHEMA_VERSION => {}
        Some(s) => out.push(Damage {
            file: "meta.json".into(),
            reason: format!(
                "written by {} (schema version {}); this program reads schema version {SCHEMA_VERSION}",
                s.writer, s.schema_version
            ),
        }),
        None => out.push(Damage {
            file: "meta.json".into(),
            reason: "no fazhi-search stamp (no run committed, or another program wrote it)".into(),
        }),
    }
    if metas.schema != schema::build_schema(schema::field_specs()) {
        out.push(Damage {
            file: "meta.json".into(),
            reason: "its schema is not the one this program writes".into(),
        });
    }
    if metas.index_settings != super::settings() {
        out.push(Damage {
            file: "meta.json".into(),
            reason: "its settings are not the ones this program writes".into(),
        });
    }
    out
}

/// The segment files verified in full on the first open in each boot, by their extension: the
/// fast fields and the field norms (scores), where a changed byte gives no error.
const VERIFIED_ON_OPEN: [&str; 2] = [".fast", ".fieldnorm"];

fn verified_on_open(name: &str) -> bool {
    VERIFIED_ON_OPEN.iter().any(|ext| name.ends_with(ext))
}

/// tantivy's footer checksum of one segment file.
fn segment_file_checksum(index: &Index, name: &str) -> std::result::Result<(), String> {
    checksum_verdict(|| {
        index
            .directory()
            .validate_checksum(Path::new(name))
            .map_err(|e| e.to_string())
    })
}

/// tantivy's footer checksum of the file `name` of a plain `directory`, one that does not
/// strip footers as an index's own does: what `ManagedDirectory::validate_checksum` does.
fn file_checksum(directory: &dyn Directory, name: &str) -> std::result::Result<(), String> {
    checksum_verdict(|| {
        let file = directory
            .open_read(Path::new(name))
            .map_err(|e| e.to_string())?;
        let (footer, body) = Footer::extract_footer(file).map_err(|e| e.to_string())?;
        let bytes = body.read_bytes().map_err(|e| e.to_string())?;
        Ok(crc32fast::hash(bytes.as_slice()) == footer.crc)
    })
}

/// A checksum's outcome as a reason, a panic while reading included.
fn checksum_verdict(
    validate: impl FnOnce() -> std::result::Result<bool, String>,
) -> std::result::Result<(), String> {
    match catch_unwind(AssertUnwindSafe(validate)) {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => Err("checksum mismatch".into()),
        Ok(Err(e)) => Err(format!("unreadable: {e}")),
        Err(payload) => Err(format!("unreadable: {}", panic_text(&*payload))),
    }
}

/// The facet file ends with the CRC32 of everything before it.
fn facet_file_checksum(path: &Path) -> std::result::Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("unreadable: {e}"))?;
    let Some((body, crc)) = bytes.split_last_chunk::<4>() else {
        return Err("too short".into());
    };
    if crc32fast::hash(body) == u32::from_le_bytes(*crc) {
        Ok(())
    } else {
        Err("checksum mismatch".into())
    }
}

/// `meta.json`'s document and deletion counts for `segment` against the segment's own files:
/// the fast fields hold a row per document, the delete bitset a bit per document.
fn segment_counts(index: &Index, segment: &SegmentMeta) -> std::result::Result<(), String> {
    let id = segment.id().uuid_string();
    let read = |component: SegmentComponent| {
        let name = segment.relative_path(component);
        index
            .directory()
            .open_read(&name)
            .map_err(|e| format!("segment {id}: {e}"))
    };
    let counts = catch_unwind(AssertUnwindSafe(|| -> std::result::Result<_, String> {
        let columnar = ColumnarReader::open(read(SegmentComponent::FastFields)?)
            .map_err(|e| format!("segment {id}: its fast fields do not open: {e}"))?;
        let alive = match segment.delete_opstamp() {
            None => None,
            Some(_) => {
                let bytes = read(SegmentComponent::Delete)?
                    .read_bytes()
                    .map_err(|e| format!("segment {id}: {e}"))?;
                let bitset = AliveBitSet::open(bytes);
                Some((bitset.num_alive_docs(), bitset.bitset().max_value()))
            }
        };
        Ok((columnar.num_docs(), alive))
    }));
    let (rows, alive) = match counts {
        Ok(counts) => counts?,
        Err(payload) => {
            return Err(format!(
                "segment {id}: its files do not read back: {}",
                panic_text(&*payload)
            ));
        }
    };
    let (max_doc, deleted) = (segment.max_doc(), segment.num_deleted_docs());
    if rows != max_doc {
        return Err(format!(
            "max_doc of segment {id} is {max_doc}, but the segment holds {rows} documents"
        ));
    }
    if deleted > max_doc {
        return Err(format!(
            "segment {id} has {deleted} deleted documents of {max_doc}"
        ));
    }
    if let Some((alive, bits)) = alive
        && (alive as u64 != u64::from(max_doc - deleted) || bits != max_doc)
    {
        return Err(format!(
            "segment {id}: meta.json counts {deleted} deleted documents of {max_doc}, \
             its delete file {alive} alive of {bits}"
        ));
    }
    Ok(())
}

/// Writes the seal of a sound inspection and, when it read every file [`VERIFIED_ON_OPEN`], the
/// boot's record that they are verified under it.
fn write_seal(path: &Path, inspection: &Inspection, boot: Option<&BootRecords>) -> Result<()> {
    let mut files: Vec<SealedFile> = inspection
        .looks
        .iter()
        .map(|(name, look)| SealedFile {
            name: name.clone(),
            look: *look,
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let seal = Seal {
        format: SEAL_FORMAT.into(),
        meta_crc32: inspection.meta_crc32,
        files,
    };
    let text = serde_json::to_vec_pretty(&seal).map_err(|e| Error::Usage(e.to_string().into()))?;
    let aside = path.join(format!("{SEAL_FILE}.tmp"));
    let target = path.join(SEAL_FILE);
    let write = |p: &PathBuf, r: std::io::Result<()>| {
        r.map_err(|source| Error::Write {
            path: p.clone(),
            source,
        })
    };
    let seal_crc32 = crc32fast::hash(&text);
    write(&aside, std::fs::write(&aside, text))?;
    write(&target, std::fs::rename(&aside, &target))?;
    if let Some(boot) = boot.filter(|_| inspection.read_all_on_open) {
        boot.record(path, seal_crc32);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::writer::{IndexConfig, update};
    use crate::ingest::worker::Isolation;

    /// A sealed index of a few synthetic reports, in `dir/index`.
    fn sealed_index(dir: &Path) -> PathBuf {
        let corpus = dir.join("corpus");
        crate::synth::generate(Path::new("corpus"), &corpus, 6, 3).expect("synthetic corpus");
        let config = IndexConfig {
            isolation: Isolation::InProcess,
            ..IndexConfig::new(corpus, dir.join("index"), 1)
        };
        update(&config, &indicatif::ProgressBar::hidden()).expect("the run succeeds");
        dir.join("index")
    }

    /// Flips bytes of a `.fast` file and re-seals it as damage below the file system leaves
    /// an index: the seal vouches for the damaged file. Returns the file's name.
    fn damage_below_the_file_system(index: &Path) -> String {
        let text = std::fs::read(index.join(SEAL_FILE)).expect("seal");
        let mut seal: Seal = serde_json::from_slice(&text).expect("seal json");
        let entry = seal
            .files
            .iter_mut()
            .find(|f| f.name.ends_with(".fast"))
            .expect("a .fast file");
        let file = index.join(&entry.name);
        let mut bytes = std::fs::read(&file).expect("read");
        let middle = bytes.len() / 2;
        for b in &mut bytes[middle..middle + 4] {
            *b ^= 0xA5;
        }
        std::fs::write(&file, bytes).expect("write");
        entry.look = look(&file).expect("look");
        let name = entry.name.clone();
        std::fs::write(
            index.join(SEAL_FILE),
            serde_json::to_vec(&seal).expect("json"),
        )
        .expect("write seal");
        name
    }

    fn records(folder: &Path, boot: &str) -> BootRecords {
        BootRecords {
            boot_id: boot.into(),
            folder: folder.to_path_buf(),
        }
    }

    #[test]
    fn a_sound_index_is_verified_once_per_boot_then_vouched_for_by_the_record() {
        let dir = tempfile::tempdir().expect("temp dir");
        let index = sealed_index(dir.path());
        let folder = dir.path().join("records");
        std::fs::create_dir(&folder).expect("records");
        let boot = records(&folder, "boot-a");
        let (_, seal) = sealed(&index).expect("the index is sealed");
        assert!(
            !boot.vouches(&index, seal),
            "no record before the first open"
        );
        ensure_sound_in(&index, Some(&boot)).expect("sound");
        assert!(boot.vouches(&index, seal), "the first open leaves a record");
        assert!(
            !records(&folder, "boot-b").vouches(&index, seal),
            "a record vouches only in its own boot"
        );
        assert!(
            !boot.vouches(&index, seal ^ 1),
            "a record vouches only under its own seal"
        );
    }

    /// Which damage below the file system to a fast-field file is refused, by the record found
    /// when the index is opened: refused on the first open of a boot, trusted after it (the
    /// promise in the module doc, and its limit).
    #[test]
    fn damage_below_the_file_system_is_refused_on_the_first_open_of_each_boot() {
        enum Record {
            None,
            OfBoot(&'static str),
            OfAnotherSeal,
        }
        let cases: [(&str, Option<&str>, Record, bool); 5] = [
            ("no record yet in this boot", Some("b"), Record::None, true),
            (
                "a record of an earlier boot",
                Some("b"),
                Record::OfBoot("a"),
                true,
            ),
            (
                "a record of this boot under the seal before",
                Some("b"),
                Record::OfAnotherSeal,
                true,
            ),
            (
                "no boot id or private folder: every open verifies",
                None,
                Record::None,
                true,
            ),
            (
                "a record of this boot under this seal (damage after the first open)",
                Some("b"),
                Record::OfBoot("b"),
                false,
            ),
        ];
        for (what, opened_in, record, refused) in cases {
            let dir = tempfile::tempdir().expect("temp dir");
            let index = sealed_index(dir.path());
            let folder = dir.path().join("records");
            std::fs::create_dir(&folder).expect("records");
            let (_, seal_before) = sealed(&index).expect("sealed");
            let file = damage_below_the_file_system(&index);
            let (_, seal_now) = sealed(&index).expect("the seal vouches for the damaged file");
            match record {
                Record::None => {}
                Record::OfBoot(boot) => records(&folder, boot).record(&index, seal_now),
                Record::OfAnotherSeal => records(&folder, "b").record(&index, seal_before),
            }
            let boot = opened_in.map(|b| records(&folder, b));
            match ensure_sound_in(&index, boot.as_ref()) {
                Err(Error::Damaged { file: named, .. }) => {
                    assert!(refused, "{what}: refused, but the promise is to trust it");
                    assert_eq!(named, file, "{what}: names the damaged file");
                    assert!(
                        boot.is_none_or(|b| !b.vouches(&index, seal_now)),
                        "{what}: a refusal leaves no record"
                    );
                }
                Err(e) => panic!("{what}: another error: {e:?}"),
                Ok(_) => assert!(!refused, "{what}: the damaged file was not refused"),
            }
        }
    }
}
