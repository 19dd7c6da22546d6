//! Word documents (.docx): the paragraphs of `word/document.xml`, a line each; a paragraph in
//! the Title style (or the first Heading 1) gives the report's title.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

use super::Extracted;
use crate::report::Hints;

/// The most text a document part may inflate to (a zip bomb stops here).
const MAX_XML_BYTES: u64 = 256 * 1024 * 1024;

pub fn extract(bytes: &[u8]) -> Result<Extracted, String> {
    let not_docx = |e: &dyn std::fmt::Display| {
        format!(
            "not a valid .docx ({e}); if it is an old .doc renamed, open it in Word or WPS and save as .docx"
        )
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not_docx(&e))?;
    let part = archive
        .by_name("word/document.xml")
        .map_err(|e| not_docx(&e))?;
    let mut xml = String::new();
    part.take(MAX_XML_BYTES)
        .read_to_string(&mut xml)
        .map_err(|e| not_docx(&e))?;
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

/// The document's paragraphs and its title paragraph, if one is styled as such.
fn paragraphs(xml: &str) -> Result<(Vec<String>, Option<String>), quick_xml::Error> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut title = None;
    let mut heading = None;
    let mut current = String::new();
    let mut style = String::new();
    let mut in_text = false;
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
            Event::Empty(e) if e.name().0 == "w:tab" => current.push('\t'),
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
                    }
                    if heading.is_none() && (s == "heading1" || s == "1" || s == "标题1") {
                        heading = Some(text.clone());
                    }
                    out.push(text);
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
    fn broken_zip_is_named() {
        let err = extract(b"PK\x03\x04 this is not a zip").expect_err("broken");
        assert!(
            err.contains("not a valid .docx") && err.contains("save as .docx"),
            "{err}"
        );
    }
}
