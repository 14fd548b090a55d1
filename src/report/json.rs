//! The JSON documents scripts consume. Field names and meanings are a
//! contract (docs/json.md): fields may be added, never changed.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::analysis::signatures::Signature;
use crate::analysis::{Inlined, StackSite, Top};
use crate::profile::{MemStats, MemValue};

/// Writes `value` as one line of JSON. The JSON is exact, and safe to print
/// on a terminal: besides the control characters JSON itself escapes, DEL,
/// C1 controls and bidi controls from profile strings are written as
/// `\u` escapes, which every JSON reader decodes to the same string.
pub fn write_json(out: &mut dyn Write, value: &Value) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, TerminalSafeJson);
    serde::Serialize::serialize(value, &mut serializer).map_err(io::Error::from)?;
    writeln!(out)
}

/// Writes the object `head` with one more field last, `"rows": [...]`,
/// one row at a time: what [`write_json`] writes of `head` with the rows
/// inserted last, without holding them all as JSON values at once (a
/// long watch's trend has thousands of rows, each with a value per
/// snapshot, and as one document they took several times the ranking's
/// memory).
pub fn write_json_with_rows(
    out: &mut dyn Write,
    head: &Value,
    rows: impl Iterator<Item = Value>,
) -> io::Result<()> {
    let mut opening = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut opening, TerminalSafeJson);
    serde::Serialize::serialize(head, &mut serializer).map_err(io::Error::from)?;
    // `{…}` without its closing brace; `{}` has no field to follow.
    let fields = match opening.as_slice() {
        [b'{', b'}'] => &opening[..1],
        [b'{', .., b'}'] => &opening[..opening.len() - 1],
        _ => return Err(io::Error::other("a JSON report's head must be an object")),
    };
    out.write_all(fields)?;
    out.write_all(if fields.len() > 1 {
        b",\"rows\":["
    } else {
        b"\"rows\":["
    })?;
    for (i, row) in rows.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        let mut serializer = serde_json::Serializer::with_formatter(&mut *out, TerminalSafeJson);
        serde::Serialize::serialize(&row, &mut serializer).map_err(io::Error::from)?;
    }
    writeln!(out, "]}}")
}

/// serde_json's compact format, with more characters escaped (see [`write_json`]).
struct TerminalSafeJson;

impl serde_json::ser::Formatter for TerminalSafeJson {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if crate::safe_text::is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// `top --format json`: sample type, total and rows with exact integers.
pub fn top_json(top: &Top) -> serde_json::Value {
    json!({
        "sample_type": {"type": top.sample_type.name, "unit": top.sample_type.unit},
        "total": top.total,
        "rows": top.rows.iter().map(|r| {
            let mut row = json!({
                "name": r.name,
                "flat": r.flat,
                "cum": r.cum,
                "inline": inline(r.inlined),
            });
            add_stack(&mut row, r.stack.as_ref());
            row
        }).collect::<Vec<_>>(),
    })
}

/// `"memstats": {"HeapInuse": 45678592, "NumGC": 12, "GCCPUFraction":
/// 0.0021, …}`: every field under Go's name, integers as integers.
pub fn memstats_json(stats: &MemStats) -> Value {
    let mut map = Map::new();
    for (name, value) in &stats.fields {
        let v = match value {
            MemValue::Int(i) => json!(i),
            MemValue::Float(f) => json!(f),
            MemValue::Bool(b) => json!(b),
            MemValue::Ints(list) => json!(list),
        };
        map.insert(name.clone(), v);
    }
    Value::Object(map)
}

/// The `inline` field: `""`, `"inline"` or `"partial-inline"`.
pub(crate) fn inline(inlined: Inlined) -> &'static str {
    inlined
        .suffix()
        .trim()
        .trim_matches(|c| c == '(' || c == ')')
}

/// For whole-stack rows: `site` (the function that names the stack), `wait`
/// (the runtime frames under it, leaf first) and `stack` (all frames, leaf
/// first).
/// The `signature` field of a row: its id, name, explanation and fix
/// (`null` when the row matches no catalogue entry).
pub(crate) fn signature_json(signature: Option<&Signature>) -> Value {
    signature.map_or(
        Value::Null,
        |s| json!({"id": s.id, "name": s.name, "explanation": s.explanation, "fix": s.fix}),
    )
}

pub(crate) fn add_stack(row: &mut Value, stack: Option<&StackSite>) {
    let (Some(stack), Some(object)) = (stack, row.as_object_mut()) else {
        return;
    };
    let mut extra = Map::new();
    extra.insert("site".to_owned(), json!(stack.name()));
    extra.insert("wait".to_owned(), json!(stack.wait()));
    extra.insert("stack".to_owned(), json!(stack.frames));
    object.extend(extra);
}

/// A time stamp as RFC 3339 (UTC), or null when the profile has none.
pub(crate) fn time(nanos: i64) -> Value {
    if nanos == 0 {
        return Value::Null;
    }
    jiff::Timestamp::from_nanosecond(i128::from(nanos))
        .map_or(Value::Null, |t| Value::String(t.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_written_one_at_a_time_are_the_document_written_whole() {
        let rows = [
            json!({"name": "a\u{1b}[2J", "values": [1, 2]}),
            json!({"name": "b"}),
        ];
        let head = json!({"sample_type": {"type": "inuse_space"}, "suspects": 1});
        let mut whole = head.clone();
        whole["rows"] = Value::Array(rows.to_vec());
        let (mut expected, mut streamed) = (Vec::new(), Vec::new());
        write_json(&mut expected, &whole).unwrap();
        write_json_with_rows(&mut streamed, &head, rows.iter().cloned()).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(expected).unwrap()
        );
        let mut empty = Vec::new();
        write_json_with_rows(&mut empty, &json!({}), std::iter::empty()).unwrap();
        assert_eq!(empty, b"{\"rows\":[]}\n");
    }

    #[test]
    fn json_escapes_terminal_controls_exactly() {
        let name = "a\u{1b}]0;t\u{7}\u{7f}\u{9b}\u{202e}é";
        let mut out = Vec::new();
        write_json(&mut out, &json!({ "name": name })).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "{\"name\":\"a\\u001b]0;t\\u0007\\u007f\\u009b\\u202eé\"}\n"
        );
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["name"], name);
    }
}
