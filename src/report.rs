//! From a report's text to a [`Report`]: cleaning, metadata (title, place, year covered, issuing
//! body, publication date) and sections. This is the pipeline's per-file stage; it does no I/O.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::classify::TypeRules;
use crate::clean::{CleanText, Line, clean};
use crate::region::{Gazetteer, Region};
use crate::sections::{self, Section, heading::parse_heading};

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
}

/// Hints about a report that come from outside its text (an HTML page's <title>, a crawler header).
#[derive(Debug, Clone, Default)]
pub struct Hints {
    pub title: Option<String>,
    pub issuer: Option<String>,
    pub published: Option<String>,
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
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
        .expect("static regex")
});
static ISSUER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\p{Han}[\p{Han}（）()]{1,29}(人民政府|政府|办事处|委员会|党委|管委会|司法局|管理局|办公室)$")
        .expect("static regex")
});

/// Parses one report from its decoded text.
pub fn parse(file: &str, text: &str, hints: &Hints) -> Report {
    let cleaned = clean(text);
    let sections = sections::split(&cleaned.lines, TypeRules::embedded());
    let title = hints
        .title
        .clone()
        .or_else(|| cleaned.header_title.clone())
        .or_else(|| find_title(&cleaned.lines));
    let issuer = hints
        .issuer
        .clone()
        .or_else(|| cleaned.header_issuer.clone())
        .or_else(|| find_issuer(&cleaned.lines));
    let published = hints
        .published
        .as_deref()
        .or(cleaned.header_date.as_deref())
        .and_then(iso_date)
        .or_else(|| signature_date(&cleaned.lines));
    let year = find_year(title.as_deref(), &cleaned, published.as_deref());
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
    let Region {
        town,
        county,
        city,
        province,
    } = Gazetteer::embedded().locate(&naming, &body);
    Report {
        meta: ReportMeta {
            file: file.to_string(),
            title,
            town,
            county,
            city,
            province,
            year,
            issuer,
            published,
        },
        sections,
    }
}

/// The title: the first line near the top that reads like one (…报告, …总结), with the line
/// before it when that is its first half ("北杨集镇人民政府" / "关于2023年度…的报告").
fn find_title(lines: &[Line]) -> Option<String> {
    let top: Vec<&Line> = lines
        .iter()
        .take_while(|l| parse_heading(&l.text).is_none())
        .take(TITLE_WINDOW)
        .collect();
    let is_titleish = |l: &Line| {
        let n = l.text.chars().count();
        n <= MAX_TITLE_CHARS
            && !l.text.contains('。')
            && TITLE_WORDS
                .iter()
                .any(|w| l.text.ends_with(w) || l.text.ends_with(&format!("{w}》")))
    };
    let i = top.iter().position(|l| is_titleish(l))?;
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

fn signature(lines: &[Line]) -> &[Line] {
    &lines[lines.len().saturating_sub(SIGNATURE_LINES)..]
}

/// The issuing body from a signature line ("吴忠市利通区上桥镇人民政府") or the first line.
fn find_issuer(lines: &[Line]) -> Option<String> {
    signature(lines)
        .iter()
        .rev()
        .chain(lines.first())
        .map(|l| l.text.trim())
        .find(|t| ISSUER.is_match(t) && parse_heading(t).is_none())
        .map(String::from)
}

/// The date in the signature ("2024年1月17日"), as YYYY-MM-DD.
fn signature_date(lines: &[Line]) -> Option<String> {
    signature(lines)
        .iter()
        .rev()
        .filter(|l| l.text.chars().count() <= 20)
        .find_map(|l| iso_date(&l.text))
}

/// A date written as 2024-01-17, 2024/1/17 or 2024年1月17日, as YYYY-MM-DD.
pub fn iso_date(text: &str) -> Option<String> {
    let c = DATE.captures(text)?;
    let month: u32 = c[2].parse().ok()?;
    let day: u32 = c[3].parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day))
        .then(|| format!("{}-{month:02}-{day:02}", &c[1]))
}

/// The year covered: from the title, else the first year the text opens with, else the year
/// before publication when the report says it looks back on the previous year.
fn find_year(title: Option<&str>, cleaned: &CleanText, published: Option<&str>) -> Option<u64> {
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
    let looks_back = cleaned.lines.iter().any(|l| {
        l.text.contains("上一年度") || l.text.contains("上年度") || l.text.contains("去年")
    });
    let published_year = published
        .and_then(|d| d.get(..4))
        .and_then(|y| y.parse::<u64>().ok());
    published_year.filter(|_| looks_back).map(|y| y - 1)
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
            (
                "法治政府建设情况报告\n我镇。\n某镇人民政府\n2024年1月17日",
                None,
            ),
        ];
        for (text, year) in rows {
            assert_eq!(report(text).meta.year, year, "year of {text:?}");
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
    }

    #[test]
    fn dates() {
        let rows = [
            ("2024-01-17", Some("2024-01-17")),
            ("2024年1月7日", Some("2024-01-07")),
            ("2024/13/01", None),
            ("2024117", None),
        ];
        for (text, iso) in rows {
            assert_eq!(iso_date(text).as_deref(), iso, "date {text:?}");
        }
    }
}
