//! From a report's text to a [`Report`]: cleaning, metadata (title, place, year covered, issuing
//! body, publication date) and sections. This is the pipeline's per-file stage; it does no I/O.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::classify::TypeRules;
use crate::clean::{AsRead, CleanText, Line, clean};
use crate::date::{iso_date, last_date};
use crate::heading::parse_heading;
use crate::ingest::Hints;
use crate::region::{Gazetteer, Level, LevelRules, Region};
use crate::sections::{self, Section};

/// What identifies a report and places it: shared by reports, search hits and exported
/// records. Unknown values are `None`, never guessed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportMeta {
    /// Path relative to the corpus root, with `/` separators.
    pub file: String,
    pub title: Option<String>,
    pub town: Option<String>,
    pub county: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    /// What kind of body issued the report: town, county, department or other.
    pub level: Level,
    /// The year the report covers (2023 for 关于2023年度…的报告, whenever it was published).
    pub year: Option<u64>,
    pub issuer: Option<String>,
    /// Publication date as YYYY-MM-DD.
    pub published: Option<String>,
}

/// A report with its metadata and sections.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub meta: ReportMeta,
    pub sections: Vec<Section>,
    /// The share of the decoded text's characters that cleaning dropped as site chrome
    /// ([`CleanText::chrome_share`]): a file that loses much is worth a look with `--explain`.
    #[serde(skip)]
    pub chrome_share: f64,
    /// The text as read with what cleaning dropped from it; None when nothing was dropped.
    #[serde(skip)]
    pub as_read: Option<AsRead>,
}

/// How many lines from the top the title may start at, or end at.
const TITLE_WINDOW: usize = 4;
/// A line longer than this is prose, not a title.
const MAX_TITLE_CHARS: usize = 60;
/// Title lines end like this.
const TITLE_WORDS: [&str; 5] = ["报告", "总结", "情况", "工作", "要点"];
/// The lines at the top of a report read for the year when the title has none.
const OPENING_LINES: usize = 4;
/// The end of a report, where its signature is.
const SIGNATURE_LINES: usize = 6;

static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"((?:19|20)\d{2})\s*年").expect("static regex"));
static ISSUER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\p{Han}[\p{Han}（）()]{1,29}(人民政府|政府|办事处|委员会|党委|党工委|管委会|局|厅|办公室)$")
        .expect("static regex")
});
/// Where a title without 关于 stops naming its subject (the body it is about): at 法治, 依法, a
/// space or punctuation (宁河区2021年|法治政府建设…).
static SUBJECT_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"法治|依法|[\s，,：:（(《]").expect("static regex"));
/// The year words a title's subject stands before or after (睢县2023年…, 2023年度睢县…).
static YEAR_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:19|20)\d{2}\s*年度?|(?:19|20)\d{2}|年度").expect("static regex")
});

/// Parses one report from its decoded text. `file` is its path: a file name that reads like a
/// title (宁河区2021年法治政府建设情况报告.txt) is the title when the text has none.
pub fn parse(file: &str, text: &str, hints: &Hints) -> Report {
    let cleaned = clean(text);
    let sections = sections::split(&cleaned.lines, TypeRules::embedded());
    let title = hints
        .title
        .clone()
        .or_else(|| cleaned.header_title.clone())
        .or_else(|| find_title(&cleaned.lines))
        .or_else(|| title_from_file_name(file));
    // The first of the page's, the header's and the signature's that normalises to a name.
    let issuer = hints
        .issuer
        .as_deref()
        .and_then(normalize_issuer)
        .or_else(|| cleaned.header_issuer.as_deref().and_then(normalize_issuer))
        .or_else(|| {
            find_issuer(&cleaned.lines)
                .as_deref()
                .and_then(normalize_issuer)
        });
    let signed = signature_date(&cleaned.lines);
    let published = hints
        .published
        .as_deref()
        .or(cleaned.header_date.as_deref())
        .and_then(iso_date)
        .or_else(|| signed.clone());
    let year = find_year(
        title.as_deref(),
        &cleaned,
        signed.as_deref(),
        published.as_deref(),
    );
    let signature: Vec<&str> = signature(&cleaned.lines)
        .iter()
        .map(|l| l.text.as_str())
        .collect();
    let mut naming: Vec<&str> = Vec::new();
    naming.extend(title.as_deref());
    naming.extend(issuer.as_deref());
    naming.extend(signature.iter().rev());
    let body: String = cleaned
        .lines
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let gazetteer = Gazetteer::embedded();
    // The title names the body the report is about; the issuer (a crawler's 发布机构 may be the
    // site's owner) only when the title names none.
    let rules = LevelRules::embedded();
    let said = title
        .as_deref()
        .and_then(title_subject)
        .and_then(|s| rules.of(s, gazetteer))
        .or_else(|| issuer.as_deref().and_then(|s| rules.of(s, gazetteer)));
    let Region {
        town,
        county,
        city,
        province,
    } = gazetteer.locate(&naming, &body, said);
    let level = said.unwrap_or(if town.is_some() {
        Level::Town
    } else {
        Level::Other
    });
    Report {
        meta: ReportMeta {
            file: file.to_string(),
            title,
            town,
            county,
            city,
            province,
            level,
            year,
            issuer,
            published,
        },
        sections,
        chrome_share: cleaned.chrome_share(),
        as_read: AsRead::of(text, &cleaned),
    }
}

/// The body a title is about: before 关于, else before 法治 or 依法, beside its year words
/// (睢县司法局 in 睢县司法局2023年…的报告 and in 2023年度睢县司法局法治…).
fn title_subject(title: &str) -> Option<&str> {
    let title = title.trim_start_matches(['《', '“', ' ', '\u{3000}']);
    // Before 关于 is the body, whatever words its name holds (…依法治县委员会办公室关于…).
    let head = match title.find("关于") {
        Some(at) if at > 0 => {
            let head = &title[..at];
            let end = head.find(char::is_whitespace).unwrap_or(head.len());
            &head[..end]
        }
        _ => {
            let title = title.strip_prefix("关于").unwrap_or(title);
            let end = SUBJECT_END.find(title).map_or(title.len(), |m| m.start());
            &title[..end]
        }
    };
    YEAR_WORDS
        .split(head)
        .map(str::trim)
        .find(|piece| !piece.is_empty())
        .filter(|subject| subject.chars().count() >= 2)
}

/// A file name that reads like a title, without its folder and extension.
fn title_from_file_name(file: &str) -> Option<String> {
    let name = file.rsplit(['/', '\\']).next()?;
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem).trim();
    is_titleish(stem).then(|| stem.to_string())
}

/// The title: the first line near the top that reads like one (…报告, …总结), with the line
/// before it when that is its first half ("北杨集镇人民政府" / "关于2023年度…的报告").
fn find_title(lines: &[Line]) -> Option<String> {
    let top: Vec<&Line> = lines
        .iter()
        .take_while(|l| parse_heading(&l.text).is_none())
        .take(TITLE_WINDOW)
        .collect();
    let i = top.iter().position(|l| is_titleish(&l.text))?;
    let mut title = top[i].text.clone();
    if i > 0 {
        let prev = &top[i - 1].text;
        let short = prev.chars().count() <= 24;
        let unpunctuated = !prev.contains(['。', '，', '：', ':', ',']);
        if short && unpunctuated && YEAR.find(prev).is_none_or(|_| YEAR.find(&title).is_none()) {
            title = format!("{prev}{title}");
        }
    }
    Some(title)
}

/// A line short enough for a title that ends like one (…报告, …总结》).
fn is_titleish(text: &str) -> bool {
    text.chars().count() <= MAX_TITLE_CHARS
        && !text.contains('。')
        && TITLE_WORDS
            .iter()
            .any(|w| text.ends_with(w) || text.ends_with(&format!("{w}》")))
}

fn signature(lines: &[Line]) -> &[Line] {
    &lines[lines.len().saturating_sub(SIGNATURE_LINES)..]
}

/// The issuing body from a signature line ("吴忠市利通区上桥镇人民政府", also with its date on the
/// same line) or the first line.
fn find_issuer(lines: &[Line]) -> Option<String> {
    signature(lines)
        .iter()
        .rev()
        .map(|l| split_dated(&l.text).0)
        .chain(lines.first().map(|l| l.text.as_str()))
        .map(str::trim)
        .find(|t| ISSUER.is_match(t) && parse_heading(t).is_none())
        .map(String::from)
}

/// An issuing body's name as the issuer facet counts it: without the labels before it
/// (`发布机构：来源: `, either colon), a field after it (`发布时间：…`), spaces, a date after it
/// or punctuation around it, brackets full-width (中共某县委员会（县委）), so that one body
/// written several ways is one value. A name written in parts (`沈丘县 北杨集镇人民政府`) is
/// whole: the parts up to the first that completes a body's name, or all of them. None when
/// nothing is left.
pub fn normalize_issuer(name: &str) -> Option<String> {
    let mut name = name.trim();
    while let Some(rest) = ["来源", "发布机构", "发布单位", "发文机关"]
        .iter()
        .find_map(|label| {
            name.strip_prefix(label)?
                .trim_start()
                .strip_prefix([':', '：'])
        })
    {
        name = rest.trim_start();
    }
    // Another field's label (`发布时间：…`) ends the name.
    let parts: Vec<&str> = name
        .split_whitespace()
        .take_while(|part| !part.contains([':', '：']))
        .collect();
    let whole = (1..=parts.len())
        .map(|n| parts[..n].concat())
        .find(|joined| ISSUER.is_match(split_dated(joined).0))
        .unwrap_or_else(|| parts.concat());
    let name: String = split_dated(&whole)
        .0
        .chars()
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            c => c,
        })
        .collect();
    let name = name.trim_matches(|c: char| "，,。.：:；;、".contains(c));
    (!name.is_empty()).then(|| name.to_string())
}

/// The date in the signature ("2024年1月17日"), as YYYY-MM-DD: a short line that is a date, or the
/// date that ends a signature line ("某某管理委员会2024年2月1日", as a body and its date
/// written on one line, or joined by cleaning, read).
fn signature_date(lines: &[Line]) -> Option<String> {
    signature(lines).iter().rev().find_map(|l| {
        let short = l.text.chars().count() <= 20;
        match split_dated(&l.text) {
            (_, Some(date)) => Some(date),
            _ if short => iso_date(&l.text),
            _ => None,
        }
    })
}

/// A line that ends with a date, as the text before it and the date (YYYY-MM-DD); else the line.
fn split_dated(text: &str) -> (&str, Option<String>) {
    let trimmed = text.trim_end();
    let Some(m) = last_date(trimmed) else {
        return (text, None);
    };
    let rest = trimmed[m.end()..].trim_start_matches('日').trim();
    match iso_date(m.as_str()) {
        Some(date) if rest.is_empty() => (&trimmed[..m.start()], Some(date)),
        _ => (text, None),
    }
}

/// The year covered: from the title, else the first year the text opens with, else from the
/// signature date: signed in December, that year; in January to March (reports are due by the
/// end of March), the year before. Otherwise the year before the signature or publication date
/// only when the report says it looks back on the previous year (上一年度, 去年); else unknown.
fn find_year(
    title: Option<&str>,
    cleaned: &CleanText,
    signed: Option<&str>,
    published: Option<&str>,
) -> Option<u64> {
    let year_in = |t: &str| YEAR.captures(t).and_then(|c| c[1].parse::<u64>().ok());
    if let Some(y) = title.and_then(year_in) {
        return Some(y);
    }
    let opening: String = cleaned
        .lines
        .iter()
        .take_while(|l| parse_heading(&l.text).is_none())
        .take(OPENING_LINES)
        .filter(|l| !(l.text.chars().count() <= 20 && iso_date(&l.text).is_some()))
        .map(|l| l.text.as_str())
        .collect();
    if let Some(y) = year_in(&opening) {
        return Some(y);
    }
    // (year, month) of an ISO date.
    let year_month = |d: &str| -> Option<(u64, u32)> {
        Some((d.get(..4)?.parse().ok()?, d.get(5..7)?.parse().ok()?))
    };
    match signed.and_then(year_month) {
        Some((y, 12)) => return Some(y),
        Some((y, 1..=3)) => return y.checked_sub(1),
        _ => {}
    }
    let looks_back = cleaned.lines.iter().any(|l| {
        l.text.contains("上一年度") || l.text.contains("上年度") || l.text.contains("去年")
    });
    signed
        .or(published)
        .and_then(year_month)
        .filter(|_| looks_back)
        .and_then(|(y, _)| y.checked_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(text: &str) -> Report {
        parse("t.txt", text, &Hints::default())
    }

    #[test]
    fn titles() {
        let rows = [
            (
                "北杨集镇人民政府\n关于2023年度法治政府建设情况的报告\n中共沈丘县委：\n正文。",
                Some("北杨集镇人民政府关于2023年度法治政府建设情况的报告"),
            ),
            (
                "后台乡2023年度法治政府建设\n工作总结\n\n2023年我乡。",
                Some("后台乡2023年度法治政府建设工作总结"),
            ),
            (
                "保安镇2023年法治政府建设年度报告\n\n一、总体情况\n正文。",
                Some("保安镇2023年法治政府建设年度报告"),
            ),
            ("一、工作开展情况\n正文。", None),
        ];
        for (text, title) in rows {
            assert_eq!(
                report(text).meta.title.as_deref(),
                title,
                "title of {text:?}"
            );
        }
    }

    #[test]
    fn year_covered() {
        let rows = [
            (
                "关于2023年度法治政府建设情况的报告\n2024年1月，我镇。",
                Some(2023),
            ),
            (
                "法治政府建设情况报告\n2022年，我镇。\n一、情况\n2021年。",
                Some(2022),
            ),
            (
                "法治政府建设情况报告\n上一年度，我镇。\n某镇人民政府\n2024年1月17日",
                Some(2023),
            ),
            // Signed in January: the report is on the year before.
            (
                "法治政府建设情况报告\n我镇。\n某镇人民政府\n2024年1月17日",
                Some(2023),
            ),
            (
                "法治政府建设情况报告\n我镇。\n某镇人民政府\n2023年12月28日",
                Some(2023),
            ),
            (
                "法治政府建设情况报告\n我镇。\n某镇人民政府\n2024年3月31日",
                Some(2023),
            ),
            (
                "法治政府建设情况报告\n我镇。\n某镇人民政府\n2024年6月5日",
                None,
            ),
            (
                "法治政府建设情况报告\n去年，我镇。\n某镇人民政府\n2024年6月5日",
                Some(2023),
            ),
            // The opening's year comes before the signature's.
            (
                "法治政府建设情况报告\n2022年，我镇。\n某镇人民政府\n2024年1月17日",
                Some(2022),
            ),
        ];
        for (text, year) in rows {
            assert_eq!(report(text).meta.year, year, "year of {text:?}");
        }
    }

    /// (file, text, expected town, county, city, province, level, year)
    type MetaRow = (
        &'static str,
        &'static str,
        [&'static str; 4],
        Level,
        Option<u64>,
    );

    /// Reports from bodies that are not towns, and years no title gives: where each is placed,
    /// what kind of body issued it, and the year it covers.
    #[test]
    fn metadata_of_reports_that_are_not_towns() {
        let rows: [MetaRow; 14] = [
            (
                "a.txt",
                "睢县司法局2023年法治政府建设工作总结\n2023年，我局坚持依法行政。\n一、主要举措\n正文。\n睢县司法局\n2024年1月10日",
                ["", "睢县", "商丘市", "河南省"],
                Level::Department,
                Some(2023),
            ),
            (
                "a.txt",
                "天津市宁河区人民政府关于2023年度法治政府建设情况的报告\n一、主要举措\n正文。",
                ["", "宁河区", "天津市", "天津市"],
                Level::County,
                Some(2023),
            ),
            (
                "a.txt",
                "宁河区发展和改革委员会2022年法治政府建设年度报告\n一、主要举措\n指导芦台街道开展普法。",
                ["", "宁河区", "天津市", "天津市"],
                Level::Department,
                Some(2022),
            ),
            (
                "a.txt",
                "大冶市发展和改革局2023年法治政府建设年度报告\n一、主要举措\n正文。",
                ["", "大冶市", "黄石市", "湖北省"],
                Level::Department,
                Some(2023),
            ),
            // Through the alias table: the zone administers 平潭县.
            (
                "a.txt",
                "平潭综合实验区2023年法治政府建设情况报告\n一、主要举措\n正文。",
                ["", "平潭县", "福州市", "福建省"],
                Level::Other,
                Some(2023),
            ),
            // A 管理委员会 that signs a title-less report, dated in February.
            (
                "a.txt",
                "关于法治政府建设情况的报告\n一、主要举措\n正文。\n郑州航空港经济综合实验区管理委员会\n2024年2月1日",
                ["", "郑州航空港经济综合实验区", "郑州市", "河南省"],
                Level::Other,
                Some(2023),
            ),
            // A town, as before.
            (
                "a.txt",
                "北杨集镇人民政府\n关于2023年度法治政府建设情况的报告\n一、主要举措\n正文。",
                ["北杨集镇", "沈丘县", "周口市", "河南省"],
                Level::Town,
                Some(2023),
            ),
            // 鼓楼区 is in four cities and nothing here says which: only the name is kept.
            (
                "a.txt",
                "鼓楼区人民政府2023年法治政府建设情况报告\n在市委、市政府的领导下，我区。\n一、主要举措\n正文。",
                ["", "鼓楼区", "", ""],
                Level::County,
                Some(2023),
            ),
            (
                "a.txt",
                "睢县人民政府法治政府建设情况报告\n我县扎实推进。\n一、主要举措\n正文。\n睢县人民政府\n2023年12月28日",
                ["", "睢县", "商丘市", "河南省"],
                Level::County,
                Some(2023),
            ),
            (
                "a.txt",
                "睢县人民政府法治政府建设情况报告\n我县扎实推进。\n一、主要举措\n正文。\n睢县人民政府\n2024年1月15日",
                ["", "睢县", "商丘市", "河南省"],
                Level::County,
                Some(2023),
            ),
            (
                "a.txt",
                "睢县人民政府法治政府建设情况报告\n我县扎实推进。\n一、主要举措\n正文。\n睢县人民政府\n2024年6月15日",
                ["", "睢县", "商丘市", "河南省"],
                Level::County,
                None,
            ),
            // A file name that reads like a title is one when the text has none.
            (
                "天津/宁河区2021年法治政府建设情况报告.txt",
                "一、主要举措\n正文。",
                ["", "宁河区", "天津市", "天津市"],
                Level::County,
                Some(2021),
            ),
            (
                "天津/宁河区2021年法治政府建设情况报告.txt",
                "东棘坨镇2024年法治建设情况报告\n一、主要举措\n正文。",
                ["东棘坨镇", "宁河区", "天津市", "天津市"],
                Level::Town,
                Some(2024),
            ),
            (
                "天津/7.txt",
                "一、主要举措\n正文。",
                ["", "", "", ""],
                Level::Other,
                None,
            ),
        ];
        for (file, text, place, level, year) in rows {
            let meta = parse(file, text, &Hints::default()).meta;
            let got = [&meta.town, &meta.county, &meta.city, &meta.province]
                .map(|p| p.as_deref().unwrap_or_default());
            assert_eq!(
                (got, meta.level, meta.year),
                (place, level, year),
                "{file}: {text:?} (title {:?}, issuer {:?})",
                meta.title,
                meta.issuer
            );
        }
    }

    #[test]
    fn subjects_of_titles() {
        let rows = [
            (
                "北杨集镇人民政府关于2023年度法治政府建设情况的报告",
                Some("北杨集镇人民政府"),
            ),
            ("睢县司法局2023年法治政府建设工作总结", Some("睢县司法局")),
            ("2023年度睢县司法局法治政府建设工作总结", Some("睢县司法局")),
            ("睢县司法局2023年度工作总结", Some("睢县司法局")),
            ("《宁河区2021年法治政府建设情况报告》", Some("宁河区")),
            (
                "中共睢县县委 睢县人民政府关于2023年度法治建设情况的报告",
                Some("中共睢县县委"),
            ),
            ("关于2023年度法治政府建设情况的报告", None),
            ("关于睢县2023年度法治政府建设情况的报告", Some("睢县")),
            (
                "中共沈丘县委全面依法治县委员会办公室关于2023年度法治建设工作的报告",
                Some("中共沈丘县委全面依法治县委员会办公室"),
            ),
            ("2023年法治政府建设年度报告", None),
            ("法治政府建设情况报告", None),
        ];
        for (title, subject) in rows {
            assert_eq!(title_subject(title), subject, "subject of {title}");
        }
    }

    #[test]
    fn title_hints_from_file_names() {
        let rows = [
            (
                "c/宁河区2021年法治政府建设情况报告.txt",
                Some("宁河区2021年法治政府建设情况报告"),
            ),
            (
                "宁河区2021年法治政府建设工作总结.docx",
                Some("宁河区2021年法治政府建设工作总结"),
            ),
            ("c/report-7.txt", None),
            ("c/2023.html", None),
            ("c/宁河区.txt", None),
        ];
        for (file, title) in rows {
            assert_eq!(title_from_file_name(file).as_deref(), title, "{file}");
        }
    }

    #[test]
    fn issuers_are_one_value_however_written() {
        let rows = [
            ("后台乡人民政府", Some("后台乡人民政府")),
            ("  睢县 司法局\u{3000}", Some("睢县司法局")),
            ("来源：睢县司法局", Some("睢县司法局")),
            ("中共某县委员会(县委)", Some("中共某县委员会（县委）")),
            ("某某管理委员会2024年2月1日", Some("某某管理委员会")),
            ("上桥镇人民政府，", Some("上桥镇人民政府")),
            (" ：", None),
            // A name written in parts is whole, up to the part that completes it.
            (
                "发布机构: 沈丘县 北杨集镇人民政府",
                Some("沈丘县北杨集镇人民政府"),
            ),
            (
                "沈丘县 北杨集镇人民政府 分享到",
                Some("沈丘县北杨集镇人民政府"),
            ),
            ("吴忠市 利通区 上桥镇", Some("吴忠市利通区上桥镇")),
            // Labels with either colon, one after another; the next field is not the name.
            ("发布机构：来源: 某镇人民政府", Some("某镇人民政府")),
            ("来源 : 睢县司法局", Some("睢县司法局")),
            ("某镇人民政府 发布时间：2024-01-17", Some("某镇人民政府")),
        ];
        for (written, expected) in rows {
            assert_eq!(
                normalize_issuer(written).as_deref(),
                expected,
                "{written:?}"
            );
        }
    }

    #[test]
    fn issuer_is_never_a_heading() {
        let r = report("某报告\n正文。\n（四）构建完整的法治政府格局\n正文。");
        assert_eq!(r.meta.issuer, None);
    }

    #[test]
    fn issuer_and_date_from_signature() {
        let r = report("某报告\n正文。\n吴忠市利通区上桥镇人民政府\n2024年1月17日");
        assert_eq!(r.meta.issuer.as_deref(), Some("吴忠市利通区上桥镇人民政府"));
        assert_eq!(r.meta.published.as_deref(), Some("2024-01-17"));
        // The body and its date on one line.
        let r = report("某报告\n正文。\n平潭综合实验区管理委员会 2024年2月1日");
        assert_eq!(r.meta.issuer.as_deref(), Some("平潭综合实验区管理委员会"));
        assert_eq!(r.meta.published.as_deref(), Some("2024-02-01"));
        // A sentence that ends with a date is not a signature.
        let r = report("某报告\n正文。\n本报告经县政府常务会议审议通过于2024年2月1日。");
        assert_eq!(r.meta.published, None);
    }
}
