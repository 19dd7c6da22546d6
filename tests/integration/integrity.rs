//! The index never lies (issue 18): damaged files are detected and refused, never answered from
//! and never a panic; `--rebuild` always starts over; fazhi-index never deletes a file it did not
//! write; killed runs leave nothing behind; every number option has a range.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fazhi_search::index::folder::MARKER_FILE;
use serde_json::Value;
use tempfile::TempDir;

use crate::util::{copy_seeds, run, stderr, stdout};

/// A folder with `corpus/` (the bundled reports) and `index/` built from it.
fn indexed() -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    copy_seeds(&dir.path().join("corpus"));
    let out = run("fazhi-index", dir.path(), &["--threads", "2"]);
    assert_eq!(out.status.code(), Some(0), "fazhi-index: {}", stderr(&out));
    dir
}

/// The names in `folder`, sorted.
fn names(folder: &Path) -> BTreeSet<String> {
    std::fs::read_dir(folder)
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

/// The first file of the index whose name ends with `ext`.
fn index_file(index: &Path, ext: &str) -> PathBuf {
    let name = names(index)
        .into_iter()
        .find(|n| n.ends_with(ext) && n.len() > 32)
        .unwrap_or_else(|| panic!("no {ext} file in the index"));
    index.join(name)
}

/// Flips four bytes in the middle of `path` (a disk error, a stray write).
fn flip_four_bytes(path: &Path) {
    let mut bytes = std::fs::read(path).expect("read");
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 4] {
        *b ^= 0xA5;
    }
    std::fs::write(path, bytes).expect("write");
}

/// Adds `by` to the first segment's `max_doc` in meta.json.
fn edit_max_doc(index: &Path, by: i64) {
    let path = index.join("meta.json");
    let mut meta: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("meta")).expect("json");
    let max_doc = &mut meta["segments"][0]["max_doc"];
    *max_doc = Value::from(max_doc.as_i64().expect("max_doc") + by);
    std::fs::write(&path, meta.to_string()).expect("write meta");
}

fn no_panic(what: &str, out: &std::process::Output) {
    let err = stderr(out);
    assert!(
        !err.contains("panicked") && out.status.code().is_some(),
        "{what} must not panic: {err}"
    );
}

type Damage = fn(&Path);

/// Each way of damaging an index, and the file the refusal must name ("" for any).
fn damages() -> Vec<(&'static str, Damage, &'static str)> {
    vec![
        (
            "four bytes of a .fast file",
            |i| flip_four_bytes(&index_file(i, ".fast")),
            ".fast",
        ),
        (
            "four bytes of an .idx file",
            |i| flip_four_bytes(&index_file(i, ".idx")),
            ".idx",
        ),
        (
            "four bytes of a .term file",
            |i| flip_four_bytes(&index_file(i, ".term")),
            ".term",
        ),
        (
            "four bytes of a .pos file",
            |i| flip_four_bytes(&index_file(i, ".pos")),
            ".pos",
        ),
        (
            "four bytes of a .store file",
            |i| flip_four_bytes(&index_file(i, ".store")),
            ".store",
        ),
        (
            "four bytes of a .fieldnorm file",
            |i| flip_four_bytes(&index_file(i, ".fieldnorm")),
            ".fieldnorm",
        ),
        (
            "max_doc raised in meta.json",
            |i| edit_max_doc(i, 2),
            "meta.json",
        ),
        (
            "max_doc lowered in meta.json",
            |i| edit_max_doc(i, -1),
            "meta.json",
        ),
        (
            "a .term file deleted",
            |i| std::fs::remove_file(index_file(i, ".term")).expect("rm"),
            ".term",
        ),
        (
            "a .fast file cut in half",
            |i| {
                let path = index_file(i, ".fast");
                let len = std::fs::metadata(&path).expect("meta").len();
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .and_then(|f| f.set_len(len / 2))
                    .expect("truncate");
            },
            ".fast",
        ),
    ]
}

#[test]
fn a_damaged_index_is_refused_named_and_rebuilt_never_answered_from() {
    for (what, damage, file) in damages() {
        let dir = indexed();
        let index = dir.path().join("index");
        let stats = ["stats", "法治", "--by", "year", "--format", "json"];
        let sound = run("fazhi-query", dir.path(), &stats);
        assert_eq!(sound.status.code(), Some(0), "{what}: {}", stderr(&sound));
        damage(&index);

        for args in [&stats[..], &["法治"], &["kwic", "法治"]] {
            let out = run("fazhi-query", dir.path(), args);
            no_panic(what, &out);
            let err = stderr(&out);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{what}: {args:?} answered: {err}"
            );
            assert!(
                err.contains("处的索引已损坏")
                    && err.contains(file)
                    && err.contains("fazhi-index --rebuild"),
                "{what}: {args:?}: {err}"
            );
        }

        let check = run("fazhi-index", dir.path(), &["--check"]);
        no_panic(what, &check);
        assert_eq!(
            check.status.code(),
            Some(2),
            "{what}: --check: {}",
            stderr(&check)
        );
        assert!(
            stderr(&check).contains("已损坏：") && stderr(&check).contains(file),
            "{what}: --check must name {file}: {}",
            stderr(&check)
        );

        let update = run("fazhi-index", dir.path(), &[]);
        no_panic(what, &update);
        assert_eq!(
            update.status.code(),
            Some(2),
            "{what}: an update over damage"
        );
        assert!(
            stderr(&update).contains("--rebuild"),
            "{what}: {}",
            stderr(&update)
        );

        let rebuild = run("fazhi-index", dir.path(), &["--rebuild"]);
        assert_eq!(
            rebuild.status.code(),
            Some(0),
            "{what}: --rebuild: {}",
            stderr(&rebuild)
        );
        let check = run("fazhi-index", dir.path(), &["--check"]);
        assert_eq!(check.status.code(), Some(0), "{what}: {}", stderr(&check));
        assert!(
            stdout(&check).contains("处的索引完好"),
            "{what}: {}",
            stdout(&check)
        );
        let again = run("fazhi-query", dir.path(), &stats);
        assert_eq!(
            stdout(&again),
            stdout(&sound),
            "{what}: the rebuilt index answers as the sound one did"
        );
    }
}

/// The facet file is a cache every search checks itself: a damaged one changes no answer,
/// `--check` names it, and the next run rewrites it.
#[test]
fn a_damaged_facet_file_is_named_by_the_check_never_used_and_rewritten() {
    let dir = indexed();
    let index = dir.path().join("index");
    let stats = ["stats", "法治", "--by", "province", "--format", "json"];
    let sound = run("fazhi-query", dir.path(), &stats);
    let good = std::fs::read(index.join("facet-ordinals.bin")).expect("facet file");
    flip_four_bytes(&index.join("facet-ordinals.bin"));
    let out = run("fazhi-query", dir.path(), &stats);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), stdout(&sound), "the same answer without it");
    let check = run("fazhi-index", dir.path(), &["--check"]);
    assert_eq!(check.status.code(), Some(2), "{}", stderr(&check));
    assert!(
        stderr(&check).contains("facet-ordinals.bin：checksum mismatch"),
        "{}",
        stderr(&check)
    );
    let out = run("fazhi-index", dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(index.join("facet-ordinals.bin")).expect("rewritten"),
        good
    );
    let check = run("fazhi-index", dir.path(), &["--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
}

#[test]
fn a_sound_index_passes_the_check_and_queries_stay_on_the_cheap_path() {
    let dir = indexed();
    let index = dir.path().join("index");
    let check = run("fazhi-index", dir.path(), &["--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    // The seal names every file meta.json uses.
    let seal: Value = serde_json::from_str(
        &std::fs::read_to_string(index.join("fazhi-seal.json")).expect("the seal"),
    )
    .expect("json");
    let sealed: BTreeSet<String> = seal["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_string())
        .collect();
    let segment_files: BTreeSet<String> = names(&index)
        .into_iter()
        .filter(|n| n.len() > 33 && n.as_bytes()[32] == b'.')
        .collect();
    assert_eq!(sealed, segment_files);
    // A copy changes every file's time: the seal no longer matches, the full check passes.
    let copy = dir.path().join("copy");
    std::fs::create_dir_all(&copy).expect("mkdir");
    for name in names(&index) {
        std::fs::copy(index.join(&name), copy.join(&name)).expect("copy");
    }
    let out = run("fazhi-query", dir.path(), &["法治", "--index", "copy"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A corpus folder's files and their contents.
fn snapshot(folder: &Path) -> Vec<(String, Vec<u8>)> {
    names(folder)
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(folder.join(&n)).unwrap_or_default();
            (n, bytes)
        })
        .collect()
}

#[test]
fn fazhi_index_never_writes_into_or_around_the_corpus_nor_into_a_foreign_folder() {
    let uuid = "0123456789abcdef0123456789abcdef";
    // (what, --index relative to the workspace, files put in it first, what the refusal says)
    let rows: [(&str, &str, &[&str], &str); 6] = [
        (
            "the corpus itself",
            "corpus",
            &[],
            "位于语料文件夹 corpus 之内",
        ),
        (
            "a folder in the corpus",
            "corpus/index",
            &[],
            "位于语料文件夹 corpus 之内",
        ),
        (
            "a folder holding the corpus",
            ".",
            &[],
            "语料文件夹 corpus 位于这个文件夹之内",
        ),
        (
            "a folder of files named like an index's",
            "other",
            &[
                "meta.json",
                ".managed.json",
                "0123456789abcdef0123456789abcdef.idx",
                "x.lock",
            ],
            "不是 fazhi-index 写入的文件",
        ),
        (
            "a folder of notes",
            "other",
            &["notes.txt"],
            "不是 fazhi-index 写入的文件",
        ),
        ("a file", "file.txt", &[], "--index file.txt：不是文件夹"),
    ];
    for (what, index, files, says) in rows {
        for rebuild in [false, true] {
            let dir = TempDir::new().expect("temp dir");
            copy_seeds(&dir.path().join("corpus"));
            std::fs::write(dir.path().join("file.txt"), "a file").expect("write");
            let folder = dir.path().join(index);
            for f in files {
                std::fs::create_dir_all(&folder).expect("mkdir");
                let name = f.replace("0123456789abcdef0123456789abcdef", uuid);
                std::fs::write(folder.join(name), format!("{f}: not fazhi-index's"))
                    .expect("write");
            }
            let corpus_before = snapshot(&dir.path().join("corpus"));
            let folder_before = folder.is_dir().then(|| snapshot(&folder));
            let mut args = vec!["--index", index];
            if rebuild {
                args.push("--rebuild");
            }
            let out = run("fazhi-index", dir.path(), &args);
            no_panic(what, &out);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{what} (rebuild {rebuild}): {}",
                stderr(&out)
            );
            assert!(stderr(&out).contains(says), "{what}: {}", stderr(&out));
            assert_eq!(
                snapshot(&dir.path().join("corpus")),
                corpus_before,
                "{what}: the corpus is untouched"
            );
            if let Some(before) = folder_before.filter(|_| index != ".") {
                assert_eq!(snapshot(&folder), before, "{what}: the folder is untouched");
            }
        }
    }
}

#[test]
fn a_rebuild_deletes_only_what_fazhi_index_wrote_and_names_the_rest() {
    let dir = indexed();
    let index = dir.path().join("index");
    let foreign = ["notes.txt", "meta.json.bak", "report.pdf"];
    for f in foreign {
        std::fs::write(index.join(f), "the user's").expect("write");
    }
    for args in [&["--rebuild"][..], &[]] {
        let out = run("fazhi-index", dir.path(), args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        for f in foreign {
            assert_eq!(
                std::fs::read_to_string(index.join(f)).expect("still there"),
                "the user's"
            );
        }
        if args.is_empty() {
            continue;
        }
        let err = stderr(&out);
        assert!(
            err.contains("未作改动") && foreign.iter().all(|f| err.contains(f)),
            "{err}"
        );
    }
    // An empty folder is fine, and becomes ours.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let out = run("fazhi-index", dir.path(), &["--index", "empty"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(empty.join(MARKER_FILE).is_file());
}

/// Every file in `index` is one a committed index needs: nothing a killed run left.
fn only_committed_files(index: &Path) {
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(index.join("meta.json")).expect("meta"))
            .expect("json");
    let segments: BTreeSet<String> = meta["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|s| s["segment_id"].as_str().expect("id").replace('-', ""))
        .collect();
    for name in names(index) {
        let segment = name.split('.').next().unwrap_or("");
        let fixed = [
            "meta.json",
            ".managed.json",
            ".tantivy-meta.lock",
            ".tantivy-writer.lock",
            "facet-ordinals.bin",
            "fazhi-seal.json",
            MARKER_FILE,
        ];
        assert!(
            fixed.contains(&name.as_str()) || segments.contains(segment),
            "{name} is left over"
        );
    }
}

#[test]
fn orphan_segment_files_are_removed_by_the_next_run() {
    let dir = indexed();
    let index = dir.path().join("index");
    let before = names(&index);
    // One file tantivy registered and no commit uses; one it never registered.
    let registered = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.fast";
    let unregistered = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.idx";
    std::fs::copy(index_file(&index, ".fast"), index.join(registered)).expect("copy");
    std::fs::copy(index_file(&index, ".idx"), index.join(unregistered)).expect("copy");
    let managed = index.join(".managed.json");
    let mut list: Value =
        serde_json::from_str(&std::fs::read_to_string(&managed).expect("managed")).expect("json");
    list.as_array_mut()
        .expect("a list")
        .push(Value::from(registered));
    std::fs::write(&managed, list.to_string()).expect("write");

    let out = run("fazhi-index", dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("已删除 2 个没有任何提交使用的文件"),
        "{}",
        stderr(&out)
    );
    assert_eq!(names(&index), before);
    only_committed_files(&index);
}

/// Starts fazhi-index on `corpus` → `index` and kills it (-9) as soon as it has written a
/// segment file; true if it was still running then.
fn kill_mid_run(cwd: &Path, corpus: &str, index: &str) -> bool {
    let folder = cwd.join(index);
    let before: BTreeSet<String> = if folder.is_dir() {
        names(&folder)
    } else {
        BTreeSet::new()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_fazhi-index"))
        .args([
            "--corpus",
            corpus,
            "--index",
            index,
            "--threads",
            "2",
            "--quiet",
        ])
        .current_dir(cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("fazhi-index starts");
    loop {
        if child.try_wait().expect("wait").is_some() {
            return false;
        }
        let new_segment_file = folder.is_dir()
            && names(&folder)
                .iter()
                .any(|n| !before.contains(n) && n.len() > 33 && n.as_bytes()[32] == b'.');
        if new_segment_file {
            child.kill().expect("kill -9");
            let status = child.wait().expect("wait");
            return status.code().is_none();
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[test]
fn killed_runs_leave_no_files_behind() {
    let dir = TempDir::new().expect("temp dir");
    let corpus = dir.path().join("corpus");
    fazhi_search::synth::generate(&crate::util::corpus_dir(), &corpus, 300, 1)
        .expect("synthetic corpus");
    let killed = (0..2)
        .filter(|_| kill_mid_run(dir.path(), "corpus", "index"))
        .count();
    assert!(
        killed > 0,
        "no run was caught mid-run: the corpus is too small"
    );
    let out = run("fazhi-index", dir.path(), &["--threads", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let fresh = run(
        "fazhi-index",
        dir.path(),
        &["--index", "fresh", "--threads", "2"],
    );
    assert_eq!(fresh.status.code(), Some(0), "{}", stderr(&fresh));
    assert_eq!(
        names(&dir.path().join("index")).len(),
        names(&dir.path().join("fresh")).len(),
        "after {killed} killed runs"
    );
    only_committed_files(&dir.path().join("index"));

    // Runs killed while updating an index: a new file per run, killed once it writes segments.
    for round in 0..2 {
        std::fs::write(
            corpus.join(format!("new{round}.txt")),
            std::fs::read(&crate::util::seed_files()[round]).expect("seed"),
        )
        .expect("write");
        kill_mid_run(dir.path(), "corpus", "index");
    }
    let out = run("fazhi-index", dir.path(), &["--threads", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    only_committed_files(&dir.path().join("index"));
    let check = run("fazhi-index", dir.path(), &["--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
}

#[test]
fn every_number_option_has_a_range_and_a_value_outside_it_exits_2() {
    let dir = indexed();
    let max = "18446744073709551615";
    // (binary, arguments, the option, its range as the message shows it)
    let rows: &[(&str, &[&str], &str, &str)] = &[
        ("fazhi-index", &["--threads", "0"], "--threads", "1..=64"),
        (
            "fazhi-index",
            &["--threads", "100000"],
            "--threads",
            "1..=64",
        ),
        ("fazhi-index", &["--threads", max], "--threads", "1..=64"),
        (
            "fazhi-query",
            &["search", "--limit", "100001", "法治"],
            "--limit",
            "0..=100000",
        ),
        (
            "fazhi-query",
            &["search", "--limit", max, "法治"],
            "--limit",
            "0..=100000",
        ),
        (
            "fazhi-query",
            &["search", "--facets", "1000000000", "法治"],
            "--facets",
            "0..=100000",
        ),
        (
            "fazhi-query",
            &["search", "--facets", max, "法治"],
            "--facets",
            "0..=100000",
        ),
        (
            "fazhi-query",
            &["search", "--context", "10001", "法治"],
            "--context",
            "0..=10000",
        ),
        (
            "fazhi-query",
            &["search", "--context", max, "法治"],
            "--context",
            "0..=10000",
        ),
        (
            "fazhi-query",
            &["kwic", "--width", "1001", "法治"],
            "--width",
            "0..=1000",
        ),
        (
            "fazhi-query",
            &["kwic", "--width", max, "法治"],
            "--width",
            "0..=1000",
        ),
        (
            "fazhi-query",
            &["kwic", "--limit", "100000001", "法治"],
            "--limit",
            "0..=100000000",
        ),
        (
            "fazhi-query",
            &["kwic", "--limit", max, "法治"],
            "--limit",
            "0..=100000000",
        ),
    ];
    for (bin, args, option, range) in rows {
        let out = run(bin, dir.path(), args);
        no_panic(option, &out);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{bin} {args:?}: {err}");
        // Both programs say the range in Chinese by default (0 到 100).
        let range = range.replace("..=", " 到 ");
        assert!(
            err.contains(option) && err.contains(&range),
            "{bin} {args:?}: {err}"
        );
    }
    // The ends of each range are accepted.
    let ends: &[(&str, &[&str])] = &[
        ("fazhi-index", &["--threads", "1"]),
        (
            "fazhi-query",
            &[
                "search",
                "--limit",
                "100000",
                "--facets",
                "100000",
                "--context",
                "10000",
                "法治",
            ],
        ),
        (
            "fazhi-query",
            &[
                "search",
                "--limit",
                "0",
                "--facets",
                "0",
                "--context",
                "0",
                "法治",
            ],
        ),
        (
            "fazhi-query",
            &["kwic", "--width", "1000", "--limit", "100000000", "法治"],
        ),
        (
            "fazhi-query",
            &["kwic", "--width", "0", "--limit", "0", "法治"],
        ),
    ];
    for (bin, args) in ends {
        let out = run(bin, dir.path(), args);
        no_panic(bin, &out);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{bin} {args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_change_that_keeps_size_and_time_is_found_by_the_check_and_a_panic_becomes_a_refusal() {
    let dir = indexed();
    let index = dir.path().join("index");
    let fast = index_file(&index, ".fast");
    let time = std::fs::metadata(&fast)
        .and_then(|m| m.modified())
        .expect("mtime");
    flip_four_bytes(&fast);
    std::fs::File::options()
        .write(true)
        .open(&fast)
        .and_then(|f| f.set_modified(time))
        .expect("restore the time");
    // The cheap check on opening cannot see it; the full one can.
    let check = run("fazhi-index", dir.path(), &["--check"]);
    assert_eq!(check.status.code(), Some(2), "{}", stderr(&check));
    assert!(
        stderr(&check).contains(".fast：checksum mismatch"),
        "{}",
        stderr(&check)
    );
    // A panic while reading the index (what tantivy does on some damage) is caught and the
    // damaged file named.
    let caught = fazhi_search::index::check::guard(&index, || -> fazhi_search::Result<()> {
        panic!("index out of bounds: a damaged posting list")
    });
    match caught {
        Err(fazhi_search::Error::Damaged { file, reason, .. }) => {
            assert!(
                file.ends_with(".fast") && reason.contains("checksum"),
                "{file}: {reason}"
            )
        }
        other => panic!("a panic must become a refusal, got {other:?}"),
    }
}

#[test]
fn a_rebuild_of_an_index_another_run_is_writing_says_busy_and_deletes_nothing() {
    let dir = indexed();
    let index = dir.path().join("index");
    let handle = fazhi_search::index::IndexHandle::open(&index).expect("open");
    let writer: tantivy::IndexWriter = handle.index.writer(15_000_000).expect("a writer");
    let before = snapshot(&index);
    let out = run("fazhi-index", dir.path(), &["--rebuild"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("正被另一个 fazhi-index 进程写入"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&index), before, "nothing was deleted");
    drop(writer);
    let out = run("fazhi-index", dir.path(), &["--rebuild"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Damage tantivy reports as an error, not a panic (a store block that no longer decompresses),
/// also past the cheap check (size and time kept): the same refusal, pointing to --rebuild.
#[test]
fn a_store_that_no_longer_decompresses_is_a_refusal_that_says_rebuild() {
    let dir = indexed();
    let index = dir.path().join("index");
    let store = index_file(&index, ".store");
    let time = std::fs::metadata(&store)
        .and_then(|m| m.modified())
        .expect("mtime");
    let mut bytes = std::fs::read(&store).expect("read");
    // The first block's compressed bytes: a passage read from it fails to decompress.
    for b in &mut bytes[8..40] {
        *b ^= 0xA5;
    }
    std::fs::write(&store, bytes).expect("write");
    std::fs::File::options()
        .write(true)
        .open(&store)
        .and_then(|f| f.set_modified(time))
        .expect("restore the time");
    let out = run(
        "fazhi-query",
        dir.path(),
        &["--format", "json", "--all", "法治"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "refused, not answered: {err}");
    assert!(
        err.contains("已损坏") && err.contains("--rebuild"),
        "names the damage and the way out: {err}"
    );
}

/// The queries whose answers must not change, or be refused, after damage.
const QUERIES: [&[&str]; 5] = [
    &["法律顾问"],
    &["--format", "json", "--all", "法治"],
    &["--format", "json", "--type", "shortcomings"],
    &["stats", "法律顾问", "--by", "year", "--format", "csv"],
    &["kwic", "依法", "--format", "jsonl"],
];

/// Bytes flipped inside a segment file, its size and modification time put back (what a hostile
/// tester, or a tool that restores times, leaves): every query either answers exactly as before
/// (the bytes were not read) or is refused as damaged, never with the engine's panic text; the
/// seal holds each file's status-change time, which no program puts back, so the damage is
/// found before any query reads the file.
#[test]
fn bytes_flipped_keeping_size_and_time_never_give_another_answer_nor_a_panic() {
    flipped_keeping_size_and_time(false);
}

/// Damage below the file system (the disk itself) keeps even the status-change time; the seal
/// is made to vouch for the damaged file, as it would then (a new seal, so no record of this
/// boot vouches for it: the first query after the machine starts). The engine's panic text never
/// reaches the user; the fast-field and field-norm files (verified on the first open in each
/// boot, `check.rs`) are refused;
/// elsewhere tantivy usually fails on such bytes, which is a refusal, but a changed posting can
/// also be read as another one, so an answer from them is not compared (`--check` finds it).
#[cfg(unix)]
#[test]
fn damage_the_seal_cannot_see_is_refused_by_the_guard_without_panic_text() {
    flipped_keeping_size_and_time(true);
}

/// Writes into the seal the status-change time `file` has now, as if it were the sealed one.
fn reseal_ctime(index: &Path, file: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(file).expect("meta");
        let ctime_ns = meta.ctime() as u64 * 1_000_000_000 + meta.ctime_nsec() as u64;
        let path = index.join("fazhi-seal.json");
        let mut seal: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("seal")).expect("json");
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        for entry in seal["files"].as_array_mut().expect("files") {
            if entry["name"] == name.as_str() {
                entry["ctime_ns"] = Value::from(ctime_ns);
            }
        }
        std::fs::write(&path, seal.to_string()).expect("write seal");
    }
}

fn flipped_keeping_size_and_time(below_the_file_system: bool) {
    let sound = indexed();
    let answers: Vec<String> = QUERIES
        .iter()
        .map(|args| {
            let out = run("fazhi-query", sound.path(), args);
            assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
            stdout(&out)
        })
        .collect();
    for ext in [".idx", ".pos", ".term", ".store", ".fast", ".fieldnorm"] {
        let dir = indexed();
        let index = dir.path().join("index");
        let file = index_file(&index, ext);
        let time = std::fs::metadata(&file)
            .and_then(|m| m.modified())
            .expect("mtime");
        let mut bytes = std::fs::read(&file).expect("read");
        let len = bytes.len();
        // Four bytes at each of eight places: on an index sealed with size and time alone,
        // a query read some of them and printed tantivy's panic text for .idx and .fast.
        for at in (1..=8).map(|k| len * k / 9) {
            for b in &mut bytes[at..(at + 4).min(len)] {
                *b ^= 0xA5;
            }
        }
        std::fs::write(&file, &bytes).expect("write");
        std::fs::File::options()
            .write(true)
            .open(&file)
            .and_then(|f| f.set_modified(time))
            .expect("restore the time");
        assert_eq!(std::fs::metadata(&file).expect("meta").len() as usize, len);
        if below_the_file_system {
            reseal_ctime(&index, &file);
        }
        for (args, before) in QUERIES.iter().zip(&answers) {
            let out = run("fazhi-query", dir.path(), args);
            let err = stderr(&out);
            assert!(
                !err.contains("panicked"),
                "{ext} {args:?}: no panic text: {err}"
            );
            let verified_on_open = ext == ".fast" || ext == ".fieldnorm";
            match out.status.code() {
                Some(0) | Some(1) if below_the_file_system && !verified_on_open => {}
                Some(0) | Some(1) => assert_eq!(
                    &stdout(&out),
                    before,
                    "{ext} {args:?}: an answer from the damaged index is the sound one"
                ),
                Some(2) => assert!(
                    err.contains("已损坏") && err.contains("--rebuild"),
                    "{ext} {args:?}: refused as damaged: {err}"
                ),
                other => panic!("{ext} {args:?}: exit {other:?}: {err}"),
            }
        }
    }
}
