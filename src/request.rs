//! One request, as the command line and the HTTP API both ask it: the query as written and
//! parsed, the filters, the page, and how the hits are cut into passages. Both fill it in from
//! (name, value) pairs under one set of names — a filter per facet of
//! `index_schema/facets.tsv` (`town`, `year`, `type`, `issuer`…), `region`, `q`, `compare`, `by`,
//! `context`, `full`, `sort`, `lang` — read by [`Params`], so that an option and a parameter of
//! the same name mean the same and are refused with the same words. The command line's clap
//! options give the pairs after clap has checked their ranges; the API's query string gives
//! them after the server has bounded their number and length.

use crate::error::{Error, Result};
use crate::export::Format;
use crate::export::PassageOptions;
use crate::export::kwic::{self, Concordance, KwicLine, KwicSort};
use crate::index::schema::Values;
use crate::lang::{Lang, both};
use crate::search::{
    self, Dimension, Engine, FacetKey, Filters, Hit, Query, Ranked, SearchRequest, StatsRequest,
};

/// Who asks: the command line, or an endpoint of the API (named in its messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    Cli,
    Api(&'static str),
}

/// The filter names: each facet's option (`type` for `section_type`), and `region`.
pub fn filter_names() -> impl Iterator<Item = &'static str> {
    FacetKey::all().map(FacetKey::option).chain(["region"])
}

/// The terms a query's matches contain, for highlighting, passages and concordance lines.
pub fn terms_of(query: &Query) -> Vec<String> {
    query
        .positive_terms()
        .into_iter()
        .map(String::from)
        .collect()
}

/// The spellings of a boolean parameter, (yes, no), read in any case (`param.flag` lists them).
pub const FLAG_SPELLINGS: [(&str, &str); 4] =
    [("true", "false"), ("1", "0"), ("yes", "no"), ("on", "off")];

/// A request's name–value pairs, in order, repeats kept.
#[derive(Debug, Clone)]
pub struct Params {
    asker: Asker,
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn new(asker: Asker, pairs: Vec<(String, String)>) -> Params {
        Params { asker, pairs }
    }

    /// Who asks, as its messages name it.
    fn who(&self) -> &'static str {
        match self.asker {
            Asker::Cli => "fazhi-query",
            Asker::Api(endpoint) => endpoint,
        }
    }

    /// The parameter `name` as its asker writes it: `limit` on the API, `--limit` on the
    /// command line.
    fn named(&self, name: &str) -> String {
        match self.asker {
            Asker::Cli => format!("--{name}"),
            Asker::Api(_) => name.to_string(),
        }
    }

    /// A usage error: the label `key` with the parameter's name, who asks, and `values`.
    fn refuse(&self, key: &str, name: &str, values: &[(&str, &str)]) -> Error {
        let (name, who) = (self.named(name), self.who());
        let mut all = vec![("name", name.as_str()), ("who", who)];
        all.extend_from_slice(values);
        Error::Usage(both(key, &all))
    }

    pub fn values(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A parameter given at most once.
    pub fn single(&self, name: &str) -> Result<Option<&str>> {
        let values = self.values(name);
        if values.len() > 1 {
            return Err(self.refuse("param.once", name, &[]));
        }
        Ok(values.first().copied())
    }

    /// A whole number from 0 to `max`, `default` when absent.
    pub fn number(&self, name: &str, default: usize, max: usize) -> Result<usize> {
        let Some(text) = self.single(name)? else {
            return Ok(default);
        };
        let max_text = max.to_string();
        let values = [("value", text), ("max", max_text.as_str())];
        match text.trim().parse::<usize>() {
            Ok(n) if n <= max => Ok(n),
            Ok(_) => Err(self.refuse("param.max", name, &values)),
            Err(_) => Err(self.refuse("param.number", name, &values)),
        }
    }

    /// A yes or no: [`FLAG_SPELLINGS`] in any case, a bare `name` (no value) yes, false when
    /// absent; every boolean parameter reads the same spellings.
    pub fn flag(&self, name: &str) -> Result<bool> {
        let Some(text) = self.single(name)? else {
            return Ok(false);
        };
        let value = text.trim();
        if value.is_empty() {
            return Ok(true);
        }
        FLAG_SPELLINGS
            .iter()
            .find(|(yes, no)| {
                [yes, no]
                    .iter()
                    .any(|spelling| spelling.eq_ignore_ascii_case(value))
            })
            .map(|(yes, _)| yes.eq_ignore_ascii_case(value))
            .ok_or_else(|| self.refuse("param.flag", name, &[("value", text)]))
    }

    /// `lang`: the reader's language, Chinese when absent.
    pub fn lang(&self) -> Result<Lang> {
        match self.single("lang")?.map(str::trim) {
            None | Some("") => Ok(Lang::default()),
            Some(text) => text
                .parse()
                .map_err(|e: Error| e.about(&self.named("lang"))),
        }
    }

    /// The error of the parameter `name`: on the API its message begins with the name
    /// ([`Error::about`]); the command line's messages name their options already.
    fn about(&self, name: &str, error: Error) -> Error {
        match self.asker {
            Asker::Api(_) => error.about(name),
            Asker::Cli => error,
        }
    }

    /// The query `name` as written and parsed. The API refuses a blank one by name; the
    /// command line's parser says the query is empty.
    pub fn parse_query(&self, name: &str, text: &str) -> Result<(String, Query)> {
        if self.asker != Asker::Cli && text.trim().is_empty() {
            return Err(self.refuse("param.missing", name, &[]));
        }
        Ok((text.to_string(), search::parse(text)?))
    }

    /// The query `q`, required.
    pub fn query(&self) -> Result<(String, Query)> {
        self.parse_query("q", self.single("q")?.unwrap_or_default())
    }

    /// The filters, one name per facet of the table (its option: `type`, `year`…) and
    /// `region`; section types and levels by key or by name in either language, a refusal in
    /// the request's `lang`. A range is given once.
    pub fn filters(&self) -> Result<Filters> {
        // A bad `lang` is named before the filters (whose messages are in it).
        self.lang()?;
        let mut filters = Filters::default();
        for facet in FacetKey::all() {
            let option = facet.option();
            let values = match facet.spec().values {
                Values::Range => self.single(option)?.into_iter().collect(),
                _ => self.values(option),
            };
            for value in values {
                filters
                    .add(facet, value)
                    .map_err(|e| self.about(option, e))?;
            }
        }
        // An empty region is refused by the search, as an empty filter is.
        let regions = self.values("region").into_iter().map(str::trim);
        filters.regions = regions.map(String::from).collect();
        filters.with_copies = self.flag("with_copies")?;
        Ok(filters)
    }

    /// `context` (0 to `max_context` characters around the matching sentences) and `full`.
    pub fn passage(&self, max_context: usize) -> Result<PassageOptions> {
        Ok(PassageOptions {
            context: self.number("context", PassageOptions::default().context, max_context)?,
            full: self.flag("full")?,
        })
    }

    /// `sort` of a concordance, by town unless asked otherwise.
    pub fn kwic_sort(&self) -> Result<KwicSort> {
        let sort = self.single("sort")?.unwrap_or("town");
        sort.parse().map_err(|e| self.about("sort", e))
    }

    /// A stats request: `q` and each `compare` side by side (at most `max_compare`), under the
    /// filters, grouped `by` one or two facets (by year unless asked otherwise). On the command
    /// line, filters alone count the reports that pass them.
    pub fn stats(&self, max_compare: usize) -> Result<StatsRequest> {
        let mut queries = Vec::new();
        let q = self.single("q")?;
        if let Some(text) = q.filter(|q| self.asker == Asker::Cli || !q.trim().is_empty()) {
            queries.push(self.parse_query("q", text)?);
        }
        for text in self.values("compare") {
            queries.push(self.parse_query("compare", text)?);
        }
        if let (Asker::Api(_), true) = (self.asker, queries.is_empty()) {
            return Err(self.refuse("param.stats_missing", "q", &[]));
        }
        if queries.len() > max_compare {
            let (n, max) = (queries.len().to_string(), max_compare.to_string());
            return Err(self.refuse("param.compare_max", "compare", &[("n", &n), ("max", &max)]));
        }
        let filters = self.filters()?;
        if queries.is_empty() && !filters.is_empty() {
            // Filters alone: the reports that pass them, counted by group.
            queries.push((String::new(), Query::All));
        }
        if queries.is_empty() {
            return Err(Error::Usage(crate::lang::both("err.stats_no_query", &[])));
        }
        Ok(StatsRequest {
            queries,
            filters,
            by: Dimension::parse_list(self.single("by")?.unwrap_or("year"))
                .map_err(|e| self.about("by", e))?,
        })
    }
}

/// A search as asked: the query as written and its terms, the search to run, the page of its
/// hits to show, and how their passages are cut.
#[derive(Debug, Clone)]
pub struct Request {
    /// The query as written ("" for filters alone).
    pub text: String,
    /// The terms the matches contain ([`terms_of`]).
    pub terms: Vec<String>,
    /// The search; its `limit` counts the hits before the page too.
    pub search: SearchRequest,
    /// Hits skipped before the page.
    pub offset: usize,
    /// Hits on the page; None: every hit from `offset`.
    pub limit: Option<usize>,
    pub passage: PassageOptions,
    /// Whether each hit counts the other reports its text appears in (`copies`, the command
    /// line's `--copies`).
    pub copies: bool,
    /// Whether hits that are the same passage become one hit (`collapse`, the command line's
    /// `--collapse`; [`crate::search::collapse`]): the page then counts collapsed hits.
    pub collapse: bool,
    /// The reader's language.
    pub lang: Lang,
}

impl Request {
    /// A request for `query` (written `text`) under `filters`: every hit, no facet values,
    /// passages cut as by default.
    pub fn new(text: String, query: Query, filters: Filters, lang: Lang) -> Request {
        Request {
            text,
            terms: terms_of(&query),
            search: SearchRequest {
                query,
                filters,
                limit: None,
                facet_limit: Some(0),
            },
            offset: 0,
            limit: None,
            passage: PassageOptions::default(),
            copies: false,
            collapse: false,
            lang,
        }
    }

    /// `q` (required) and the filters of `p`.
    pub fn read(p: &Params) -> Result<Request> {
        let (text, query) = p.query()?;
        Ok(Request::new(text, query, p.filters()?, p.lang()?))
    }

    /// The page `offset..offset + limit` (None: every hit from `offset`).
    pub fn page(mut self, offset: usize, limit: Option<usize>) -> Request {
        self.offset = offset;
        self.limit = limit;
        self.search.limit = limit.map(|limit| offset + limit);
        self
    }

    /// At most `n` hits read, whatever the page (an export's bound).
    pub fn at_most(mut self, n: usize) -> Request {
        self.search.limit = Some(n);
        self
    }

    /// `n` values listed per facet (None: all of them).
    pub fn facets(mut self, n: Option<usize>) -> Request {
        self.search.facet_limit = n;
        self
    }

    pub fn passage(mut self, passage: PassageOptions) -> Request {
        self.passage = passage;
        self
    }

    /// Each hit counts its copies ([`Hit::copies`]) if `on`.
    pub fn copies(mut self, on: bool) -> Request {
        self.copies = on;
        self
    }

    /// Hits that are the same passage become one hit ([`Hit::collapsed`]) if `on`.
    pub fn collapse(mut self, on: bool) -> Request {
        self.collapse = on;
        self
    }
}

/// A concordance as asked: the search whose sections are read, the characters each side of a
/// match, the order, and the most lines shown (None: all).
#[derive(Debug, Clone)]
pub struct KwicRequest {
    pub request: Request,
    pub width: usize,
    pub sort: KwicSort,
    pub lines: Option<usize>,
}

impl KwicRequest {
    /// The concordance of `hits` (the sections its search found), in order, cut to `lines`,
    /// and how many lines there were before the cut. `check` runs between hits: the server
    /// stops there when the request's time is up or its client has gone.
    pub fn lines<E>(
        &self,
        hits: &[Hit],
        mut check: impl FnMut() -> std::result::Result<(), E>,
    ) -> std::result::Result<(Vec<KwicLine>, usize), E> {
        let terms: Vec<&str> = self.request.terms.iter().map(String::as_str).collect();
        let mut lines = Vec::new();
        for hit in hits {
            check()?;
            let of_hit = kwic::lines(std::slice::from_ref(hit), &terms, self.width, self.sort);
            lines.extend(of_hit);
        }
        check()?;
        kwic::sort_lines(&mut lines, self.sort);
        let all = lines.len();
        lines.truncate(self.lines.unwrap_or(all));
        Ok((lines, all))
    }

    /// The sections the concordance reads, ranked ([`Engine::rank_sections`]), their text
    /// still in the index: a filter that cannot match is refused here, before anything is
    /// written.
    pub fn rank(&self, engine: &Engine) -> Result<Ranked> {
        engine.rank_sections(&self.request.search)
    }

    /// The concordance of `ranked` (from [`KwicRequest::rank`]), read a window of sections at
    /// a time, in order, cut to `lines` ([`Concordance::all`] counts the lines before the
    /// cut), for writing in `format`; CSV and JSON Lines rows wait in a file beside `output`
    /// when it is a regular file ([`kwic::Reading::beside`]).
    pub fn concordance(
        &self,
        engine: &Engine,
        mut ranked: Ranked,
        format: Format,
        output: Option<&std::path::Path>,
    ) -> Result<Concordance> {
        let terms: Vec<&str> = self.request.terms.iter().map(String::as_str).collect();
        let how = kwic::Reading {
            terms: &terms,
            width: self.width,
            sort: self.sort,
            format,
            lang: self.request.lang,
            beside: output,
            window: kwic::Reading::WHOLE_BATCH,
        };
        let mut concordance = Concordance::read(engine, &mut ranked, &how)?;
        if let Some(n) = self.lines {
            concordance.truncate(n);
        }
        Ok(concordance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(asker: Asker, pairs: &[(&str, &str)]) -> Params {
        let pairs = pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        Params::new(asker, pairs)
    }

    #[test]
    fn the_command_line_and_the_api_read_filters_alike_but_name_them_their_way() {
        let pairs = [
            ("type", "不足"),
            ("year", "2020..2023"),
            ("region", " /河南省 "),
        ];
        let expected = Filters::default()
            .with("type", "shortcomings")
            .and_then(|f| f.with("year", "2020..2023"))
            .map(|mut f| {
                f.regions = vec!["/河南省".into()];
                f
            })
            .expect("valid filters");
        for asker in [Asker::Cli, Asker::Api("/api/search")] {
            assert_eq!(params(asker, &pairs).filters().expect("valid"), expected);
        }
        // (asker, the message starts with)
        let rows = [
            (Asker::Cli, "未知的章节类型“intro”"),
            (Asker::Api("/api/search"), "type: 未知的章节类型“intro”"),
        ];
        for (asker, start) in rows {
            let message = params(asker, &[("type", "intro")])
                .filters()
                .expect_err("unknown type")
                .message(Lang::Zh);
            assert!(message.starts_with(start), "{asker:?}: {message}");
        }
    }

    #[test]
    fn stats_need_a_query_or_on_the_command_line_a_filter() {
        let cli = params(Asker::Cli, &[("province", "河南")]).stats(10);
        let queries = cli.expect("filters alone").queries;
        assert_eq!(queries.len(), 1);
        assert_eq!(queries[0].1, Query::All);
        let api = params(Asker::Api("/api/stats"), &[("province", "河南")]).stats(10);
        let message = api.expect_err("no query");
        assert!(message.to_string().starts_with("q is missing"), "{message}");
        assert!(message.message(Lang::Zh).starts_with("缺少 q"), "{message}");
        let many = vec![("compare", "a"); 3];
        let message = params(Asker::Cli, &many).stats(2).expect_err("too many");
        assert!(
            message.to_string().contains("compares at most 2"),
            "{message}"
        );
    }

    #[test]
    fn a_page_reads_the_hits_before_it() {
        let request = Request::new("a".into(), Query::All, Filters::default(), Lang::Zh)
            .page(40, Some(20))
            .facets(Some(5));
        assert_eq!((request.offset, request.limit), (40, Some(20)));
        assert_eq!(request.search.limit, Some(60));
        assert_eq!(request.search.facet_limit, Some(5));
        assert_eq!(request.clone().at_most(10).search.limit, Some(10));
    }
}
