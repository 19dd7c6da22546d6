//! Section types: which of the statute's parts a section belongs to, decided from its top-level
//! heading by the keyword rules in `index_schema/section_types.tsv`.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::Serialize;

use crate::error::{Error, Result, schema_rows};
use crate::lang::{self, Lang};

/// The part of a rule-of-law report a section belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SectionType {
    /// The preamble and 总体情况: what the year was about.
    Overview,
    /// The year's measures and results (主要举措和成效, 工作开展情况).
    Measures,
    /// Shortcomings and their causes (存在的不足及原因).
    Shortcomings,
    /// How the Party and government heads carried out their first-responsibility duty.
    Leadership,
    /// Next year's plan (下一年度工作安排).
    Plans,
    /// A top-level section none of the rules recognise.
    Other,
}

impl SectionType {
    pub const ALL: [SectionType; 6] = [
        SectionType::Overview,
        SectionType::Measures,
        SectionType::Shortcomings,
        SectionType::Leadership,
        SectionType::Plans,
        SectionType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SectionType::Overview => "overview",
            SectionType::Measures => "measures",
            SectionType::Shortcomings => "shortcomings",
            SectionType::Leadership => "leadership",
            SectionType::Plans => "plans",
            SectionType::Other => "other",
        }
    }

    /// The name a reader reads (存在的不足, Shortcomings), from `index_schema/labels.tsv`.
    pub fn label(self, lang: Lang) -> &'static str {
        lang.section_type(self.as_str())
    }

    /// The type a user means: its key, its name in either language, or a unique part of it
    /// (`shortcomings`, `存在的不足`, `不足`, `short`); else an error that lists the types.
    /// The strict key (`FromStr`) is for the schema files.
    pub fn parse_named(text: &str) -> Result<SectionType> {
        let keys = SectionType::ALL.map(SectionType::as_str);
        lang::resolve(text, "type.", &keys, "type")?.parse()
    }
}

impl fmt::Display for SectionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SectionType {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        SectionType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                let valid: Vec<&str> = SectionType::ALL.iter().map(|t| t.as_str()).collect();
                Error::Usage(
                    format!(
                        "unknown section type {s:?}; valid types: {}",
                        valid.join(", ")
                    )
                    .into(),
                )
            })
    }
}

/// The keyword rules of `index_schema/section_types.tsv`, in priority order.
#[derive(Debug)]
pub struct TypeRules {
    rules: Vec<(SectionType, Vec<String>)>,
}

const SECTION_TYPES_TSV: &str = include_str!("../index_schema/section_types.tsv");

impl TypeRules {
    /// Parses rules in the format of `index_schema/section_types.tsv`.
    pub fn parse(data: &str) -> Result<Self> {
        let mut rules = Vec::new();
        for row in schema_rows("section_types.tsv", data) {
            let bad = |reason: String| row.bad(reason);
            let row = row.text;
            let (name, keywords) = row
                .split_once('\t')
                .ok_or_else(|| bad("expected `type<TAB>keyword|keyword…`".into()))?;
            let section_type: SectionType = name.parse().map_err(|e: Error| bad(e.to_string()))?;
            let keywords: Vec<String> = keywords
                .split('|')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(String::from)
                .collect();
            if keywords.is_empty() {
                return Err(bad("a rule needs at least one keyword".into()));
            }
            rules.push((section_type, keywords));
        }
        Ok(TypeRules { rules })
    }

    /// The rules shipped in `index_schema/`.
    pub fn embedded() -> &'static TypeRules {
        static RULES: LazyLock<TypeRules> = LazyLock::new(|| {
            TypeRules::parse(SECTION_TYPES_TSV)
                .expect("index_schema/section_types.tsv is valid: checked by its unit test")
        });
        &RULES
    }

    /// The type of a section whose top-level heading is `top_heading` (None for the preamble).
    pub fn classify(&self, top_heading: Option<&str>) -> SectionType {
        let Some(heading) = top_heading else {
            return SectionType::Overview;
        };
        self.rules
            .iter()
            .find(|(_, keywords)| keywords.iter().any(|k| heading.contains(k.as_str())))
            .map_or(SectionType::Other, |(t, _)| *t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_rules_parse() {
        TypeRules::parse(SECTION_TYPES_TSV).expect("index_schema/section_types.tsv");
    }

    #[test]
    fn bad_rules_name_the_line_and_valid_types() {
        let err = TypeRules::parse("ovreview\t总体")
            .expect_err("must fail")
            .to_string();
        assert!(
            err.contains("line 1") && err.contains("overview, measures"),
            "{err}"
        );
    }

    #[test]
    fn top_level_headings_of_real_reports() {
        use SectionType::*;
        let rows = [
            (None, Overview),
            (Some("一、总体情况"), Overview),
            (Some("二、工作开展情况"), Measures),
            (Some("二、主要措施和成效"), Measures),
            (Some("一、上一年度推进法治建设的主要举措和成效"), Measures),
            (Some("二、主要做法"), Measures),
            (Some("一、法治政府建设的主要举措和成效"), Measures),
            (Some("三、存在的不足、原因和问题整改情况"), Shortcomings),
            (
                Some("二、上一年度推进法治建设存在的不足及原因"),
                Shortcomings,
            ),
            (Some("三、存在的主要问题及改进情况"), Shortcomings),
            (Some("二、存在的主要问题"), Shortcomings),
            (
                Some("一、政府主要负责人履行推进法治建设第一责任人职责情况"),
                Leadership,
            ),
            (
                Some(
                    "三、上一年度党政主要负责人履行推进法治建设第一责任人职责，加强法治建设的有关情况",
                ),
                Leadership,
            ),
            (Some("四、下一步法治政府建设安排"), Plans),
            (Some("五、2024年度推进法治政府建设的主要安排"), Plans),
            (Some("四、下一年度推进法治建设的主要安排"), Plans),
            (Some("三、下部工作打算"), Plans),
            (Some("三、下一步工作思路"), Plans),
            (Some("五、其他需要报告的事项"), Other),
        ];
        let rules = TypeRules::embedded();
        for (heading, expected) in rows {
            assert_eq!(rules.classify(heading), expected, "type of {heading:?}");
        }
    }

    #[test]
    fn parses_type_names() {
        for t in SectionType::ALL {
            assert_eq!(t.as_str().parse::<SectionType>().ok(), Some(t));
        }
        assert!("measure".parse::<SectionType>().is_err());
    }

    #[test]
    fn types_by_name_in_either_language() {
        use SectionType::*;
        let rows = [
            ("shortcomings", Shortcomings),
            ("存在的不足", Shortcomings),
            ("不足", Shortcomings),
            ("举措", Measures),
            ("计划", Plans),
            ("Next year's plans", Plans),
            ("lead", Leadership),
        ];
        for (text, expected) in rows {
            assert_eq!(
                SectionType::parse_named(text).ok(),
                Some(expected),
                "{text}"
            );
        }
        let names: Vec<(&str, &str)> = SectionType::ALL
            .iter()
            .map(|t| (t.label(Lang::Zh), t.label(Lang::En)))
            .collect();
        assert_eq!(
            names,
            [
                ("总体情况", "Overview"),
                ("主要举措和成效", "Measures and results"),
                ("存在的不足", "Shortcomings"),
                ("第一责任人职责", "Leadership duties"),
                ("下一年度工作打算", "Next year's plans"),
                ("其他", "Other"),
            ]
        );
    }
}
