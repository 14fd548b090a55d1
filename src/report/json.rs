//! The JSON documents scripts consume. Field names and meanings are a
//! contract (see the README): fields may be added, never changed.

use serde_json::json;

use crate::analysis::Top;

/// `top --format json`: sample type, total and rows with exact integers.
pub fn top_json(top: &Top) -> serde_json::Value {
    json!({
        "sample_type": {"type": top.sample_type.name, "unit": top.sample_type.unit},
        "total": top.total,
        "rows": top.rows.iter().map(|r| json!({
            "name": r.name,
            "flat": r.flat,
            "cum": r.cum,
            "inline": r.inlined.suffix().trim().trim_matches(|c| c == '(' || c == ')'),
        })).collect::<Vec<_>>(),
    })
}
