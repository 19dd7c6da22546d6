//! Plain-text reports: UTF-8, with or without a byte-order mark.

use super::Extracted;

pub fn extract(bytes: &[u8]) -> Result<Extracted, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {}); save the file as UTF-8",
            e.valid_up_to()
        )
    })?;
    if text.contains('\0') {
        return Err("binary data (NUL bytes) in a .txt file".into());
    }
    Ok(Extracted {
        text: text.to_string(),
        hints: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_with_and_without_bom() {
        let rows: [(&[u8], Result<&str, &str>); 4] = [
            ("法治".as_bytes(), Ok("法治")),
            (b"\xEF\xBB\xBF\xE6\xB3\x95", Ok("法")),
            (b"\xB7\xA8\xD6\xCE", Err("not UTF-8")),
            (b"a\0b", Err("binary")),
        ];
        for (bytes, expected) in rows {
            match (extract(bytes), expected) {
                (Ok(e), Ok(text)) => assert_eq!(e.text, text),
                (Err(reason), Err(part)) => assert!(reason.contains(part), "{reason}"),
                (got, want) => panic!("{bytes:?}: got {got:?}, want {want:?}"),
            }
        }
    }
}
