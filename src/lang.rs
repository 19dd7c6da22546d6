//! The interface language. Chinese first: every label, header, summary and message a person
//! reads is Chinese unless English is asked for (`--lang en`, the page's toggle). Machine keys —
//! JSON field names and values, CLI option names — are stable ASCII in both.

use std::str::FromStr;

use crate::error::Error;

/// The language of what a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// 中文 (the default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    pub const ALL: [(&'static str, Lang); 2] = [("zh", Lang::Zh), ("en", Lang::En)];

    /// The ASCII code (`zh`, `en`), as in `--lang` and `?lang=`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Picks the text of this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

impl FromStr for Lang {
    type Err = Error;

    fn from_str(s: &str) -> Result<Lang, Error> {
        match s {
            "中文" | "zh-CN" | "zh-cn" => Ok(Lang::Zh),
            "English" | "english" => Ok(Lang::En),
            _ => crate::error::choose(s, &Lang::ALL, "unknown language"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_by_code_and_name() {
        for (text, lang) in [
            ("zh", Lang::Zh),
            ("中文", Lang::Zh),
            ("en", Lang::En),
            ("English", Lang::En),
        ] {
            assert_eq!(text.parse::<Lang>().unwrap(), lang, "{text}");
        }
        assert!("fr".parse::<Lang>().is_err());
        assert_eq!(Lang::default(), Lang::Zh);
    }
}
