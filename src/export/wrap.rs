//! Text output wrapped to the terminal: a passage's lines indented under its hit, facet
//! entries (`河南省 (12)`) never split across lines. Widths are display columns (a CJK
//! character takes two), and the colour marks of highlighted matches take none.

use unicode_width::UnicodeWidthChar;

/// `text` with every line starting `indent` columns in; with a `width`, a line longer than it
/// continues on the next line at the same indent. A line break in the text (a `--full`
/// section) starts a new indented line too.
pub fn indented(text: &str, indent: usize, width: Option<usize>) -> String {
    let pad = " ".repeat(indent);
    // Room for at least a few characters a line, however narrow the terminal.
    let room = width.map(|w| w.saturating_sub(indent).max(8));
    let mut out = String::with_capacity(text.len() + indent * 4);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&pad);
        let mut used = 0;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                // A colour mark (`ESC [ … m`): copied whole, no width.
                out.push(c);
                for m in chars.by_ref() {
                    out.push(m);
                    if m.is_ascii_alphabetic() {
                        break;
                    }
                }
                continue;
            }
            let w = c.width().unwrap_or(0);
            if let Some(room) = room
                && used + w > room
                && used > 0
            {
                out.push('\n');
                out.push_str(&pad);
                used = 0;
            }
            out.push(c);
            used += w;
        }
    }
    out
}

/// A facet line: `  label` padded to `label_width` columns, then the entries joined by `sep`;
/// with a `width`, an entry that would pass it starts the next line under the first entry. An
/// entry is never split (one wider than the line stands alone on its line).
pub fn entries(
    label: &str,
    label_width: usize,
    entries: &[String],
    sep: &str,
    width: Option<usize>,
) -> String {
    let columns = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    let mut out = format!("  {label}");
    let mut used = 2 + columns(label);
    let start = label_width.max(used + 1);
    out.push_str(&" ".repeat(start - used));
    used = start;
    for (i, entry) in entries.iter().enumerate() {
        let w = columns(entry);
        if i > 0 {
            let fits = width.is_none_or(|width| used + columns(sep) + w <= width);
            if fits {
                out.push_str(sep);
                used += columns(sep);
            } else {
                out.push('\n');
                out.push_str(&" ".repeat(start));
                used = start;
            }
        }
        out.push_str(entry);
        used += w;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn a_long_passage_wraps_under_its_hit() {
        let passage =
            "我镇聘请法律顾问2名，审核重大行政决策和合同，全年审核合同36件，提出法律意见52条。";
        let text = indented(passage, 3, Some(40));
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() > 1, "wraps:\n{text}");
        for line in &lines {
            assert!(line.starts_with("   "), "indented: {line:?}");
            assert!(!line[3..].starts_with(' '), "at the same indent: {line:?}");
            assert!(line.width() <= 40, "{} columns: {line:?}", line.width());
        }
        let joined: String = lines.iter().map(|l| &l[3..]).collect();
        assert_eq!(joined, passage, "nothing lost or added");
        // Without a width, one line; a line break of the text is indented too.
        assert_eq!(indented(passage, 3, None), format!("   {passage}"));
        assert_eq!(indented("甲\n乙", 3, None), "   甲\n   乙");
    }

    #[test]
    fn colour_marks_take_no_width() {
        let marked = format!("{}{}", "\x1b[1;31m法律顾问\x1b[0m", "法".repeat(14));
        let text = indented(&marked, 2, Some(22));
        let first = text.lines().next().expect("a line");
        assert!(first.contains("\x1b[0m"), "the mark is whole: {first:?}");
        assert_eq!(
            first
                .replace("\x1b[1;31m", "")
                .replace("\x1b[0m", "")
                .width(),
            22
        );
    }

    #[test]
    fn a_facet_line_never_breaks_inside_an_entry() {
        let values: Vec<String> = [
            "河南省 (120)",
            "湖北省 (98)",
            "宁夏回族自治区 (45)",
            "浙江省 (12)",
            "广西壮族自治区 (3)",
        ]
        .map(String::from)
        .to_vec();
        let line = entries("province:", 17, &values, " · ", Some(50));
        let lines: Vec<&str> = line.lines().collect();
        assert!(lines.len() > 1, "wraps:\n{line}");
        assert!(
            lines[0].starts_with("  province:      河南省 (120)"),
            "{line}"
        );
        for l in &lines[1..] {
            assert_eq!(
                l.width() - l.trim_start().width(),
                17,
                "under the first value: {l:?}"
            );
        }
        for l in &lines {
            assert!(l.width() <= 50, "{l:?}");
        }
        let pieces: Vec<String> = lines
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                let values = if i == 0 { &l[17..] } else { l.trim_start() };
                values.split(" · ").map(String::from).collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(pieces, values, "every entry whole, in order");
        // A label wider than its room, and no width: one line.
        let one = entries("章节类型：", 17, &values[..2], " · ", None);
        assert_eq!(one, "  章节类型：     河南省 (120) · 湖北省 (98)");
    }
}
