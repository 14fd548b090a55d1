//! The JSON documents scripts consume. Field names and meanings are a
//! contract (docs/json.md): fields may be added, never changed.

use std::cell::RefCell;
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

/// A report's JSON object whose `rows` are made one at a time as they are
/// written, never held together: on a profile of a million functions, the
/// rows as one JSON value took several times the memory of the report.
pub struct RowsDoc<'a> {
    /// The object's other fields; its `rows` entry (null) says where the
    /// rows go.
    pub head: Value,
    rows: Box<dyn Iterator<Item = Value> + 'a>,
}

impl<'a> RowsDoc<'a> {
    /// `head` with a `rows` entry (null) where the rows go, and the rows.
    pub fn new(head: Value, rows: impl Iterator<Item = Value> + 'a) -> RowsDoc<'a> {
        RowsDoc {
            head,
            rows: Box::new(rows),
        }
    }

    /// The same document with `f` applied to each row as it is made.
    pub fn map_rows(self, f: impl FnMut(Value) -> Value + 'a) -> RowsDoc<'a> {
        RowsDoc {
            head: self.head,
            rows: Box::new(self.rows.map(f)),
        }
    }

    /// Writes the document as [`write_json`] writes a value (the same bytes
    /// as the whole value would give).
    pub fn write(self, out: &mut dyn Write) -> io::Result<()> {
        let Value::Object(head) = &self.head else {
            return write_json(out, &self.head);
        };
        let doc = StreamedDoc {
            head,
            rows: RefCell::new(Some(self.rows)),
        };
        let mut serializer = serde_json::Serializer::with_formatter(&mut *out, TerminalSafeJson);
        serde::Serialize::serialize(&doc, &mut serializer).map_err(io::Error::from)?;
        writeln!(out)
    }
}

/// A [`RowsDoc`] being written: the head's fields in order, the rows (once)
/// at its `rows` entry.
struct StreamedDoc<'d, 'a> {
    head: &'d Map<String, Value>,
    rows: RefCell<Option<Box<dyn Iterator<Item = Value> + 'a>>>,
}

impl serde::Serialize for StreamedDoc<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.head.len()))?;
        for (key, value) in self.head {
            if key == "rows"
                && let Some(rows) = self.rows.borrow_mut().take()
            {
                map.serialize_entry(key, &Rows(RefCell::new(Some(rows))))?;
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// Rows serialized as they are made.
struct Rows<'a>(RefCell<Option<Box<dyn Iterator<Item = Value> + 'a>>>);

impl serde::Serialize for Rows<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(None)?;
        if let Some(rows) = self.0.borrow_mut().take() {
            for row in rows {
                seq.serialize_element(&row)?;
            }
        }
        seq.end()
    }
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
pub fn top_json(top: &Top) -> RowsDoc<'_> {
    let head = json!({
        "sample_type": {"type": top.sample_type.name, "unit": top.sample_type.unit},
        "total": top.total,
        "rows": null,
    });
    RowsDoc::new(
        head,
        top.rows.iter().map(|r| {
            let mut row = json!({
                "name": r.name,
                "flat": r.flat,
                "cum": r.cum,
                "inline": inline(r.inlined),
            });
            add_stack(&mut row, r.stack.as_ref());
            row
        }),
    )
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
