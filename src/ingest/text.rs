//! Plain-text reports in any encoding they come in: UTF-8 (with or without a byte-order mark),
//! UTF-16 LE/BE with a byte-order mark, and the legacy Chinese encodings (GBK, GB18030, Big5…)
//! detected from the bytes.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8};

use super::Extracted;
use crate::error::{Error, Result};
use crate::lang::both;

/// Share of control characters above which "text" is binary data with a .txt name.
const MAX_CONTROL_SHARE: f64 = 0.01;

pub fn extract(bytes: &[u8]) -> Result<Extracted> {
    let (text, encoding) = decode(bytes)?;
    Ok(Extracted {
        text,
        encoding: Some(encoding),
        ..Extracted::default()
    })
}

/// Decodes text bytes, saying which encoding they were in.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str)> {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom_len)) => (encoding, &bytes[bom_len..]),
        None if std::str::from_utf8(bytes).is_ok() => (UTF_8, bytes),
        None => {
            if bytes.contains(&0) {
                return Err(Error::Unreadable(both("skip.binary_nul", &[])));
            }
            let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
            detector.feed(bytes, true);
            (detector.guess(Some(b"cn"), Utf8Detection::Allow), bytes)
        }
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    if had_errors {
        return Err(Error::Unreadable(both(
            "skip.not_encoded",
            &[("encoding", encoding.name())],
        )));
    }
    let total = text.chars().count().max(1);
    let control = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        .count();
    if control as f64 / total as f64 > MAX_CONTROL_SHARE {
        return Err(Error::Unreadable(both(
            "skip.binary_control",
            &[("n", &control.to_string())],
        )));
    }
    Ok((text.into_owned(), encoding.name()))
}

/// `text` as UTF-16 with its byte-order mark, as Windows tools save it. For tests.
#[doc(hidden)]
pub fn utf16_with_bom(text: &str, big_endian: bool) -> Vec<u8> {
    let mark: [u8; 2] = if big_endian {
        [0xFE, 0xFF]
    } else {
        [0xFF, 0xFE]
    };
    let mut out = mark.to_vec();
    for unit in text.encode_utf16() {
        out.extend_from_slice(&if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_encoding_reports_come_in() {
        let text = "法治政府建设年度报告：依法行政，法律顾问参与重大行政决策合法性审查。";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let rows: Vec<(Vec<u8>, &str)> = vec![
            (text.as_bytes().to_vec(), "UTF-8"),
            (
                [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
                "UTF-8",
            ),
            (utf16_with_bom(text, false), "UTF-16LE"),
            (utf16_with_bom(text, true), "UTF-16BE"),
            (gbk.into_owned(), "GBK"),
        ];
        for (bytes, encoding) in rows {
            let (decoded, name) = decode(&bytes).unwrap_or_else(|e| panic!("{encoding}: {e}"));
            assert_eq!(decoded, text, "decoding {encoding}");
            assert!(
                name == encoding || (encoding == "GBK" && name == "gb18030"),
                "{encoding} detected as {name}"
            );
        }
    }

    #[test]
    fn binary_is_refused_with_a_reason() {
        let rows: [&[u8]; 3] = [
            b"a\0b\0c",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
            &[0x01, 0x02, 0x03, 0x04, 0x05, 0x06],
        ];
        for bytes in rows {
            let err = decode(bytes).expect_err("binary").to_string();
            assert!(
                err.contains("binary") || err.contains("not readable"),
                "{err}"
            );
        }
    }
}
