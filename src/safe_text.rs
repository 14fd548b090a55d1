//! Strings from a profile are hostile: a function name may hold terminal
//! escape sequences (`ESC]0;…BEL` sets the window title, `ESC]52;…` writes the
//! clipboard), bidi overrides that make text read backwards, or path
//! separators. This module is the one place that makes such strings safe to
//! show on a terminal ([`visible`]) or to use as part of a file name
//! ([`file_name_part`]). JSON output needs neither: its escaping is exact.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a character must not reach a terminal raw: C0 controls (line
/// breaks and tabs included, since every shown string is one cell of a
/// line), DEL, C1 controls, and the bidi embedding, override and isolate
/// controls and marks.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{200e}' | '\u{200f}' | '\u{61c}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{2028}' | '\u{2029}')
}

/// `s` with every unsafe character written out visibly: `\x1b` for ASCII
/// controls, `\u{202e}` for the others. Borrows when there is nothing to
/// escape, which is nearly always.
pub fn visible(s: &str) -> Cow<'_, str> {
    escape_where(s, is_unsafe)
}

/// [`visible`] for text made of lines: line breaks (`\n`) stay.
pub fn visible_lines(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\n' && is_unsafe(c))
}

fn escape_where(s: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !escape(c) {
            out.push(c);
        } else if c.is_ascii() {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// A writer for text meant for a terminal: whatever is written through it
/// reaches `inner` with every unsafe character but the line break escaped
/// as [`visible`] does. The last guard on report output, so that no
/// profile string can reach the terminal raw, whichever field it came in.
pub struct TerminalSafe<W> {
    inner: W,
    /// The start of a UTF-8 sequence split across two writes.
    carry: Vec<u8>,
}

impl<W: std::io::Write> TerminalSafe<W> {
    pub fn new(inner: W) -> Self {
        TerminalSafe {
            inner,
            carry: Vec::new(),
        }
    }

    fn write_text(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
        loop {
            match std::str::from_utf8(bytes) {
                Ok(text) => return self.inner.write_all(visible_lines(text).as_bytes()),
                Err(e) => {
                    let (valid, rest) = bytes.split_at(e.valid_up_to());
                    let text = std::str::from_utf8(valid).unwrap_or_default();
                    self.inner.write_all(visible_lines(text).as_bytes())?;
                    match e.error_len() {
                        None => {
                            self.carry.extend_from_slice(rest);
                            return Ok(());
                        }
                        Some(bad) => {
                            for b in &rest[..bad] {
                                write!(self.inner, "\\x{b:02x}")?;
                            }
                            bytes = &rest[bad..];
                        }
                    }
                }
            }
        }
    }
}

impl<W: std::io::Write> std::io::Write for TerminalSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.carry.is_empty() {
            self.write_text(buf)?;
        } else {
            let mut joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(buf);
            self.write_text(&joined)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let carry = std::mem::take(&mut self.carry);
        for b in &carry {
            write!(self.inner, "\\x{b:02x}")?;
        }
        self.inner.flush()
    }
}

/// The longest file name part [`file_name_part`] returns, in bytes.
const MAX_PART: usize = 100;

/// `s` reduced to a piece of a file name that is safe anywhere: only
/// `[A-Za-z0-9._-]` (every other run of characters becomes one `_`), never
/// empty, never starting with a dot (so never `.`, `..` or hidden), and at
/// most 100 bytes. It can hold no path separator.
pub fn file_name_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(MAX_PART));
    for c in s.chars() {
        if out.len() >= MAX_PART {
            break;
        }
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_start_matches('.');
    if trimmed.is_empty() || trimmed == "_" {
        return "profile".to_owned();
    }
    trimmed.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_escapes_terminal_controls() {
        assert_eq!(visible("main.f"), Cow::Borrowed("main.f"));
        assert_eq!(
            visible("a\u{1b}]0;pwned\u{7}b"),
            "a\\x1b]0;pwned\\x07b".to_owned()
        );
        assert_eq!(visible("x\u{1b}[2J"), "x\\x1b[2J");
        assert_eq!(visible("tab\there\nnl"), "tab\\x09here\\x0anl");
        assert_eq!(visible("del\u{7f}"), "del\\x7f");
        assert_eq!(visible("csi\u{9b}2J"), "csi\\u{9b}2J");
        assert_eq!(visible("evil\u{202e}gnp.exe"), "evil\\u{202e}gnp.exe");
        assert_eq!(visible("iso\u{2066}x\u{2069}"), "iso\\u{2066}x\\u{2069}");
        // Ordinary non-ASCII text stays as it is.
        assert_eq!(visible("café·→"), Cow::Borrowed("café·→"));
    }

    #[test]
    fn terminal_safe_writer_escapes_across_split_writes() {
        use std::io::Write as _;
        let mut out = TerminalSafe::new(Vec::new());
        let text = "ok\n\u{1b}]52;c;x\u{7}\u{202e}é\n";
        // Byte by byte, so that every multi-byte character is split.
        for b in text.as_bytes() {
            out.write_all(std::slice::from_ref(b)).unwrap();
        }
        out.write_all(b"bad\xff\n").unwrap();
        out.flush().unwrap();
        assert_eq!(
            String::from_utf8(out.inner).unwrap(),
            "ok\n\\x1b]52;c;x\\x07\\u{202e}é\nbad\\xff\n"
        );
    }

    #[test]
    fn file_name_parts_are_plain() {
        assert_eq!(file_name_part("heap-3"), "heap-3");
        assert_eq!(file_name_part("inuse_space"), "inuse_space");
        assert_eq!(file_name_part("./../../x"), "_.._.._x");
        assert_eq!(file_name_part("../x"), "_x");
        assert_eq!(file_name_part(".."), "profile");
        assert_eq!(file_name_part(".hidden"), "hidden");
        assert_eq!(file_name_part(""), "profile");
        assert_eq!(file_name_part("/"), "profile");
        assert_eq!(file_name_part("<stdin>"), "_stdin_");
        assert_eq!(file_name_part("a\u{1b}[2Jb"), "a_2Jb");
        assert_eq!(file_name_part(&"x".repeat(500)).len(), 100);
        for hostile in ["../../etc/passwd", "a/b\\c", "\u{0}", "..\\.."] {
            let part = file_name_part(hostile);
            assert!(!part.contains('/') && !part.contains('\\') && !part.starts_with('.'));
        }
    }
}
