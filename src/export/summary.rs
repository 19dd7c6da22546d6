//! The one-line answer under a search: how many sections in how many reports match what, under
//! which filters, and whether the list was cut — so that a zero or a short list is never read
//! as more than it is.

/// `1 section`, `2 sections`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `9 sections in 5 reports match 法律顾问 in 湖北省, 2024`; with no query (a search by filters
/// alone) `3 sections in 1 report in 河南省, shortcomings`.
pub fn matches(sections: usize, reports: usize, query: &str, filters: &str) -> String {
    let mut line = format!(
        "{} in {}",
        count(sections, "section", "sections"),
        count(reports, "report", "reports")
    );
    if !query.is_empty() {
        line.push_str(if sections == 1 {
            " matches "
        } else {
            " match "
        });
        line.push_str(query);
    }
    if !filters.is_empty() {
        line.push_str(" in ");
        line.push_str(filters);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_counts_query_and_filters() {
        let rows = [
            (
                (9, 5, "法律顾问", ""),
                "9 sections in 5 reports match 法律顾问",
            ),
            (
                (1, 1, "法律顾问", ""),
                "1 section in 1 report matches 法律顾问",
            ),
            (
                (0, 0, "法律顾问", "湖北省, 2024"),
                "0 sections in 0 reports match 法律顾问 in 湖北省, 2024",
            ),
            (
                (3, 1, "", "河南, shortcomings"),
                "3 sections in 1 report in 河南, shortcomings",
            ),
        ];
        for ((sections, reports, query, filters), expected) in rows {
            assert_eq!(matches(sections, reports, query, filters), expected);
        }
    }
}
