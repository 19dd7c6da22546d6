//! Request parameters: the query string read into the library's typed requests before any
//! work, every value checked against its bounds, and an error naming the parameter and what
//! it accepts when it is not. The names and meanings follow the command line's options: a
//! filter per facet of `index_schema/facets.tsv` (`town`, `year`, `type`, `issuer`…), `region`,
//! `by`, `compare`, ….

use axum::http::Uri;

use super::error::ApiError;
use crate::export::Format;
use crate::export::chart::FIT_WIDTHS;
use crate::export::kwic;
use crate::lang::{Lang, both, each};
use crate::request::{Asker, KwicRequest, Params, Request, filter_names};
use crate::search::{self, StatsRequest};

/// The longest query (`q`, each `compare`) and the longest value of any parameter, in characters.
pub const MAX_VALUE_CHARS: usize = 1000;
/// The most parameters one request may carry.
pub const MAX_PARAMS: usize = 100;
/// Hits per page of `/api/search`: by default, and at most.
pub const DEFAULT_PAGE_HITS: usize = 20;
pub const MAX_PAGE_HITS: usize = 100;
/// The furthest a page of `/api/search` may start (use `/api/export` to take more).
pub const MAX_OFFSET: usize = 10_000;
/// Characters of context around the matching sentences, at most.
pub const MAX_CONTEXT: usize = 200;
/// Characters of context each side of a concordance line, at most.
pub const MAX_KWIC_WIDTH: usize = 100;
/// Concordance lines: by default, and at most.
pub const DEFAULT_KWIC_LINES: usize = 200;
pub const MAX_KWIC_LINES: usize = 5000;
/// The best-ranked sections whose occurrences `/api/kwic` lists.
pub const MAX_KWIC_SECTIONS: usize = 10_000;
/// The most hits one export holds (the best-ranked).
pub const MAX_EXPORT_HITS: usize = 10_000;
/// Values listed per facet by `/api/search`, at most (more than the towns in China, so that
/// `facets=50000` lists every one).
pub const MAX_FACET_VALUES: usize = 50_000;
/// The most queries one stats request compares.
pub const MAX_COMPARE: usize = 10;

/// Parameters every endpoint takes besides the filters: `lang` (`zh`, the default, or `en`),
/// the language of messages and of an export's column names.
const COMMON_KEYS: [&str; 1] = ["lang"];

/// The `lang` of a request, for its error messages: Chinese unless `lang=en` (a malformed
/// query string is reported by the endpoint's own reading).
pub fn lang_of(uri: &Uri) -> Lang {
    // Each pair on its own: another value that is not UTF-8 is refused in this language.
    let query = uri.query().unwrap_or_default();
    query
        .split('&')
        .filter_map(|pair| query_pairs(pair).ok()?.pop())
        .find(|(name, _)| name == "lang")
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or_default()
}

/// Checks the query string of `/api/facets`, which takes only `lang`: any other parameter is
/// refused, as on every endpoint.
pub fn facets_request(uri: &Uri) -> Result<(), ApiError> {
    let endpoint = "/api/facets";
    let pairs = query_pairs(uri.query().unwrap_or_default())?;
    if let Some((name, _)) = pairs
        .iter()
        .find(|(name, _)| !COMMON_KEYS.contains(&name.as_str()))
    {
        return Err(unknown_parameter(name, endpoint, &COMMON_KEYS));
    }
    Params::new(Asker::Api(endpoint), pairs).lang()?;
    Ok(())
}

/// `name` is no parameter of `endpoint`, which takes `names`.
fn unknown_parameter(name: &str, endpoint: &str, names: &[&str]) -> ApiError {
    ApiError::bad_request(each(|lang| {
        let names = names.join(lang.pick("、", ", "));
        lang.fill(
            "param.unknown",
            &[("name", name), ("who", endpoint), ("names", &names)],
        )
    }))
}

/// Reads the query string of `uri` for `endpoint`, which takes the parameters `keys` and the
/// filters; any other name is an error (a misspelt filter must not silently widen the
/// search), and so are too many parameters or too long a value.
pub(super) fn read(uri: &Uri, endpoint: &'static str, keys: &[&str]) -> Result<Params, ApiError> {
    let pairs = query_pairs(uri.query().unwrap_or_default())?;
    if pairs.len() > MAX_PARAMS {
        let (n, max) = (pairs.len().to_string(), MAX_PARAMS.to_string());
        return Err(ApiError::bad_request(both(
            "param.too_many",
            &[("n", &n), ("who", endpoint), ("max", &max)],
        )));
    }
    let known = |name: &str| {
        keys.contains(&name)
            || filter_names().any(|k| k == name)
            || COMMON_KEYS.contains(&name)
            || name == "with_copies"
    };
    if let Some((name, _)) = pairs.iter().find(|(name, _)| !known(name)) {
        let mut all: Vec<&str> = keys.to_vec();
        filter_names().for_each(|k| all.push(k));
        all.extend(COMMON_KEYS);
        all.push("with_copies");
        return Err(unknown_parameter(name, endpoint, &all));
    }
    if let Some((name, value)) = pairs
        .iter()
        .find(|(_, value)| value.chars().count() > MAX_VALUE_CHARS)
    {
        let (n, max) = (
            value.chars().count().to_string(),
            MAX_VALUE_CHARS.to_string(),
        );
        return Err(ApiError::bad_request(both(
            "param.too_long",
            &[("name", name), ("n", &n), ("max", &max)],
        )));
    }
    Ok(Params::new(Asker::Api(endpoint), pairs))
}

/// The pairs of an `application/x-www-form-urlencoded` query string, decoded. A value whose
/// bytes are not UTF-8 (a GBK page's `q=%B7%A8%D6%CE`) is refused by name: decoded with
/// replacement characters it would silently match nothing.
fn query_pairs(query: &str) -> Result<Vec<(String, String)>, ApiError> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = String::from_utf8(form_decode(name))
                .map_err(|_| ApiError::bad_request(both("param.name_utf8", &[])))?;
            let value = String::from_utf8(form_decode(value))
                .map_err(|_| ApiError::bad_request(both("param.value_utf8", &[("name", &name)])))?;
            Ok((name, value))
        })
        .collect()
}

/// `+` is a space and `%XX` a byte; a `%` not followed by two hex digits stays as written.
fn form_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| char::from(*b).to_digit(16));
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                if let (Some(high), Some(low)) = (hex(i + 1), hex(i + 2)) {
                    out.push(u8::try_from(high * 16 + low).expect("two hex digits make a byte"));
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// `/api/search`: one page of hits, with facets over every match.
pub fn search_request(uri: &Uri) -> Result<Request, ApiError> {
    let p = read(
        uri,
        "/api/search",
        &[
            "q", "limit", "offset", "context", "full", "facets", "copies", "collapse",
        ],
    )?;
    let request = Request::read(&p)?;
    let limit = p.number("limit", DEFAULT_PAGE_HITS, MAX_PAGE_HITS)?;
    let offset = p.number("offset", 0, MAX_OFFSET)?;
    let facets = p.number("facets", search::DEFAULT_FACET_LIMIT, MAX_FACET_VALUES)?;
    Ok(request
        .page(offset, Some(limit))
        .facets(Some(facets))
        .passage(p.passage(MAX_CONTEXT)?)
        .copies(p.flag("copies")?)
        .collapse(p.flag("collapse")?))
}

/// `/api/stats` and `/api/chart.svg`: counts per group.
pub fn stats_request(uri: &Uri, endpoint: &'static str) -> Result<StatsRequest, ApiError> {
    let p = read(uri, endpoint, &["q", "compare", "by"])?;
    Ok(p.stats(MAX_COMPARE)?)
}

/// `/api/chart.svg`: the stats request, and the `width` in pixels the page shows the chart at
/// (laid out for it, so that its text keeps its size on a phone); None: as wide as it needs.
pub fn chart_request(uri: &Uri) -> Result<(StatsRequest, Option<u32>), ApiError> {
    let endpoint = "/api/chart.svg";
    let p = read(uri, endpoint, &["q", "compare", "by", "width"])?;
    let (least, most) = (*FIT_WIDTHS.start(), *FIT_WIDTHS.end());
    let width = match p.single("width")? {
        None => None,
        Some(_) => match p.number("width", 0, most as usize)? as u32 {
            width if width >= least => Some(width),
            width => {
                let (value, least, most) = (width.to_string(), least.to_string(), most.to_string());
                return Err(ApiError::bad_request(both(
                    "param.width",
                    &[
                        ("value", &value),
                        ("who", endpoint),
                        ("least", &least),
                        ("most", &most),
                    ],
                )));
            }
        },
    };
    Ok((p.stats(MAX_COMPARE)?, width))
}

/// `/api/kwic`: every occurrence in the best [`MAX_KWIC_SECTIONS`] sections, in context.
pub fn kwic_request(uri: &Uri) -> Result<KwicRequest, ApiError> {
    let p = read(uri, "/api/kwic", &["q", "width", "sort", "limit"])?;
    Ok(KwicRequest {
        request: Request::read(&p)?.at_most(MAX_KWIC_SECTIONS),
        width: p.number("width", kwic::DEFAULT_WIDTH, MAX_KWIC_WIDTH)?,
        sort: p.kwic_sort()?,
        lines: Some(p.number("limit", DEFAULT_KWIC_LINES, MAX_KWIC_LINES)?),
    })
}

/// The formats `/api/export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
    Jsonl,
}

impl ExportFormat {
    fn parse(text: &str) -> Result<ExportFormat, ApiError> {
        let unknown = || {
            ApiError::bad_request(both(
                "param.export_format",
                &[("value", text), ("who", "/api/export")],
            ))
        };
        match text.parse::<Format>().map_err(|_| unknown())? {
            Format::Csv => Ok(ExportFormat::Csv),
            Format::Xlsx => Ok(ExportFormat::Xlsx),
            Format::Jsonl => Ok(ExportFormat::Jsonl),
            Format::Text | Format::Json | Format::Md => Err(unknown()),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Jsonl => "jsonl",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ExportFormat::Jsonl => "application/x-ndjson; charset=utf-8",
        }
    }
}

/// `/api/export`: the best [`MAX_EXPORT_HITS`] hits as a download, in the request's `lang`
/// (the CSV/XLSX column names; JSON Lines keys stay ASCII); with `copies=true` each row counts
/// the other reports and towns its text is in, as `--copies -o` writes them.
pub struct ExportParams {
    pub request: Request,
    pub format: ExportFormat,
}

impl ExportParams {
    pub fn read(uri: &Uri) -> Result<ExportParams, ApiError> {
        let p = read(
            uri,
            "/api/export",
            &["q", "format", "context", "full", "copies"],
        )?;
        let format = ExportFormat::parse(p.single("format")?.unwrap_or("csv"))?;
        let request = Request::read(&p)?.at_most(MAX_EXPORT_HITS);
        Ok(ExportParams {
            request: request
                .passage(p.passage(MAX_CONTEXT)?)
                .copies(p.flag("copies")?),
            format,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{Dimension, Filters};

    fn uri(query: &str) -> Uri {
        format!("/api/search?{query}").parse().expect("a valid URI")
    }

    /// What reading `query` for /api/search gives: Ok, or the error's message.
    fn search(query: &str) -> Result<Request, String> {
        search_request(&uri(query)).map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn search_parameters_within_bounds() {
        let p = search("q=%E6%B3%95%E5%BE%8B&limit=100&offset=10000&province=%E6%B2%B3%E5%8D%97&type=measures&type=plans&year=2020..2023&level=county&level=department")
            .expect("valid");
        assert_eq!(p.text, "法律");
        assert_eq!(
            (p.offset, p.limit, p.search.limit),
            (10_000, Some(100), Some(10_100))
        );
        let expected = [
            ("province", "河南"),
            ("type", "measures"),
            ("type", "plans"),
            ("year", "2020..2023"),
            ("level", "county"),
            ("level", "department"),
        ]
        .iter()
        .try_fold(Filters::default(), |f, (name, value)| f.with(name, value))
        .expect("valid filters");
        assert_eq!(p.search.filters, expected);
        let defaults = search("q=a").expect("valid");
        assert_eq!(
            (defaults.offset, defaults.limit),
            (0, Some(DEFAULT_PAGE_HITS))
        );
    }

    #[test]
    fn types_and_levels_by_name_or_part() {
        // 不足, 计划, 乡镇 (percent-encoded as a browser sends them).
        let p =
            search("q=a&type=%E4%B8%8D%E8%B6%B3&type=%E8%AE%A1%E5%88%92&level=%E4%B9%A1%E9%95%87")
                .expect("accepted");
        let expected = [
            ("type", "shortcomings"),
            ("type", "plans"),
            ("level", "town"),
        ]
        .iter()
        .try_fold(Filters::default(), |f, (name, value)| f.with(name, value))
        .expect("valid filters");
        assert_eq!(p.search.filters, expected);
    }

    /// Each refusal in Chinese (no `lang`) and in English (`lang=en`), naming the parameter
    /// as the API names it, never the command line's option (`--province`).
    #[test]
    fn bad_parameters_say_what_to_do_in_the_readers_language() {
        let long = "法".repeat(MAX_VALUE_CHARS + 1);
        let too_long = format!("q={long}");
        // (query string, the Chinese message contains, the English one contains)
        let rows: [(&str, &str, &str); 17] = [
            ("", "缺少 q：请给出检索词", "q is missing"),
            ("q=+", "缺少 q", "q is missing"),
            ("q=%22a", "检索式有误", "malformed query"),
            (
                "q=a&limit=101",
                "limit=101：/api/search 的 limit 最大为 100",
                "limit up to 100",
            ),
            (
                "q=a&offset=10001",
                "offset 最大为 10000",
                "offset up to 10000",
            ),
            (
                "q=a&limit=-1",
                "limit=\"-1\"：请写 0 到 100 之间的整数",
                "whole number",
            ),
            ("q=a&year=abc", "year=“abc”：请写年份", "year=\"abc\""),
            (
                "q=a&year=2023&year=2024",
                "year 给了不止一次",
                "more than once",
            ),
            (
                "q=a&type=intro",
                "type: 未知的章节类型“intro”；可选：总体情况（overview）",
                "valid types",
            ),
            ("q=a&type=o", "章节类型“o”不明确", "is ambiguous"),
            (
                "q=a&lang=fr",
                "lang: 未知的语言“fr”；可选：zh、en",
                "lang: unknown language",
            ),
            (
                "q=a&level=village",
                "未知的发布主体",
                "valid levels: town, county, department, other",
            ),
            (
                "q=a&yaer=2023",
                "未知的参数“yaer”；/api/search 接受：q、limit",
                "unknown parameter \"yaer\"",
            ),
            (
                "q=a&full=maybe",
                "full=\"maybe\"：请写 true 或 false（也可写 1/0、yes/no、on/off",
                "full=\"maybe\": write true or false (or 1/0, yes/no, on/off",
            ),
            (
                "q=a&province=",
                "province=\"\"：值为空；请写出一个值，或去掉 province",
                "leave province out",
            ),
            (
                &too_long,
                "q 有 1001 个字符，上限为 1000",
                "the limit is 1000",
            ),
            (
                "q=a&facets=x",
                "facets=\"x\"：请写",
                "facets=\"x\": write a whole number",
            ),
        ];
        for (query, zh, en) in rows {
            for (lang, expected) in [("", zh), ("&lang=en", en)] {
                // A bad lang is its own refusal, in Chinese.
                let lang = if query.contains("lang=") { "" } else { lang };
                let expected = if query.contains("lang=") {
                    zh
                } else {
                    expected
                };
                let message = match search_request(&uri(&format!("{query}{lang}"))) {
                    Ok(_) => panic!("{query:?} was accepted"),
                    Err(e) => e.in_lang(params_lang(lang)).message().to_string(),
                };
                assert!(
                    message.contains(expected) && !message.contains("--"),
                    "{query}{lang}: {message} does not say {expected:?}"
                );
            }
        }
    }

    /// Every boolean parameter of every endpoint that has them reads the same spellings, in
    /// any case, and refuses any other by name, listing them.
    #[test]
    fn every_boolean_parameter_reads_the_same_spellings() {
        // (value as sent, what it means: None for a refusal)
        let rows: [(&str, Option<bool>); 22] = [
            ("true", Some(true)),
            ("false", Some(false)),
            ("1", Some(true)),
            ("0", Some(false)),
            ("yes", Some(true)),
            ("no", Some(false)),
            ("on", Some(true)),
            ("off", Some(false)),
            ("TRUE", Some(true)),
            ("False", Some(false)),
            ("Yes", Some(true)),
            ("NO", Some(false)),
            ("On", Some(true)),
            ("OFF", Some(false)),
            ("%20yes%20", Some(true)),
            // A bare parameter (`?full`) asks for it.
            ("", Some(true)),
            ("2", None),
            ("y", None),
            ("maybe", None),
            ("enabled", None),
            ("truee", None),
            ("-1", None),
        ];
        // Each endpoint's boolean parameters, and how to read one from its answer.
        type Read = fn(&str) -> Result<bool, ApiError>;
        let flags: [(&str, Read); 5] = [
            ("full", |q| {
                search_request(&uri(&format!("q=a&full={q}"))).map(|r| r.passage.full)
            }),
            ("copies", |q| {
                search_request(&uri(&format!("q=a&copies={q}"))).map(|r| r.copies)
            }),
            ("collapse", |q| {
                search_request(&uri(&format!("q=a&collapse={q}"))).map(|r| r.collapse)
            }),
            ("with_copies", |q| {
                search_request(&uri(&format!("q=a&with_copies={q}")))
                    .map(|r| r.search.filters.with_copies)
            }),
            ("copies", |q| {
                let export = format!("/api/export?q=a&format=csv&copies={q}");
                ExportParams::read(&export.parse().expect("a URI")).map(|e| e.request.copies)
            }),
        ];
        for (name, read) in flags {
            for (value, meaning) in rows {
                let read = read(value);
                match (meaning, read) {
                    (Some(expected), Ok(got)) => {
                        assert_eq!(got, expected, "{name}={value:?}")
                    }
                    (Some(_), Err(e)) => panic!("{name}={value:?} refused: {e:?}"),
                    (None, Ok(got)) => panic!("{name}={value:?} accepted as {got}"),
                    (None, Err(e)) => {
                        let en = e.in_lang(Lang::En).message().to_string();
                        assert!(
                            en.starts_with(&format!("{name}=\"{value}\": write true or false")),
                            "{name}={value:?}: {en}"
                        );
                        for (yes, no) in crate::request::FLAG_SPELLINGS {
                            assert!(
                                en.contains(&format!("{yes}/{no}"))
                                    || en.contains(&format!("{yes} or {no}")),
                                "{en} lacks {yes}/{no}"
                            );
                        }
                    }
                }
            }
        }
        // Absent, no.
        let absent = search("q=a").expect("valid");
        assert!(!absent.passage.full && !absent.copies && !absent.collapse);
    }

    fn params_lang(suffix: &str) -> Lang {
        match suffix {
            "" => Lang::Zh,
            _ => Lang::En,
        }
    }

    #[test]
    fn query_strings_decode_as_utf8_or_are_refused_by_name() {
        /// The pairs read, or what the error says.
        type Read<'a> = Result<Vec<(&'a str, &'a str)>, &'a str>;
        let rows: [(&str, Read); 8] = [
            ("q=%E6%B3%95%E6%B2%BB", Ok(vec![("q", "法治")])),
            ("q=a+b&town=", Ok(vec![("q", "a b"), ("town", "")])),
            ("q=100%&&full", Ok(vec![("q", "100%"), ("full", "")])),
            ("q=%zz%4", Ok(vec![("q", "%zz%4")])),
            ("q=法", Ok(vec![("q", "法")])),
            ("", Ok(vec![])),
            (
                "q=%B7%A8%D6%CE",
                Err("q is not valid UTF-8: encode it as UTF-8"),
            ),
            ("%B7%A8=1", Err("a parameter name is not valid UTF-8")),
        ];
        for (query, expected) in rows {
            let got = query_pairs(query).map_err(|e| e.in_lang(Lang::En).message().to_string());
            match (got, expected) {
                (Ok(pairs), Ok(want)) => {
                    let pairs: Vec<(&str, &str)> = pairs
                        .iter()
                        .map(|(n, v)| (n.as_str(), v.as_str()))
                        .collect();
                    assert_eq!(pairs, want, "{query:?}");
                }
                (Err(message), Err(want)) => {
                    assert!(message.contains(want), "{query:?}: {message}");
                }
                (got, want) => panic!("{query:?}: {got:?}, expected {want:?}"),
            }
        }
    }

    #[test]
    fn export_formats() {
        let read = |q: &str| {
            let uri: Uri = format!("/api/export?q=a&{q}").parse().expect("uri");
            ExportParams::read(&uri)
                .map(|p| p.format)
                .map_err(|e| e.in_lang(Lang::En).message().to_string())
        };
        assert_eq!(read(""), Ok(ExportFormat::Csv));
        assert_eq!(read("format=xlsx"), Ok(ExportFormat::Xlsx));
        assert_eq!(read("format=jsonl"), Ok(ExportFormat::Jsonl));
        for bad in ["format=md", "format=json", "format=..%2F..%2Fx"] {
            let message = read(bad).err().unwrap_or_default();
            assert!(message.contains("csv, xlsx or jsonl"), "{bad}: {message}");
        }
    }

    #[test]
    fn stats_need_a_query_and_a_known_grouping() {
        let read = |q: &str| {
            let uri: Uri = format!("/api/stats?{q}").parse().expect("uri");
            stats_request(&uri, "/api/stats").map_err(|e| format!("{e:?}"))
        };
        let ok = read("compare=a&compare=b&by=year,province").expect("valid");
        assert_eq!(ok.queries.len(), 2);
        assert_eq!(
            ok.by,
            Dimension::parse_list("year,province").expect("valid")
        );
        assert!(read("by=year").is_err(), "no query");
        assert!(read("q=a&by=decade").is_err(), "unknown grouping");
        let many = "compare=a&".repeat(MAX_COMPARE + 1);
        assert!(read(&many).is_err(), "too many queries");
    }
}
