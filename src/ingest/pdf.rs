//! PDFs: the text layer. A PDF without one (a scan) is reported as such, not indexed empty.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::Extracted;
use crate::error::{Error, Result};
use crate::lang::both;

pub fn extract(bytes: &[u8]) -> Result<Extracted> {
    // pdf-extract panics on some malformed files; a bad PDF must cost one file, not the run.
    // The panic hook is left alone (swapping it is racy between parsing threads): its message
    // goes to the stderr of the worker process that reads PDFs, which the parent discards,
    // naming the file itself.
    let result = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem(bytes)
    }));
    let text = match result {
        Ok(Ok(text)) => text,
        Ok(Err(e)) => {
            return Err(Error::Unreadable(both(
                "skip.pdf",
                &[("detail", &e.to_string())],
            )));
        }
        Err(_) => {
            return Err(Error::Unreadable(both("skip.pdf_broken", &[])));
        }
    };
    if text.chars().filter(|c| !c.is_whitespace()).count() == 0 {
        return Err(Error::Unreadable(both("skip.pdf_no_text", &[])));
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

/// A PDF its reader panics on: a Type0 font in an encoding pdf-extract does not know (a name
/// as long as the one it replaces, so that the cross-reference table still holds). For tests.
#[doc(hidden)]
pub fn pdf_its_reader_panics_on() -> Vec<u8> {
    let pdf = pdf_with_text(&["法治政府建设年度报告"]);
    let at = pdf
        .windows(11)
        .position(|w| w == b"/Identity-H")
        .expect("the font's encoding");
    [&pdf[..at], b"/Unknown--H", &pdf[at + 11..]].concat()
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
    use std::sync::{Arc, Mutex};

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
        let err = extract(&pdf_with_text(&[]))
            .expect_err("no text")
            .to_string();
        assert!(err.contains("no text layer"), "{err}");
    }

    /// Two PDFs that panic their reader, read at once on two threads, and then a panic
    /// elsewhere: each reaches the process's panic hook, which reading a PDF never replaces (a
    /// hook swapped around the reader left panics silenced for good when two overlapped).
    #[test]
    fn a_reader_panic_is_caught_without_touching_the_panic_hook() {
        static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let previous = Arc::new(std::panic::take_hook());
        let forward = Arc::clone(&previous);
        // Panics on this test's threads are counted; other tests' go to the hook there was.
        std::panic::set_hook(Box::new(move |info| match std::thread::current().name() {
            Some(name) if name.starts_with("hook-probe") => {
                SEEN.lock().expect("not poisoned").push(name.to_string())
            }
            _ => forward(info),
        }));
        let pdf = pdf_its_reader_panics_on();
        let readers: Vec<_> = (0..2)
            .map(|i| {
                let pdf = pdf.clone();
                std::thread::Builder::new()
                    .name(format!("hook-probe-pdf-{i}"))
                    .spawn(move || extract(&pdf))
                    .expect("a thread")
            })
            .collect();
        for reader in readers {
            let err = reader
                .join()
                .expect("the reader's panic is caught")
                .expect_err("a PDF its reader panics on");
            assert!(err.to_string().contains("not a readable PDF"), "{err}");
        }
        let elsewhere = std::thread::Builder::new()
            .name("hook-probe-elsewhere".into())
            .spawn(|| panic!("a panic outside the PDF reader"))
            .expect("a thread")
            .join();
        assert!(elsewhere.is_err());
        drop(std::panic::take_hook());
        std::panic::set_hook(Box::new(move |info| previous(info)));
        let mut seen = SEEN.lock().expect("not poisoned").clone();
        seen.sort();
        assert_eq!(
            seen,
            [
                "hook-probe-elsewhere",
                "hook-probe-pdf-0",
                "hook-probe-pdf-1"
            ],
            "every panic reaches the process's hook: none is silenced"
        );
    }

    #[test]
    fn garbage_is_not_a_pdf() {
        let err = extract(b"%PDF-1.4\n garbage")
            .expect_err("garbage")
            .to_string();
        assert!(err.contains("not a readable PDF"), "{err}");
    }
}
