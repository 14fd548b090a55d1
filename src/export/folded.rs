//! Folded stacks — one line per distinct stack, frames root first joined
//! by `;`, then the value: `main.main;main.serve;main.handleRequest 4096`.
//! The input format of inferno, flamegraph.pl, speedscope and flamelens.
//! A differential view writes two values, base then new
//! (`stack 1024 4096`), as flamegraph.pl's `difffolded` does.
//!
//! # Escaping
//!
//! Readers split frames at `;`, lines at line breaks, and take the value
//! from after the line's last space, trimming whitespace around the line.
//! Go names can contain `;` and spaces (generic instantiations such as
//! `F[struct { a int; b int }]`) and a hostile profile can name a function
//! anything, so [`escape_frame`] percent-encodes (`%3B`, each UTF-8 byte as
//! `%XX`) exactly the characters that would change how a line is read:
//!
//! * `;`, and `%` itself (so the encoding can be undone: [`unescape_frame`]);
//! * control characters (line breaks, tabs, NUL …), U+2028/U+2029, the
//!   bidi controls that would make a line read backwards on a terminal
//!   (U+202A–U+202E, U+2066–U+2069 and the marks; see `safe_text`), and the
//!   non-characters U+FFFE/U+FFFF (not allowed in XML, so not in an SVG);
//! * whitespace at either end of a name (readers trim lines);
//! * the space before a trailing number (`f 12` would read as a count);
//! * a leading `#` followed by a space (`# …` lines are comments).
//!
//! Everything else, including `<`, `&` and quotes, is written as is: the
//! SVG writer escapes those for XML. Names that were invalid UTF-8 in the
//! profile already read U+FFFD (the decoder replaces them).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use super::flamegraph::{ExportStats, ExportView};
use super::tree::StackSet;
use super::{ExportError, write_output};

/// Makes a frame name safe to place in a folded line (see the module docs).
pub fn escape_frame(name: &str) -> Cow<'_, str> {
    let count_space = name.rfind(' ').filter(|&i| {
        let tail = &name[i + 1..];
        !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    });
    let needs_escape = |i: usize, c: char| {
        matches!(c, ';' | '%' | '\u{FFFE}' | '\u{FFFF}')
            || c.is_control()
            || crate::safe_text::is_unsafe(c)
            || (c.is_whitespace() && (i == 0 || i + c.len_utf8() == name.len()))
            || Some(i) == count_space
            || (i == 0 && name.starts_with("# "))
    };
    if !name.char_indices().any(|(i, c)| needs_escape(i, c)) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 8);
    for (i, c) in name.char_indices() {
        if needs_escape(i, c) {
            for byte in c.encode_utf8(&mut [0; 4]).bytes() {
                // Writing to a String cannot fail.
                let _ = write!(out, "%{byte:02X}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Undoes [`escape_frame`]: `%XX` sequences become bytes again (a `%` not
/// followed by two hex digits stays as it is).
pub fn unescape_frame(escaped: &str) -> String {
    let bytes = escaped.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes the view's folded stacks: parents before children, siblings by
/// name; stacks whose value is zero are left out. Every stack is written
/// (no pruning); values are exact, negative ones included.
pub fn write_folded(
    view: &ExportView<'_>,
    out: &mut dyn Write,
) -> Result<ExportStats, ExportError> {
    let set = StackSet::collect(view)?;
    let escaped = &set.escaped;
    let mut path = String::new();
    // Length of `path` up to each depth.
    let mut ends: Vec<usize> = vec![0];
    let mut stacks = 0usize;
    set.walk(&|_| true, usize::MAX, |v| {
        ends.truncate(v.depth);
        path.truncate(ends[v.depth - 1]);
        if v.depth > 1 {
            path.push(';');
        }
        path.push_str(&escaped[v.name as usize]);
        ends.push(path.len());
        if v.line.is_zero() {
            return Ok(());
        }
        stacks += 1;
        if set.diff {
            writeln!(out, "{path} {} {}", v.line.base, v.line.new)
        } else {
            writeln!(out, "{path} {}", v.line.new)
        }
    })?;
    out.flush()?;
    Ok(ExportStats {
        total: set.total,
        base_total: set.base_total,
        shown: set.shown.new,
        stacks,
        frames: 0,
    })
}

/// [`write_folded`] into a file, atomically (a temporary file renamed into place).
pub fn export_folded_file(view: &ExportView<'_>, path: &Path) -> Result<ExportStats, ExportError> {
    write_output(path, |out| write_folded(view, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_untouched() {
        for name in [
            "main.main",
            "main.(*Cache).Put",
            "main.hash leaky/main.go:80",
            "00000000004b84e9 main.hash leaky/main.go:80",
            "net/http.(*conn).serve",
            "main.F[go.shape.int,go.shape.string]",
            "<unknown>",
            "a&b\"c'd",
        ] {
            assert!(matches!(escape_frame(name), Cow::Borrowed(_)), "{name}");
        }
    }

    #[test]
    fn separators_and_breaks_are_encoded() {
        assert_eq!(
            escape_frame("main.F[struct { a int; b int }]"),
            "main.F[struct { a int%3B b int }]"
        );
        assert_eq!(escape_frame("a\nb\r\tc"), "a%0Ab%0D%09c");
        assert_eq!(escape_frame("100%"), "100%25");
        assert_eq!(escape_frame(" lead"), "%20lead");
        assert_eq!(escape_frame("trail "), "trail%20");
        assert_eq!(escape_frame("f 12"), "f%2012");
        assert_eq!(escape_frame("f 1.5"), "f%201.5");
        assert_eq!(escape_frame("# comment"), "%23 comment");
        assert_eq!(escape_frame("a\u{2028}b"), "a%E2%80%A8b");
        // Bidi controls would reorder the line on a terminal.
        assert_eq!(escape_frame("gnp\u{202e}x"), "gnp%E2%80%AEx");
        assert_eq!(escape_frame("\u{2066}a"), "%E2%81%A6a");
        assert_eq!(escape_frame("\u{FFFF}"), "%EF%BF%BF");
    }

    #[test]
    fn unescape_inverts_escape() {
        for name in [
            "a;b", "x\n%y", " f 12 ", "# c;d", "plain", "é;\u{0}", "%zz", "%4",
        ] {
            assert_eq!(unescape_frame(&escape_frame(name)), name, "{name:?}");
        }
    }
}
