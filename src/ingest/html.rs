//! Web pages: the article, not the site around it. Navigation, breadcrumbs, scripts, styles,
//! share buttons and footers are left out; the page's title, date and source feed the metadata.

use std::collections::HashMap;
use std::sync::LazyLock;

use ego_tree::NodeId;
use ego_tree::iter::Edge;
use encoding_rs::Encoding;
use regex::Regex;
use scraper::{ElementRef, Html, Node, Selector};

use super::{Extracted, Hints, text};
use crate::date::iso_date;
use crate::error::Result;

/// Elements that are never article text.
const SKIPPED: [&str; 14] = [
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "select",
    "iframe", "svg", "template", "object",
];
/// Elements that start a new line.
const BLOCKS: [&str; 22] = [
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "table",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "ul",
    "ol",
    "hr",
    "center",
];
/// Containers government sites put the article in, most specific first.
const ARTICLE_SELECTORS: [&str; 14] = [
    "#zoom",
    ".TRS_Editor",
    "#UCAP-CONTENT",
    ".pages_content",
    ".article-content",
    "#article-content",
    ".art_con",
    "article",
    ".article",
    "#content",
    ".content",
    ".main-content",
    ".view",
    "main",
];
/// The least text a container needs to be taken for the article.
const MIN_ARTICLE_CHARS: usize = 100;

static CHROME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(^|[-_ ])(nav|navbar|menu|breadcrumbs?|crumbs?|footer|share|bdshare|sidebar|copyright|toolbar|topbar|foot|header)([-_ ]|$)")
        .expect("static regex")
});
static CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)charset\s*=\s*["']?([A-Za-z0-9_-]+)"#).expect("static regex")
});
static PAGE_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:发布时间|发布日期|发文日期|日期)\s*[:：]\s*(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})")
        .expect("static regex")
});
/// `来源：…` or `发布机构：…` on the page: the text up to the next label's colon, a second label
/// (`发布机构：来源: …`) skipped; [`labelled_value`] cuts off the next label's name.
static PAGE_SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:来源|发布机构)\s*[:：]\s*(?:来源\s*[:：]\s*)?([\p{Han}（）()][^:：]{1,59})")
        .expect("static regex")
});

/// The value `pattern` captures (group 1) in `text`, without the name of the label that follows
/// it (`沈丘县 北杨集镇人民政府 发布时间：…` → `沈丘县 北杨集镇人民政府`); spaces inside the value
/// are kept for the issuer's normalisation to read (`report::normalize_issuer`).
pub fn labelled_value(pattern: &Regex, text: &str) -> Option<String> {
    let value = pattern.captures(text)?.get(1)?;
    let mut found = value.as_str().trim_end();
    if text[value.end()..].starts_with([':', '：']) {
        found = found
            .rsplit_once(char::is_whitespace)
            .map_or(found, |(before, _)| before.trim_end());
    }
    (!found.is_empty()).then(|| found.to_string())
}

pub fn extract(bytes: &[u8]) -> Result<Extracted> {
    let (html, encoding) = decode(bytes)?;
    // The HTML parser's cost grows with the square of the nesting depth (each start tag looks
    // down the stack of open elements): a page nested deeper than a person's page ever is is
    // read with its tags as line breaks, losing no text, in time linear in its size.
    let html = if nesting_depth(&html) > MAX_NESTING {
        flatten(&html)
    } else {
        html
    };
    let page = Html::parse_document(&html);
    let counts = visible_counts(&page);
    let root = article_root(&page, &counts);
    let mut out = String::new();
    if let Some(root) = root {
        block_text(root, &mut out);
    }
    let text = tidy(&out);
    let page_text: String = page.root_element().text().collect::<Vec<_>>().join(" ");
    let hints = Hints {
        title: page_title(&page),
        issuer: meta(&page, &["ContentSource", "source"])
            .or_else(|| labelled_value(&PAGE_SOURCE, &page_text)),
        published: meta(
            &page,
            &[
                "PubDate",
                "pubdate",
                "publishdate",
                "firstpublishedtime",
                "article:published_time",
            ],
        )
        .and_then(|d| iso_date(&d))
        .or_else(|| PAGE_DATE.captures(&page_text).and_then(|c| iso_date(&c[1]))),
    };
    Ok(Extracted {
        text,
        hints,
        encoding: Some(encoding),
        format: None,
    })
}

/// Decodes a page: its declared charset when it has one, else as plain text.
fn decode(bytes: &[u8]) -> Result<(String, &'static str)> {
    if Encoding::for_bom(bytes).is_none() {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]);
        if let Some(encoding) = CHARSET
            .captures(&head)
            .and_then(|c| Encoding::for_label(c[1].as_bytes()))
        {
            let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
            if !had_errors {
                return Ok((text.into_owned(), encoding.name()));
            }
        }
    }
    text::decode(bytes)
}

fn selector(s: &str) -> Option<Selector> {
    Selector::parse(s).ok()
}

fn is_chrome(element: &ElementRef) -> bool {
    let e = element.value();
    SKIPPED.contains(&e.name())
        || e.attr("class").is_some_and(|c| CHROME.is_match(c))
        || e.attr("id").is_some_and(|i| CHROME.is_match(i))
        || e.attr("style")
            .is_some_and(|s| s.replace(' ', "").contains("display:none"))
}

/// Every element's visible characters (white space and chrome not counted), in one walk.
fn visible_counts(page: &Html) -> HashMap<NodeId, usize> {
    let mut counts = HashMap::new();
    let mut open: Vec<usize> = Vec::new();
    let mut chrome: Option<NodeId> = None;
    for edge in page.tree.root().traverse() {
        match edge {
            Edge::Open(node) if chrome.is_none() => match node.value() {
                Node::Text(t) => {
                    if let Some(top) = open.last_mut() {
                        *top += t.chars().filter(|c| !c.is_whitespace()).count();
                    }
                }
                Node::Element(_) => match ElementRef::wrap(node) {
                    Some(e) if is_chrome(&e) => {
                        chrome = Some(node.id());
                        counts.insert(node.id(), 0);
                    }
                    _ => open.push(0),
                },
                _ => {}
            },
            Edge::Close(node) if chrome == Some(node.id()) => chrome = None,
            Edge::Close(node) if chrome.is_none() && node.value().is_element() => {
                let n = open.pop().unwrap_or(0);
                if let Some(top) = open.last_mut() {
                    *top += n;
                }
                counts.insert(node.id(), n);
            }
            _ => {}
        }
    }
    counts
}

/// Elements a paragraph of text sits in directly: text in one of them is credited to the
/// block around it; text in any other block (a `<div>` of lines joined by `<br>`) to itself.
const PARAGRAPHS: [&str; 10] = ["p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "pre"];

/// The element holding the article: a known container, else the block whose text (in
/// paragraphs, or directly in it, joined by `<br>`) is the most, else the body.
fn article_root<'a>(page: &'a Html, counts: &HashMap<NodeId, usize>) -> Option<ElementRef<'a>> {
    let visible = |e: &ElementRef| counts.get(&e.id()).copied().unwrap_or(0);
    for s in ARTICLE_SELECTORS.iter().filter_map(|s| selector(s)) {
        if let Some(found) = page
            .select(&s)
            .find(|e| !is_chrome(e) && visible(e) >= MIN_ARTICLE_CHARS)
        {
            return Some(found);
        }
    }
    // Each run of text belongs to its nearest block; a block's direct text is what its count
    // holds beyond its child elements' counts.
    let mut scores: HashMap<NodeId, usize> = HashMap::new();
    let mut order: Vec<NodeId> = Vec::new();
    let mut credit = |element: ElementRef<'a>, share: usize| {
        let entry = scores.entry(element.id()).or_insert_with(|| {
            order.push(element.id());
            0
        });
        *entry += share;
    };
    for node in page.tree.root().descendants() {
        let Some(block) = ElementRef::wrap(node) else {
            continue;
        };
        if !BLOCKS.contains(&block.value().name()) || !counts.contains_key(&block.id()) {
            continue;
        }
        let children: usize = block
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|c| BLOCKS.contains(&c.value().name()))
            .map(|c| visible(&c))
            .sum();
        let n = visible(&block).saturating_sub(children);
        if n < 10 || is_chrome(&block) {
            continue;
        }
        let parent = block.parent().and_then(ElementRef::wrap);
        let (first, second) = if PARAGRAPHS.contains(&block.value().name()) {
            (
                parent,
                parent.and_then(|p| p.parent()).and_then(ElementRef::wrap),
            )
        } else {
            (Some(block), parent)
        };
        for (element, share) in [(first, n), (second, n / 2)] {
            if let Some(element) = element {
                credit(element, share);
            }
        }
    }
    // The first of the best, in document order, as the scan above met them.
    let best = order
        .iter()
        .copied()
        .max_by_key(|id| (scores.get(id).copied().unwrap_or(0), std::cmp::Reverse(*id)));
    if let Some(best) = best
        .and_then(|id| page.tree.get(id))
        .and_then(ElementRef::wrap)
    {
        return Some(best);
    }
    let body = selector("body")?;
    page.select(&body).next()
}

/// The visible text of an element, a line per block, in one walk (no recursion: a page can nest
/// deeper than a stack).
fn block_text(element: ElementRef, out: &mut String) {
    let mut chrome: Option<NodeId> = None;
    for edge in element.traverse() {
        match edge {
            Edge::Open(node) if chrome.is_none() && node.id() != element.id() => {
                match node.value() {
                    Node::Text(t) => push_text(t, out),
                    Node::Element(e) => {
                        if ElementRef::wrap(node).is_some_and(|child| is_chrome(&child)) {
                            chrome = Some(node.id());
                        } else if BLOCKS.contains(&e.name()) {
                            out.push('\n');
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) if chrome == Some(node.id()) => chrome = None,
            Edge::Close(node) if chrome.is_none() && node.id() != element.id() => {
                if let Node::Element(e) = node.value()
                    && BLOCKS.contains(&e.name())
                {
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
}

/// Text as a browser shows it: runs of white space (but the ideographic space, which indents
/// Chinese paragraphs) as one space.
fn push_text(t: &str, out: &mut String) {
    let mut last_space = out.ends_with([' ', '\n']);
    for c in t.chars() {
        if c.is_whitespace() && c != '\u{3000}' {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else {
            out.push(c);
            last_space = false;
        }
    }
}

/// Deeper than any page a person reads (government pages nest 20 to 40 deep).
const MAX_NESTING: usize = 512;

/// Elements whose end tag may be left out or that have none: they do not nest.
const NOT_NESTING: [&str; 30] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead",
    "tbody", "tfoot", "colgroup", "rp", "rt", "html",
];

/// The names of the tags in `html`, with whether each closes, in one pass; comments and the
/// content of scripts and styles passed over.
fn tags(html: &str) -> impl Iterator<Item = (std::ops::Range<usize>, String, bool)> + '_ {
    let bytes = html.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let start = at + memchr_lt(&bytes[at..])?;
            let rest = &html[start..];
            if rest.starts_with("<!--") {
                at = rest.find("-->").map_or(html.len(), |e| start + e + 3);
                continue;
            }
            let end = rest.find('>').map_or(html.len(), |e| start + e + 1);
            at = end;
            let inner = html[start + 1..end].trim_end_matches('>');
            let closing = inner.starts_with('/');
            let name: String = inner
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if name.is_empty() {
                continue;
            }
            if !closing && matches!(name.as_str(), "script" | "style") {
                let close = format!("</{name}");
                at = find_ascii_ci(&html[at..], &close).map_or(html.len(), |e| at + e);
            }
            // `<div/>` opens a div in HTML (the slash is ignored): only end tags close.
            // A script's or style's range runs to its end tag: its content is no text.
            return Some((start..at.max(end), name, closing));
        }
    })
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'<')
}

/// Where `needle` (ASCII) starts in `haystack`, ignoring ASCII case.
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    h.windows(n.len()).position(|w| w.eq_ignore_ascii_case(n))
}

/// How deep the elements of `html` nest, at most, counting only elements that nest.
fn nesting_depth(html: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for (_, name, closes) in tags(html) {
        if NOT_NESTING.contains(&name.as_str()) {
            continue;
        }
        if closes {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// `html` with every block tag turned into a line break and every other tag dropped (scripts
/// and styles with their content): no text is lost, nothing nests.
fn flatten(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut from = 0;
    for (range, name, _) in tags(html) {
        out.push_str(&html[from..range.start]);
        from = range.end;
        if BLOCKS.contains(&name.as_str()) {
            out.push_str("<br>");
        } else if matches!(name.as_str(), "title" | "meta" | "head") {
            out.push_str(&html[range]);
        }
    }
    out.push_str(&html[from..]);
    out
}

/// Lines trimmed, blank lines dropped.
fn tidy(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn meta(page: &Html, names: &[&str]) -> Option<String> {
    let metas = selector("meta")?;
    page.select(&metas)
        .find(|m| {
            let e = m.value();
            e.attr("name")
                .or_else(|| e.attr("property"))
                .is_some_and(|n| names.iter().any(|x| x.eq_ignore_ascii_case(n)))
        })
        .and_then(|m| m.value().attr("content"))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
}

/// The report's title: the page's ArticleTitle, an h1 or the <title> part that reads like a
/// report title ("…报告_某某人民政府" → "…报告").
fn page_title(page: &Html) -> Option<String> {
    let reads_like_title = |t: &str| ["报告", "总结", "情况"].iter().any(|w| t.contains(w));
    let mut candidates: Vec<String> = Vec::new();
    candidates.extend(meta(page, &["ArticleTitle", "og:title"]));
    if let Some(h1) = selector("h1") {
        candidates.extend(
            page.select(&h1)
                .map(|h| tidy(&h.text().collect::<String>()).replace('\n', "")),
        );
    }
    if let Some(title) = selector("title")
        && let Some(t) = page.select(&title).next()
    {
        let t: String = t.text().collect();
        candidates.extend(t.split(['_', '|', '－', '—']).map(|p| p.trim().to_string()));
    }
    candidates.retain(|c| !c.is_empty() && c.chars().count() <= 80);
    candidates
        .iter()
        .find(|c| reads_like_title(c))
        .or(candidates.first())
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8">
<title>上桥镇2023年法治政府建设情况报告_利通区人民政府</title>
<meta name="PubDate" content="2024-01-17 09:30">
<script>var secret = "脚本里的字";</script><style>.x{}</style></head>
<body><div class="top-nav"><a href="/">首页</a><a>政务公开</a></div>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开</div>
<div id="zoom"><p>2023年，上桥镇坚持依法行政，法律顾问参与重大行政决策合法性审查，提升基层治理法治化水平，取得了明显成效。</p>
<p>一、工作开展情况</p><p>（一）强化组织建设。一是组织领导到位。</p>
<div class="share">分享到：微信 微博</div></div>
<div class="footer">主办单位：利通区人民政府办公室 网站标识码：6403020002 宁ICP备19000976号</div>
</body></html>"#;

    #[test]
    fn article_without_site_chrome() {
        let e = extract(PAGE.as_bytes()).expect("page");
        assert!(
            e.text.contains("法律顾问参与重大行政决策合法性审查"),
            "{}",
            e.text
        );
        assert!(
            e.text.contains("\n一、工作开展情况\n"),
            "blocks become lines: {}",
            e.text
        );
        for chrome in [
            "首页",
            "脚本里的字",
            "分享到",
            "主办单位",
            "网站标识码",
            "ICP",
            "当前位置",
        ] {
            assert!(
                !e.text.contains(chrome),
                "{chrome:?} leaked into {:?}",
                e.text
            );
        }
        assert_eq!(
            e.hints.title.as_deref(),
            Some("上桥镇2023年法治政府建设情况报告")
        );
        assert_eq!(e.hints.published.as_deref(), Some("2024-01-17"));
    }

    #[test]
    fn declared_gbk_charset() {
        let page = PAGE.replace("charset=\"utf-8\"", "charset=\"gbk\"");
        let (bytes, _, _) = encoding_rs::GBK.encode(&page);
        let e = extract(&bytes).expect("gbk page");
        assert_eq!(e.encoding, Some("GBK"));
        assert!(e.text.contains("法律顾问"));
    }

    #[test]
    fn page_without_known_container_uses_its_paragraphs() {
        let page = "<html><body><ul class=menu><li>首页</li></ul><div><div><p>第一段法治政府建设内容，依法行政水平持续提升。</p><p>第二段内容，法律顾问制度全面落实到位。</p></div></div><div class=foot>版权所有</div></body></html>";
        let e = extract(page.as_bytes()).expect("page");
        assert!(
            e.text.contains("第一段") && e.text.contains("第二段"),
            "{}",
            e.text
        );
        assert!(
            !e.text.contains("首页") && !e.text.contains("版权所有"),
            "{}",
            e.text
        );
    }

    #[test]
    fn nesting_is_measured_without_counting_what_does_not_nest() {
        let rows = [
            ("<div><div><p>a<p>b</div></div>", 2),
            ("<p>a<p>b<p>c<br><img src=x>", 0),
            ("<!-- <div><div> --><div></div>", 1),
            (
                "<script>if (a<b) { x = '<div><div>' }</script><span>x</span>",
                1,
            ),
            ("<div/><div/>", 2),
        ];
        for (html, depth) in rows {
            assert_eq!(nesting_depth(html), depth, "{html}");
        }
    }

    #[test]
    fn a_page_nested_too_deep_is_read_flat_with_all_its_text() {
        let n = MAX_NESTING * 4;
        let page = format!(
            "<html><head><title>某镇2023年法治政府建设情况报告</title><script>var x='脚本';</script></head><body>{}第一段&amp;正文，依法行政。<p>第二段正文</p>{}</body></html>",
            "<div>".repeat(n),
            "</div>".repeat(n)
        );
        let e = extract(page.as_bytes()).expect("page");
        assert!(
            e.text.contains("第一段&正文，依法行政。\n第二段正文"),
            "{:?}",
            e.text
        );
        assert!(!e.text.contains("脚本"), "{:?}", e.text);
        assert_eq!(
            e.hints.title.as_deref(),
            Some("某镇2023年法治政府建设情况报告")
        );
    }
}
