//! Word documents (.docx): the paragraphs of `word/document.xml`, a line each; a paragraph in
//! the Title style (or the first Heading 1) gives the report's title.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

use super::{Extracted, Hints};
use crate::error::{Error, Result};
use crate::heading::parse_heading;
use crate::lang::both;

/// The most text a document part may inflate to (a zip bomb stops here).
const MAX_XML_BYTES: u64 = 256 * 1024 * 1024;

pub fn extract(bytes: &[u8]) -> Result<Extracted> {
    let not_docx = |e: &dyn std::fmt::Display| {
        Error::Unreadable(both("skip.not_docx", &[("detail", &e.to_string())]))
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not_docx(&e))?;
    let part = archive
        .by_name("word/document.xml")
        .map_err(|e| not_docx(&e))?;
    let too_large = || {
        let max = (MAX_XML_BYTES / (1024 * 1024)).to_string();
        Error::Unreadable(both("skip.docx_too_large", &[("max", &max)]))
    };
    // The declared size can lie; the read below is held to the limit whatever it says.
    if part.size() > MAX_XML_BYTES {
        return Err(too_large());
    }
    let mut xml = String::new();
    part.take(MAX_XML_BYTES + 1)
        .read_to_string(&mut xml)
        .map_err(|e| not_docx(&e))?;
    if xml.len() as u64 > MAX_XML_BYTES {
        return Err(too_large());
    }
    let (paragraphs, title) = paragraphs(&xml).map_err(|e| not_docx(&e))?;
    Ok(Extracted {
        text: paragraphs.join("\n"),
        hints: Hints {
            title,
            ..Hints::default()
        },
        encoding: None,
        format: None,
    })
}

/// The heading level (1 to 4) of a paragraph style: Word's built-in "Heading1"…, the ids "1"…
/// that Chinese Word gives them, or "标题1"….
fn heading_level(style: &str) -> Option<u8> {
    let digits = style
        .strip_prefix("heading")
        .or_else(|| style.strip_prefix("标题"))
        .unwrap_or(style)
        .trim();
    digits.parse::<u8>().ok().filter(|l| (1..=4).contains(l))
}

/// Numbers heading-styled paragraphs that carry no number in their text, as Word's automatic
/// numbering shows them: 一、 （一） 1. （1）, so that the section parser sees the structure.
#[derive(Default)]
struct Numbering {
    counters: [usize; 4],
}

impl Numbering {
    fn note(&mut self, level: u8) -> usize {
        let i = usize::from(level - 1);
        self.counters[i] += 1;
        self.counters[i + 1..].iter_mut().for_each(|c| *c = 0);
        self.counters[i]
    }

    fn mark(&mut self, level: u8, text: &str) -> String {
        const CN: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
        let n = self.note(level);
        let cn = CN
            .get(n - 1)
            .map_or_else(|| n.to_string(), |c| c.to_string());
        match level {
            1 => format!("{cn}、{text}"),
            2 => format!("（{cn}）{text}"),
            3 => format!("{n}.{text}"),
            _ => format!("（{n}）{text}"),
        }
    }
}

/// The document's paragraphs and its title paragraph, if one is styled as such.
fn paragraphs(xml: &str) -> Result<(Vec<String>, Option<String>), quick_xml::Error> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut title = None;
    let mut heading = None;
    let mut current = String::new();
    let mut style = String::new();
    let mut in_text = false;
    let mut numbering = Numbering::default();
    loop {
        match reader.read_event()? {
            Event::Start(e) | Event::Empty(e) if e.name().0 == "w:pStyle" => {
                if let Some(val) = e.attributes().flatten().find(|a| a.key.0 == "w:val") {
                    style = val.value.to_string();
                }
            }
            Event::Start(e) if e.name().0 == "w:p" => {
                current.clear();
                style.clear();
            }
            Event::Start(e) if e.name().0 == "w:t" => in_text = true,
            Event::End(e) if e.name().0 == "w:t" => in_text = false,
            // A tab in a run; a w:tab with a position is a tab stop of the paragraph's style.
            Event::Empty(e)
                if e.name().0 == "w:tab"
                    && !e.attributes().flatten().any(|a| a.key.0 == "w:pos") =>
            {
                current.push('\t')
            }
            Event::Empty(e) if e.name().0 == "w:noBreakHyphen" => current.push('-'),
            Event::Empty(e) if matches!(e.name().0, "w:br" | "w:cr") => current.push('\n'),
            Event::Text(t) if in_text => current.push_str(&t.html_content()),
            Event::GeneralRef(r) if in_text => {
                if let Some(c) = r.resolve_char_ref()? {
                    current.push(c);
                    continue;
                }
                let name: &str = r.as_ref();
                current.push_str(match name {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                });
            }
            Event::End(e) if e.name().0 == "w:p" => {
                let text = current.trim().to_string();
                if !text.is_empty() {
                    let s = style.to_lowercase();
                    if title.is_none()
                        && (s == "title" || s.contains("标题") && !s.contains(char::is_numeric))
                    {
                        title = Some(text.clone());
                        out.push(text);
                        continue;
                    }
                    let level = heading_level(&s);
                    if level == Some(1) && out.is_empty() && title.is_none() {
                        // A first paragraph in Heading 1 is the report's title.
                        heading = Some(text.clone());
                        out.push(text);
                        continue;
                    }
                    out.push(match level {
                        Some(level) if parse_heading(&text).is_none() => {
                            numbering.mark(level, &text)
                        }
                        Some(level) => {
                            numbering.note(level);
                            text
                        }
                        None => text,
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok((out, title.or(heading)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_tabs_breaks_and_title_style() {
        let xml = r#"<w:document><w:body>
<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>某镇2023年法治政府建设年度报告</w:t></w:r></w:p>
<w:p><w:r><w:t>一、工作</w:t></w:r><w:r><w:t xml:space="preserve">开展情况</w:t></w:r></w:p>
<w:p><w:r><w:t>甲</w:t><w:tab/><w:t>乙 &amp; 丙</w:t><w:br/><w:t>丁</w:t></w:r></w:p>
<w:p><w:r><w:instrText>PAGE</w:instrText></w:r></w:p>
</w:body></w:document>"#;
        let (paragraphs, title) = paragraphs(xml).expect("xml");
        assert_eq!(
            paragraphs,
            [
                "某镇2023年法治政府建设年度报告",
                "一、工作开展情况",
                "甲\t乙 & 丙\n丁"
            ]
        );
        assert_eq!(title.as_deref(), Some("某镇2023年法治政府建设年度报告"));
    }

    #[test]
    fn heading_styles_become_the_section_structure() {
        let p = |style: &str, text: &str| {
            format!(
                "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"
            )
        };
        let xml = [
            p("1", "某镇2023年法治政府建设年度报告"),
            p("1", "工作开展情况"),
            p("2", "强化组织领导"),
            p("Normal", "成立领导小组。"),
            p("2", "加强普法宣传"),
            p("Heading1", "存在的不足"),
            p("标题2", "（一）已有编号的标题"),
            p("2", "执法力量偏弱"),
        ]
        .concat();
        let (paragraphs, title) =
            paragraphs(&format!("<w:document><w:body>{xml}</w:body></w:document>")).expect("xml");
        assert_eq!(title.as_deref(), Some("某镇2023年法治政府建设年度报告"));
        assert_eq!(
            paragraphs[1..],
            [
                "一、工作开展情况",
                "（一）强化组织领导",
                "成立领导小组。",
                "（二）加强普法宣传",
                "二、存在的不足",
                "（一）已有编号的标题",
                "（二）执法力量偏弱",
            ]
        );
    }

    #[test]
    fn broken_zip_is_named() {
        let err = extract(b"PK\x03\x04 this is not a zip")
            .expect_err("broken")
            .to_string();
        assert!(
            err.contains("not a valid .docx") && err.contains("save as .docx"),
            "{err}"
        );
    }

    #[test]
    fn a_zip_bomb_is_too_large_when_unpacked_not_empty() {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        zip.start_file("word/document.xml", options).expect("entry");
        let spaces = vec![b' '; 1 << 20];
        for _ in 0..=MAX_XML_BYTES / (1 << 20) {
            zip.write_all(&spaces).expect("write");
        }
        let bomb = zip.finish().expect("zip").into_inner();
        assert!(bomb.len() < 2 << 20, "a small file: {} bytes", bomb.len());
        let err = extract(&bomb).expect_err("a bomb").to_string();
        assert!(err.contains("too large when unpacked"), "{err}");
    }
}
