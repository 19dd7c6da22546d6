//! The one-line answer under a search: how many sections in how many reports match what, under
//! which filters, and whether the list was cut — so that a zero or a short list is never read
//! as more than it is. In the reader's language (`index_schema/labels.tsv`, `summary.*`).

use crate::lang::Lang;
use crate::search::Filters;

/// `9 个章节`, `1 section`, `2 sections`: `noun` is `section` or `report`.
pub fn count(n: usize, noun: &str, lang: Lang) -> String {
    let key = if n == 1 {
        format!("count.{noun}.one")
    } else {
        format!("count.{noun}")
    };
    lang.label(&key).replace("{n}", &n.to_string())
}

/// `5 份报告中有 9 个章节匹配“法律顾问”（筛选：湖北省，2024）`, `9 sections in 5 reports match
/// 法律顾问 in 湖北省, 2024`; with no query (a search by filters alone) `1 份报告中有 3 个章节符合
/// 筛选：河南省，存在的不足`, `3 sections in 1 report in 河南省, shortcomings`.
pub fn matches(sections: usize, reports: usize, query: &str, filters: &str, lang: Lang) -> String {
    let one = if sections == 1 { ".one" } else { "" };
    let key = match (query.is_empty(), filters.is_empty()) {
        (true, _) => "summary.filters".to_string(),
        (false, true) => format!("summary.query{one}"),
        (false, false) => format!("summary.query.filtered{one}"),
    };
    let (sections, reports) = (
        count(sections, "section", lang),
        count(reports, "report", lang),
    );
    lang.fill(
        &key,
        &[
            ("sections", &sections),
            ("reports", &reports),
            ("query", query),
            ("filters", filters),
        ],
    )
}

/// The active filters as a reader reads them, in `lang` ([`Filters::describe_in`]).
pub fn filters(filters: &Filters, lang: Lang) -> String {
    filters.describe_in(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_counts_query_and_filters() {
        let rows = [
            (
                (9, 5, "法律顾问", ""),
                "5 份报告中有 9 个章节匹配“法律顾问”",
                "9 sections in 5 reports match 法律顾问",
            ),
            (
                (1, 1, "法律顾问", ""),
                "1 份报告中有 1 个章节匹配“法律顾问”",
                "1 section in 1 report matches 法律顾问",
            ),
            (
                (0, 0, "法律顾问", "湖北省, 2024"),
                "0 份报告中有 0 个章节匹配“法律顾问”（筛选：湖北省, 2024）",
                "0 sections in 0 reports match 法律顾问 in 湖北省, 2024",
            ),
            (
                (3, 1, "", "河南, shortcomings"),
                "1 份报告中有 3 个章节符合筛选：河南, shortcomings",
                "3 sections in 1 report in 河南, shortcomings",
            ),
        ];
        for ((sections, reports, query, filters), zh, en) in rows {
            assert_eq!(matches(sections, reports, query, filters, Lang::Zh), zh);
            assert_eq!(matches(sections, reports, query, filters, Lang::En), en);
        }
    }

    #[test]
    fn filters_read_in_the_language() {
        let f = [
            ("province", "河南省"),
            ("province", "湖北省"),
            ("year", "2020..2023"),
            ("type", "shortcomings"),
            ("level", "town"),
        ]
        .iter()
        .try_fold(Filters::default(), |f, (name, value)| f.with(name, value))
        .expect("valid filters");
        assert_eq!(
            filters(&f, Lang::Zh),
            "河南省或湖北省，2020..2023，存在的不足，乡镇"
        );
        assert_eq!(
            filters(&f, Lang::En),
            "河南省 or 湖北省, 2020..2023, shortcomings, town"
        );
        assert_eq!(filters(&f, Lang::En), f.describe());
    }
}
