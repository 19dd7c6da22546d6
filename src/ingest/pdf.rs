//! PDFs: the text layer. A PDF without one (a scan) is reported as such, not indexed empty.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::Extracted;

pub fn extract(bytes: &[u8]) -> Result<Extracted, String> {
    // pdf-extract panics on some malformed files; a bad PDF must cost one file, not the run.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem(bytes)
    }));
    std::panic::set_hook(previous);
    let text = match result {
        Ok(Ok(text)) => text,
        Ok(Err(e)) => return Err(format!("not a readable PDF ({e})")),
        Err(_) => return Err("not a readable PDF (the PDF reader failed on its structure)".into()),
    };
    if text.chars().filter(|c| !c.is_whitespace()).count() == 0 {
        return Err(
            "a PDF with no text layer (a scan?): run OCR on it and index the result".into(),
        );
    }
    Ok(Extracted {
        text,
        ..Extracted::default()
    })
}

/// A minimal PDF whose text layer holds `lines`, in a CID font with a ToUnicode map (as Chinese
/// PDFs carry it); no glyphs are embedded, which a text layer does not need. For tests.
#[doc(hidden)]
pub fn pdf_with_text(lines: &[&str]) -> Vec<u8> {
    let mut chars: Vec<char> = lines.iter().flat_map(|l| l.chars()).collect();
    chars.sort_unstable();
    chars.dedup();
    let cid = |c: char| chars.iter().position(|x| *x == c).map_or(0, |p| p + 1);
    let mut content = String::from("BT /F1 12 Tf 14 TL 72 770 Td\n");
    for line in lines {
        let hex: String = line.chars().map(|c| format!("{:04X}", cid(c))).collect();
        content.push_str(&format!("<{hex}> Tj T*\n"));
    }
    content.push_str("ET");
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n\
         1 begincodespacerange <0000> <FFFF> endcodespacerange\n",
    );
    for chunk in chars.chunks(100) {
        cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for &c in chunk {
            let mut units = [0u16; 2];
            let utf16: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            cmap.push_str(&format!("<{:04X}> <{utf16}>\n", cid(c)));
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap CMapName currentdict /CMap defineresource pop end end");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_string(),
        "<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len() + 1),
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 8 0 R /DW 1000 >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{cmap}\nendstream", cmap.len() + 1),
        "<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -120 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>"
            .to_string(),
    ];
    let objects: Vec<Vec<u8>> = objects.into_iter().map(String::into_bytes).collect();
    pdf_of_objects(&objects)
}

/// A PDF file of `objects` (numbered from 1, the first the catalog), with its cross-reference
/// table and trailer. For tests.
#[doc(hidden)]
pub fn pdf_of_objects(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_layer_of_a_chinese_pdf() {
        let pdf = pdf_with_text(&[
            "某镇2023年法治政府建设年度报告",
            "一、工作开展情况",
            "法律顾问审核合同71件。",
        ]);
        let e = extract(&pdf).expect("readable PDF");
        let compact: String = e.text.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(compact.contains("法律顾问审核合同71件。"), "{:?}", e.text);
        assert!(e.text.contains("一、工作开展情况"), "{:?}", e.text);
    }

    #[test]
    fn a_pdf_without_text_is_called_a_scan() {
        let err = extract(&pdf_with_text(&[])).expect_err("no text");
        assert!(err.contains("no text layer"), "{err}");
    }

    #[test]
    fn garbage_is_not_a_pdf() {
        let err = extract(b"%PDF-1.4\n garbage").expect_err("garbage");
        assert!(err.contains("not a readable PDF"), "{err}");
    }
}
