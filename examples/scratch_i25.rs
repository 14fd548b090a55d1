use pprof_tui::profile::pb;
use prost::Message;
fn main() {
    let mk = |types: &[&str], default: &str, period_type: (&str, &str)| {
        let mut st = vec![String::new()];
        let mut s = |x: &str| -> i64 {
            if let Some(i) = st.iter().position(|t| t == x) {
                return i as i64;
            }
            st.push(x.to_owned());
            st.len() as i64 - 1
        };
        let sample_type: Vec<pb::ValueType> = types
            .iter()
            .map(|t| pb::ValueType {
                r#type: s(t),
                unit: s(if t.ends_with("space") {
                    "bytes"
                } else {
                    "count"
                }),
            })
            .collect();
        let fname = s("main.f");
        let pt = pb::ValueType {
            r#type: s(period_type.0),
            unit: s(period_type.1),
        };
        let d = if default.is_empty() { 0 } else { s(default) };
        pb::Profile {
            sample_type,
            sample: vec![pb::Sample {
                location_id: vec![1],
                value: (1..=types.len() as i64).map(|v| v * 1000).collect(),
                label: vec![],
            }],
            location: vec![pb::Location {
                id: 1,
                line: vec![pb::Line {
                    function_id: 1,
                    line: 1,
                    column: 0,
                }],
                ..Default::default()
            }],
            function: vec![pb::Function {
                id: 1,
                name: fname,
                system_name: fname,
                filename: 0,
                start_line: 0,
            }],
            string_table: st,
            period_type: Some(pt),
            period: 1,
            default_sample_type: d,
            ..Default::default()
        }
    };
    let a = mk(
        &[
            "alloc_objects",
            "alloc_space",
            "inuse_objects",
            "inuse_space",
        ],
        "",
        ("space", "bytes"),
    );
    let b = mk(&["alloc_space", "inuse_space"], "", ("space", "bytes"));
    let c = mk(&["alloc_space", "inuse_space"], "", ("cpu", "nanoseconds"));
    std::fs::write("/tmp/m_a.pb", a.encode_to_vec()).unwrap();
    std::fs::write("/tmp/m_b.pb", b.encode_to_vec()).unwrap();
    std::fs::write("/tmp/m_c.pb", c.encode_to_vec()).unwrap();
}
