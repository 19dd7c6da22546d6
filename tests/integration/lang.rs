//! One language at a time (issue 20): what a person reads is Chinese by default and English with
//! `--lang en` (or `FAZHI_LANG=en`, or `?lang=en` on the server); JSON keys and values are the
//! same ASCII in both, and `--type` takes a section type by its Chinese name or a part of it.
//! Also the text output on a terminal: passages wrapped under their hit, facet entries whole.

use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

use crate::serve::{Server, target, test_index};
use crate::util::{copy_seeds, run, stderr, stdout};

/// A folder laid out like a checkout, with the seeds indexed in `index/`.
fn indexed_workspace() -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    copy_seeds(&dir.path().join("corpus"));
    let out = run("fazhi-index", dir.path(), &["-q"]);
    assert_eq!(out.status.code(), Some(0), "fazhi-index: {}", stderr(&out));
    dir
}

/// fazhi-query in `dir` with `args` and FAZHI_LANG set to `env` (unset for None).
fn query(dir: &std::path::Path, args: &[&str], env: Option<&str>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fazhi-query"));
    command.args(args).current_dir(dir).env_remove("FAZHI_LANG");
    if let Some(lang) = env {
        command.env("FAZHI_LANG", lang);
    }
    let out = command.output().expect("the binary runs");
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?} {env:?}: {said}"
    );
    said
}

/// A command line, FAZHI_LANG, what it says, what it must not say.
type Row<'a> = (&'a [&'a str], Option<&'a str>, &'a [&'a str], &'a [&'a str]);

#[test]
fn chinese_by_default_english_on_request() {
    let workspace = indexed_workspace();
    let dir = workspace.path();
    let search = ["法律顾问", "--color", "never", "--limit", "2"];
    let en: Vec<&str> = ["--lang", "en"].iter().chain(&search).copied().collect();
    let rows: [Row; 11] = [
        // A facet no match has a value of (no issuer given) has no line, not an empty one.
        (
            &["法律顾问", "--town", "保安镇", "--limit", "0"],
            None,
            &["1 份报告中有 4 个章节", "  乡镇街道：     保安镇 (4)"],
            &["发布机构"],
        ),
        (
            &[
                "法律顾问",
                "--town",
                "保安镇",
                "--limit",
                "0",
                "--lang",
                "en",
            ],
            None,
            &["4 sections in 1 report match", "  town:"],
            &["issuer"],
        ),
        (
            &search,
            None,
            &[
                "5 份报告中有 16 个章节匹配“法律顾问”",
                "（显示前 2 个；--limit N 或 --all 显示更多）",
                "  年份：",
                "  章节类型：",
                "  发布主体：     乡镇 (",
                "  发布机构：     ",
                "主要举措和成效",
            ],
            &["sections in", "section type:", "measures"],
        ),
        (
            &en,
            None,
            &[
                "16 sections in 5 reports match 法律顾问",
                " (showing 2; --limit N or --all for more)",
                "  year:",
                "  section type:  measures (",
                "  issued by:     town (",
                "  issuer:        ",
            ],
            &["份报告", "章节类型", "主要举措和成效"],
        ),
        (
            &search,
            Some("en"),
            &["16 sections in 5 reports"],
            &["份报告"],
        ),
        (
            &search,
            Some("zh"),
            &["5 份报告中有 16 个章节"],
            &["sections in"],
        ),
        // The flag wins over the environment.
        (&en, Some("zh"), &["16 sections in 5 reports"], &["份报告"]),
        (
            &["stats", "法律顾问", "--by", "year,section_type"],
            None,
            &[
                "年份  章节类型",
                "提及报告数  报告数 n",
                "占比  匹配章节数",
                "主要举措和成效",
            ],
            &["matching_reports"],
        ),
        (
            &[
                "stats",
                "法律顾问",
                "--by",
                "year,section_type",
                "--lang",
                "en",
            ],
            None,
            &[
                "year  section_type",
                "matching_reports",
                "share  matching_sections",
                "measures",
            ],
            &["提及报告数"],
        ),
        (
            &["kwic", "法律顾问", "--format", "csv", "--limit", "1"],
            None,
            &["左文,匹配,右文,乡镇街道,区县"],
            &["left,match"],
        ),
        (
            &[
                "kwic",
                "法律顾问",
                "--format",
                "csv",
                "--limit",
                "1",
                "--lang",
                "en",
            ],
            None,
            &["left,match,right,town,county"],
            &["左文"],
        ),
    ];
    for (args, env, says, never) in rows {
        let said = query(dir, args, env);
        for fragment in says {
            assert!(
                said.contains(fragment),
                "{args:?} {env:?} should say {fragment:?}:\n{said}"
            );
        }
        for fragment in never {
            assert!(
                !said.contains(fragment),
                "{args:?} {env:?} says {fragment:?}:\n{said}"
            );
        }
    }
    let bad = run("fazhi-query", dir, &["--lang", "fr", "法律顾问"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("--lang <zh|en> 的值“fr”无效：未知的语言“fr”；可选：zh、en"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn json_is_the_same_ascii_in_both_languages() {
    let workspace = indexed_workspace();
    let dir = workspace.path();
    for args in [
        &["法律顾问", "--format", "json"][..],
        &["法律顾问", "--format", "jsonl", "--all"],
        &[
            "stats",
            "法律顾问",
            "--by",
            "section_type,level",
            "--format",
            "json",
        ],
        &["kwic", "法律顾问", "--format", "jsonl"],
    ] {
        let zh = query(dir, args, None);
        let en = query(dir, args, Some("en"));
        assert_eq!(zh, en, "{args:?}");
        assert!(zh.contains("\"measures\""), "{args:?}: {zh}");
        assert!(zh.contains("\"town\""), "{args:?}: {zh}");
    }
}

#[test]
fn a_section_type_by_its_chinese_name_or_a_part_of_it() {
    let workspace = indexed_workspace();
    let dir = workspace.path();
    let total = |args: &[&str]| -> u64 {
        let json: Value = serde_json::from_str(&query(dir, args, None)).expect("json");
        let hits = json["hits"].as_array().expect("hits");
        assert!(
            hits.iter().all(|h| h["section_type"] == "shortcomings"),
            "{args:?}: the key stays ASCII"
        );
        json["total_sections"].as_u64().expect("total")
    };
    let by_key = total(&["法治", "--type", "shortcomings", "--format", "json"]);
    assert!(by_key > 0);
    for name in ["存在的不足", "不足", "问题", "short", "Shortcomings"] {
        let by_name = total(&["法治", "--type", name, "--format", "json"]);
        assert_eq!(by_name, by_key, "--type {name}");
    }
    // An unknown or ambiguous one lists the choices, in the language asked for.
    let rows: [(&[&str], &str); 3] = [
        (
            &["法治", "--type", "火星"],
            "未知的章节类型“火星”；可选：总体情况（overview）、主要举措和成效（measures）",
        ),
        (
            &["法治", "--type", "mars", "--lang", "en"],
            "unknown section type \"mars\"; valid types: overview, measures, shortcomings",
        ),
        (
            &["法治", "--type", "o"],
            "章节类型“o”不明确，可指：总体情况（overview）、其他（other）",
        ),
    ];
    for (args, message) in rows {
        let out = run("fazhi-query", dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn the_server_speaks_the_language_asked_for() {
    let server = Server::start(test_index());
    // The pages' shared script carries the shared labels in both languages.
    let script = server.get("/common.js").text();
    for label in [
        "\"shortcomings\":\"存在的不足\"",
        "\"shortcomings\":\"Shortcomings\"",
    ] {
        assert!(script.contains(label), "common.js lacks {label}");
    }
    // Exports: Chinese column names by default, the JSON keys in English.
    let rows = [
        (None, "乡镇街道,区县,地市,省份,发布主体,年份,章节类型"),
        (
            Some("en"),
            "town,county,city,province,level,year,section_type",
        ),
        (Some("zh"), "乡镇街道,区县"),
    ];
    for (lang, header) in rows {
        let mut params = vec![("q", "法律顾问"), ("format", "csv")];
        params.extend(lang.map(|l| ("lang", l)));
        let reply = server.get(&target("/api/export", &params));
        assert_eq!(reply.status, 200, "{lang:?}: {}", reply.text());
        let text = reply.text();
        let first = text
            .trim_start_matches('\u{FEFF}')
            .lines()
            .next()
            .unwrap_or_default();
        assert!(first.starts_with(header), "{lang:?}: {first}");
    }
    // ?type= by Chinese name; the JSON keeps the key.
    let reply = server.get(&target("/api/search", &[("q", "法治"), ("type", "不足")]));
    assert_eq!(reply.status, 200, "{}", reply.text());
    let hits = reply.json()["hits"].as_array().cloned().unwrap_or_default();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["section_type"] == "shortcomings"));
    // Errors in the page's language.
    for (lang, message) in [
        ("zh", "未知的章节类型“intro”"),
        ("en", "unknown section type \"intro\""),
    ] {
        let reply = server.get(&target(
            "/api/search",
            &[("q", "法治"), ("type", "intro"), ("lang", lang)],
        ));
        assert_eq!(reply.status, 400);
        let error = reply.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(error.contains(message), "{lang}: {error}");
    }
}

#[test]
fn text_on_a_terminal_wraps_under_the_hit_and_between_facet_entries() {
    // A terminal 40 columns wide: `script` gives the command a pseudo-terminal, `stty` its size.
    if !std::path::Path::new("/usr/bin/script").exists() {
        eprintln!("text_on_a_terminal_wraps…: skipped (no /usr/bin/script to make a terminal)");
        return;
    }
    let workspace = indexed_workspace();
    let command = format!(
        "stty rows 24 cols 40; {} 法律顾问 --limit 1 --color never",
        env!("CARGO_BIN_EXE_fazhi-query")
    );
    let out = Command::new("/usr/bin/script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(workspace.path())
        .env_remove("FAZHI_LANG")
        .output()
        .expect("script runs");
    let text = stdout(&out).replace('\r', "");
    let width = |line: &str| unicode_width::UnicodeWidthStr::width(line);
    let lines: Vec<&str> = text.lines().collect();
    // The passage: the lines after the hit's two header lines, up to the blank line.
    let passage: Vec<&str> = lines
        .iter()
        .skip(2)
        .take_while(|l| !l.is_empty())
        .copied()
        .collect();
    assert!(passage.len() > 2, "the passage wraps:\n{text}");
    for line in &passage {
        assert!(
            line.starts_with("   ") && !line[3..].starts_with(' '),
            "indented under the hit: {line:?}"
        );
        assert!(width(line) <= 40, "{} columns: {line:?}", width(line));
    }
    // Facet lines: a continuation starts under the first value; every entry is whole.
    let facets: Vec<&str> = lines
        .iter()
        .skip_while(|l| !l.contains("匹配“法律顾问”"))
        .skip(1)
        .copied()
        .collect();
    assert!(facets.len() > 5, "the facet lines wrap:\n{text}");
    for line in &facets {
        let values = if line.starts_with("  ") && !line.starts_with("   ") {
            // `  省份：         河南省 (4)`: the values after the label's 17 columns.
            let label_end = line
                .char_indices()
                .find(|(_, c)| *c == '：')
                .expect("a label")
                .0;
            line[label_end + '：'.len_utf8()..].trim_start()
        } else {
            assert_eq!(
                width(line) - width(line.trim_start()),
                17,
                "under the first value: {line:?}"
            );
            line.trim_start()
        };
        for entry in values.split(" · ") {
            let whole = entry.ends_with(')') && entry.contains(" (");
            assert!(
                whole,
                "an entry split across lines: {entry:?} in {line:?}\n{text}"
            );
        }
    }
}

/// fazhi-query's or fazhi-index's exit code and standard error, in `dir`.
fn refusal(bin: &str, dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = run(bin, dir, args);
    (out.status.code(), stderr(&out))
}

#[test]
fn library_errors_in_the_language_asked_for() {
    let workspace = indexed_workspace();
    let dir = workspace.path();
    // (command line, what it says in Chinese, what it says with --lang en)
    let rows: [(&[&str], &str, &str); 8] = [
        (
            &["\"法律顾问"],
            "fazhi-query: 错误：检索式有误：引号没有闭合（第 1 个字符处）",
            "fazhi-query: error: malformed query: this quote is never closed (at character 1)",
        ),
        (
            &["法律顾问", "--province", "火星"],
            "--province “火星” 在索引中没有匹配的报告；索引中有：",
            "--province \"火星\" matches no report in the index; the index has ",
        ),
        (
            &["法律顾问", "--year", "abc"],
            "--year “abc”：请写年份（2023）或年份范围（2020..2023）",
            "--year \"abc\": write a year (2023) or a range (2020..2023)",
        ),
        (
            &["法律顾问", "--index", "nowhere"],
            "nowhere 处没有索引：请用 `fazhi-index --corpus DIR --index nowhere` 建立",
            "no index at nowhere: build it with `fazhi-index --corpus DIR --index nowhere`",
        ),
        // An empty filter value is refused, naming the option.
        (
            &["法律顾问", "--province", ""],
            "--province \"\"：值为空；请写出一个值，或去掉 --province",
            "--province \"\": the value is empty; write a value or leave --province out",
        ),
        (
            &["法律顾问", "--region", " "],
            "--region \"\"：值为空",
            "--region \"\": the value is empty",
        ),
        (
            &["stats", "法律顾问", "--by", "decade"],
            "不能按“decade”分组；可选：",
            "cannot group by \"decade\"; choose from ",
        ),
        (
            &["sats", "法律顾问"],
            "未知的命令“sats”；是否想用 stats？",
            "unknown command \"sats\"; did you mean stats?",
        ),
    ];
    for (args, zh, en) in rows {
        let (code, said) = refusal("fazhi-query", dir, args);
        assert_eq!(code, Some(2), "{args:?}: {said}");
        assert!(said.contains(zh), "{args:?} in Chinese: {said}");
        assert!(
            !said.contains(en),
            "{args:?} in Chinese says the English: {said}"
        );
        let english: Vec<&str> = args.iter().copied().chain(["--lang", "en"]).collect();
        let (code, said) = refusal("fazhi-query", dir, &english);
        assert_eq!(code, Some(2), "{english:?}: {said}");
        assert!(said.contains(en), "{english:?}: {said}");
    }
    // A level the index lacks lists the levels a reader can type, in the reader's language.
    let (code, said) = refusal("fazhi-query", dir, &["法律顾问", "--level", "部"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("--level “部门（department）” 在索引中没有匹配的报告；索引中有：")
            && said.contains("乡镇（town）"),
        "{said}"
    );
    let (_, said) = refusal(
        "fazhi-query",
        dir,
        &["法律顾问", "--level", "部", "--lang", "en"],
    );
    assert!(
        said.contains("--level \"department\" matches no report in the index; the index has ")
            && said.contains("town"),
        "{said}"
    );
}

#[test]
fn fazhi_index_speaks_the_language_asked_for() {
    let dir = TempDir::new().expect("temp dir");
    copy_seeds(&dir.path().join("corpus"));
    let out = run("fazhi-index", dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("已更新索引 index：新增 "), "{said}");
    assert!(
        said.contains("索引中有 ") && said.contains(" 份报告、"),
        "{said}"
    );
    assert!(
        !said.contains("Indexed") && !said.contains("reports"),
        "{said}"
    );
    let out = run("fazhi-index", dir.path(), &["--lang", "en"]);
    let said = stdout(&out);
    assert!(
        said.contains("The index at index is up to date (") && said.contains("The index holds "),
        "{said}"
    );
    let mut env = Command::new(env!("CARGO_BIN_EXE_fazhi-index"));
    let out = env
        .current_dir(dir.path())
        .env("FAZHI_LANG", "en")
        .arg("--check")
        .output()
        .expect("runs");
    assert!(
        stdout(&out).contains("The index at index is sound: "),
        "{}",
        stdout(&out)
    );
    let (code, said) = refusal("fazhi-index", dir.path(), &["--check"]);
    assert_eq!(code, Some(0), "{said}");
    // Its errors too.
    let rows: [(&[&str], &str, &str); 2] = [
        (
            &["--corpus", "missing"],
            "fazhi-index: 错误：missing：没有这个文件夹；请用 --corpus DIR 指定存放报告的文件夹",
            "fazhi-index: error: missing: no such folder; give the folder of reports with --corpus DIR",
        ),
        (
            &["--corpus", "corpus", "--index", "corpus/index"],
            "索引会位于语料文件夹 corpus 之内",
            "the index would be inside the corpus corpus",
        ),
    ];
    for (args, zh, en) in rows {
        let (code, said) = refusal("fazhi-index", dir.path(), args);
        assert_eq!(code, Some(2), "{args:?}: {said}");
        assert!(said.contains(zh), "{args:?}: {said}");
        let english: Vec<&str> = args.iter().copied().chain(["--lang", "en"]).collect();
        let (_, said) = refusal("fazhi-index", dir.path(), &english);
        assert!(said.contains(en), "{english:?}: {said}");
    }
}

#[test]
fn the_total_row_is_a_label_in_text_and_all_in_json() {
    let workspace = indexed_workspace();
    let dir = workspace.path();
    let zh = query(dir, &["stats", "法律顾问", "--by", "year"], None);
    let total = zh
        .lines()
        .find(|l| l.starts_with("全部"))
        .unwrap_or_default();
    assert!(!total.is_empty(), "{zh}");
    let en = query(
        dir,
        &["stats", "法律顾问", "--by", "year", "--lang", "en"],
        None,
    );
    assert!(
        en.lines().any(|l| l.trim_start().starts_with("All ")),
        "{en}"
    );
    assert!(!en.contains("全部"), "{en}");
    let json: Value = serde_json::from_str(&query(
        dir,
        &[
            "stats",
            "法律顾问",
            "--by",
            "year,issuer",
            "--format",
            "json",
        ],
        None,
    ))
    .expect("json");
    assert_eq!(
        json["totals"][0]["group"],
        serde_json::json!(["all", "all"])
    );
    // A report without an issuer is null, as in a hit.
    let rows = json["rows"].as_array().expect("rows");
    assert!(
        rows.iter()
            .all(|r| r["group"][1] != "" && r["group"][0] != ""),
        "no empty strings: {json}"
    );
}

#[test]
fn the_server_answers_in_its_own_language_unless_asked() {
    let server = Server::start_with(test_index(), &["--lang", "en"], &[], None);
    let error = |params: &[(&str, &str)]| {
        let reply = server.get(&target("/api/search", params));
        assert_eq!(reply.status, 400, "{}", reply.text());
        reply.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let said = error(&[("q", "法治"), ("type", "intro")]);
    assert!(said.contains("unknown section type \"intro\""), "{said}");
    let said = error(&[("q", "法治"), ("type", "intro"), ("lang", "zh")]);
    assert!(said.contains("未知的章节类型“intro”"), "{said}");
    // The page starts in the server's language.
    let page = server.get("/").text();
    assert!(page.contains("<html lang=\"en\">"), "{}", &page[..100]);
    let page = server.get("/?lang=zh").text();
    assert!(page.contains("<html lang=\"zh-CN\">"), "{}", &page[..100]);
    // The report page too (a shared /report link opens in the server's language).
    let page = server.get("/report?file=a.txt").text();
    assert!(page.contains("<html lang=\"en\">"), "{}", &page[..100]);
    let page = server.get("/report?file=a.txt&lang=zh").text();
    assert!(page.contains("<html lang=\"zh-CN\">"), "{}", &page[..100]);
    // An unknown path in it too.
    let reply = server.get("/nowhere");
    assert_eq!(reply.status, 404);
    assert!(
        reply.text().contains("nothing at /nowhere"),
        "{}",
        reply.text()
    );
    drop(server);
    // The default server answers in Chinese.
    let server = Server::start(test_index());
    let reply = server.get("/nowhere");
    assert!(
        reply.text().contains("/nowhere 处什么也没有"),
        "{}",
        reply.text()
    );
    let page = server.get("/").text();
    assert!(page.contains("<html lang=\"zh-CN\">"), "{}", &page[..100]);
}

/// Why a corpus file is skipped, in the reader's language: a reason made in the parse worker
/// process (a broken PDF, a .docx that is no zip) crosses its pipe and the index writer in both
/// languages, as do the reasons of the run's own process.
#[test]
fn skipped_files_are_named_with_their_reason_in_the_readers_language() {
    let dir = crate::util::temp_corpus(&[
        ("corpus/old.doc", b"\xd0\xcf\x11\xe0 binary"),
        ("corpus/photo.jpg", b"\xff\xd8\xff"),
        ("corpus/blank.txt", b"  \n"),
        ("corpus/broken.pdf", b"%PDF-1.4 junk"),
        ("corpus/broken.docx", b"not a zip"),
        (
            "corpus/good.txt",
            "某镇2023年法治政府建设年度报告\n一、工作开展情况\n照常索引的报告。\n".as_bytes(),
        ),
    ]);
    // (fazhi-index's options, the warnings say, they never say)
    let rows: [(&[&str], &[&str], &[&str]); 2] = [
        (
            &["--rebuild"],
            &[
                "警告：已跳过 old.doc：无法读取 .doc：这是旧的二进制 Word 文档；请用 Word 或 WPS 打开并另存为 .docx",
                "警告：已跳过 photo.jpg：不支持的格式 .jpg；只读取 .txt、.text、",
                "警告：已跳过 blank.txt：没有文字：文件为空或只有空白",
                "警告：已跳过 broken.pdf：不是可读的 PDF（",
                "警告：已跳过 broken.docx：不是有效的 .docx（",
                "；如果它是改了扩展名的旧 .doc，请用 Word 或 WPS 打开并另存为 .docx",
            ],
            &[
                "cannot be read",
                "unsupported",
                "no text",
                "not a readable PDF",
                "not a valid .docx",
            ],
        ),
        (
            &["--rebuild", "--lang", "en"],
            &[
                "warning: skipped old.doc: .doc cannot be read: an old binary Word document",
                "warning: skipped photo.jpg: unsupported format .jpg; reports are read from .txt, .text, ",
                "warning: skipped blank.txt: no text: the file is empty",
                "warning: skipped broken.pdf: not a readable PDF (",
                "warning: skipped broken.docx: not a valid .docx (",
                "); if it is an old .doc renamed, open it in Word or WPS and save as .docx",
            ],
            &["已跳过", "无法读取"],
        ),
    ];
    for (args, says, never) in rows {
        let out = run("fazhi-index", dir.path(), args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        for fragment in says {
            assert!(
                err.contains(fragment),
                "{args:?} should say {fragment:?}:\n{err}"
            );
        }
        for fragment in never {
            assert!(
                !err.contains(fragment),
                "{args:?} says {fragment:?}:\n{err}"
            );
        }
    }
}

/// A command's refusals of its own options in the reader's language; an output file's
/// extension is refused with the formats that command writes, never one it then refuses.
#[test]
fn refusals_of_a_commands_options_in_both_languages() {
    let workspace = indexed_workspace();
    let dir = workspace.path();
    std::fs::write(dir.join("codebook.tsv"), "name\tquery\n顾问\t法律顾问\n").expect("codebook");
    let show = "script.txt";
    // (arguments, the Chinese error says, the English one says, neither says)
    let rows: [(&[&str], &str, &str, &str); 12] = [
        // copies writes text and json, as its --help says, and refuses the other formats.
        (
            &["copies", show, "--format", "csv"],
            "--format csv：copies 只能写 text、json",
            "--format csv: copies writes text, json",
            "",
        ),
        // Our words, which say what to do instead, not clap's bare conflict.
        (
            &["stats", "--copied", "--chart", "a.svg"],
            "fazhi-query: 错误：--copied 统计的副本比例不能画成图表（--chart）：请去掉 --chart 看表格，或用 -o 文件.csv 写出表格后自行作图",
            "fazhi-query: error: --copied shares cannot be drawn as a chart (--chart): leave --chart out to see the table, or write it with -o FILE.csv and draw your own",
            "<",
        ),
        (
            &[
                "stats",
                "法律顾问",
                "--chart",
                "a.png",
                "--copied",
                "--by",
                "province",
            ],
            "请去掉 --chart 看表格",
            "leave --chart out to see the table",
            "<",
        ),
        (
            &["kwic", "法律顾问", "--sort", "sideways"],
            "不能按“sideways”排序；可选：town、year、right、left",
            "cannot sort by \"sideways\"; choose one of town, year, right, left",
            "",
        ),
        (
            &["panel", "codebook.tsv", "--by", "type"],
            "--by section_type：面板的单位是报告的地区、年份或发布机构",
            "--by section_type: a panel's units are reports' places",
            "",
        ),
        (
            &["panel", "codebook.tsv", "--by", "county,town"],
            "--by：town 位于它的 county 之内",
            "--by: a town is within its county",
            "",
        ),
        (
            &["show", show, "--format", "xlsx"],
            "--format xlsx：show 只能写 text、md、json",
            "--format xlsx: show writes text, md, json",
            "",
        ),
        (
            &["show", show, "-o", "a.xlsx"],
            "a.xlsx：show 不能写 .xlsx 文件；请把文件名写成 .txt、.md、.json",
            "a.xlsx: show has no writer for .xlsx files; name the file .txt, .md, .json",
            ".csv",
        ),
        (
            &["show", show, "--chrome", "--format", "json"],
            "--chrome 以 text 或 md 显示读取的原文，不能用 json",
            "--chrome shows the text as read in text or md, not json",
            "",
        ),
        (
            &["法律顾问", "-o", "a.docx"],
            "a.docx：search 不能写 .docx 文件；请把文件名写成 .txt、.json、.jsonl、.csv、.md、.xlsx",
            "a.docx: search has no writer for .docx files; name the file .txt, .json, .jsonl",
            "",
        ),
        (
            &["kwic", "法律顾问", "-o", "a.pdf"],
            "a.pdf：kwic 不能写 .pdf 文件",
            "a.pdf: kwic has no writer for .pdf files",
            "",
        ),
        (
            &["stats", "法律顾问", "--format", "xml"],
            "--format xml：stats 只能写 text、json、jsonl、csv、md、xlsx",
            "--format xml: stats writes text, json, jsonl, csv, md, xlsx",
            "",
        ),
    ];
    for (args, zh, en, never) in rows {
        let english: Vec<&str> = args.iter().copied().chain(["--lang", "en"]).collect();
        for (args, says) in [(args, zh), (&english[..], en)] {
            let out = run("fazhi-query", dir, args);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.contains(says), "{args:?} should say {says:?}:\n{err}");
            assert!(never.is_empty() || !err.contains(never), "{args:?}: {err}");
        }
    }
    // Refused before any work: no chart is drawn.
    for chart in ["a.svg", "a.png"] {
        assert!(!dir.join(chart).exists(), "{chart} was written");
    }
}

/// A panel says why it is empty or refused, in the reader's language: no report passes the
/// filters is not "no concept appears"; a year span a panel cannot list row by row is refused,
/// not replaced by the years the data has.
#[test]
fn a_panel_says_why_it_is_empty_or_refused() {
    let workspace = indexed_workspace();
    let dir = workspace.path();
    std::fs::write(dir.join("codebook.tsv"), "name\tquery\n顾问\t法律顾问\n").expect("codebook");
    std::fs::write(
        dir.join("nothing.tsv"),
        "name\tquery\n无\t不存在的词语组合\n",
    )
    .expect("codebook");
    // (arguments, exit code, Chinese says, English says, neither says)
    let rows: [(&[&str], i32, &str, &str, &str); 3] = [
        (
            &[
                "panel",
                "codebook.tsv",
                "--province",
                "河南",
                "--year",
                "2024",
            ],
            1,
            "没有报告符合筛选条件（河南，2024）：面板是空的",
            "no report passes the filters (河南, 2024): the panel is empty",
            "occurs",
        ),
        (
            &["panel", "nothing.tsv"],
            1,
            "代码本中的概念在 5 份报告中均未出现",
            "no concept of the codebook occurs in the 5 reports",
            "passes the filters",
        ),
        (
            &["panel", "codebook.tsv", "--by", "year", "--year", "1..3000"],
            2,
            "--year 1..3000：面板按年份分组时每年一行，这个范围跨度超过 1000 年",
            "--year 1..3000: a panel by year has a row a year, and this range spans more than 1000",
            "\n2023",
        ),
    ];
    for (args, code, zh, en, never) in rows {
        let english: Vec<&str> = args.iter().copied().chain(["--lang", "en"]).collect();
        for (args, says) in [(args, zh), (&english[..], en)] {
            let out = run("fazhi-query", dir, args);
            let said = format!("{}{}", stdout(&out), stderr(&out));
            assert_eq!(out.status.code(), Some(code), "{args:?}: {said}");
            assert!(said.contains(says), "{args:?} should say {says:?}:\n{said}");
            assert!(!said.contains(never), "{args:?} says {never:?}:\n{said}");
        }
    }
    // The CSV's byte-order mark is for a spreadsheet: in a file or a pipe, not on a terminal.
    let piped = run("fazhi-query", dir, &["panel", "codebook.tsv"]);
    assert!(stdout(&piped).starts_with('\u{feff}'), "{}", stdout(&piped));
    if std::path::Path::new("/usr/bin/script").exists() {
        let command = format!("{} panel codebook.tsv", env!("CARGO_BIN_EXE_fazhi-query"));
        let out = Command::new("/usr/bin/script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(dir)
            .env_remove("FAZHI_LANG")
            .output()
            .expect("script runs");
        let text = stdout(&out);
        assert!(text.contains("file,") || text.contains("文件,"), "{text}");
        assert!(
            !text.contains('\u{feff}'),
            "no byte-order mark on a terminal: {text:?}"
        );
    } else {
        eprintln!("a_panel_says_why…: the terminal part skipped (no /usr/bin/script)");
    }
}
