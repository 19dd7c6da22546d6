//! The written date of a report (2024-01-17, 2024/1/17, 2024年1月17日), read as YYYY-MM-DD:
//! one grammar for a page's publication date (ingest) and a report's signature (report).

use std::sync::LazyLock;

use regex::Regex;

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
        .expect("static regex")
});

/// A date written as 2024-01-17, 2024/1/17 or 2024年1月17日, as YYYY-MM-DD.
pub fn iso_date(text: &str) -> Option<String> {
    let c = DATE.captures(text)?;
    let month: u32 = c[2].parse().ok()?;
    let day: u32 = c[3].parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day))
        .then(|| format!("{}-{month:02}-{day:02}", &c[1]))
}

/// The last thing in `text` written like a date (its month and day not yet checked).
pub fn last_date(text: &str) -> Option<regex::Match<'_>> {
    DATE.find_iter(text).last()
}

#[cfg(test)]
mod tests {
    use super::*;

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
