//! The JSON documents scripts consume. Field names and meanings are a
//! contract (see the README): fields may be added, never changed.

use serde_json::{Map, Value, json};

use crate::analysis::{Inlined, StackSite, Top};

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
