//! The `# runtime.MemStats` block at the end of a Go heap profile written
//! with `debug=1`: what `runtime.ReadMemStats` returned when the profile was
//! written, kept as the runtime named it.

/// One MemStats value, typed as Go's field is.
#[derive(Debug, Clone, PartialEq)]
pub enum MemValue {
    /// Go's `uint64` / `uint32` fields.
    Int(u64),
    /// `GCCPUFraction`.
    Float(f64),
    /// `DebugGC`, `EnableGC`.
    Bool(bool),
    /// `PauseNs`, `PauseEnd`: circular buffers of the last 256 GCs.
    Ints(Vec<u64>),
}

/// The runtime's own memory statistics, in the order the profile lists
/// them, under Go's field names (`Stack = a / b` becomes `StackInuse` and
/// `StackSys`, as in `runtime.MemStats`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemStats {
    pub fields: Vec<(String, MemValue)>,
}

/// How a protobuf profile carries MemStats: one comment, this prefix then
/// the fields as one JSON object under Go's names (integers as integers),
/// e.g. `# runtime.MemStats {"Alloc":4771024,…,"GCCPUFraction":0.0029}`.
/// pprof prints no comment that starts with `#` in its reports, so `go tool
/// pprof -top` on such a file prints what it printed without it.
pub const COMMENT_PREFIX: &str = "# runtime.MemStats ";

/// The most fields and array entries kept: the runtime writes about 30
/// fields and 256-entry arrays; more is not a Go profile.
const MAX_FIELDS: usize = 256;
const MAX_ARRAY: usize = 4096;

impl MemStats {
    /// The value named `name`.
    pub fn value(&self, name: &str) -> Option<&MemValue> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// An integer field (`HeapInuse`, `NumGC` …).
    pub fn int(&self, name: &str) -> Option<u64> {
        match self.value(name)? {
            MemValue::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// A float field (`GCCPUFraction`).
    pub fn float(&self, name: &str) -> Option<f64> {
        match self.value(name)? {
            MemValue::Float(v) => Some(*v),
            MemValue::Int(v) => Some(*v as f64),
            _ => None,
        }
    }

    /// The most recent GC pause: `PauseNs[(NumGC+255)%256]`, as the
    /// runtime's documentation says to read it; `None` before the first GC.
    pub fn last_pause_ns(&self) -> Option<u64> {
        let gcs = self.int("NumGC")?;
        let MemValue::Ints(pauses) = self.value("PauseNs")? else {
            return None;
        };
        if gcs == 0 || pauses.is_empty() {
            return None;
        }
        let i = (gcs + pauses.len() as u64 - 1) % pauses.len() as u64;
        pauses.get(i as usize).copied()
    }

    /// The comment that carries these stats in a protobuf profile
    /// ([`COMMENT_PREFIX`]).
    pub fn to_comment(&self) -> String {
        let object: serde_json::Map<String, serde_json::Value> = self
            .fields
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    MemValue::Int(v) => serde_json::Value::from(*v),
                    MemValue::Float(v) => serde_json::Value::from(*v),
                    MemValue::Bool(v) => serde_json::Value::from(*v),
                    MemValue::Ints(v) => serde_json::Value::from(v.as_slice()),
                };
                (name.clone(), value)
            })
            .collect();
        format!("{COMMENT_PREFIX}{}", serde_json::Value::Object(object))
    }

    /// Reads back what [`MemStats::to_comment`] wrote; `None` for any other
    /// comment. Fields of shapes it does not know are skipped, as in the
    /// text block.
    pub fn from_comment(comment: &str) -> Option<MemStats> {
        let json = comment.strip_prefix(COMMENT_PREFIX)?;
        let serde_json::Value::Object(object) = serde_json::from_str(json).ok()? else {
            return None;
        };
        let fields = object
            .into_iter()
            .take(MAX_FIELDS)
            .filter_map(|(name, value)| {
                let value = match value {
                    serde_json::Value::Bool(b) => MemValue::Bool(b),
                    serde_json::Value::Number(n) => match n.as_u64() {
                        Some(i) => MemValue::Int(i),
                        None => MemValue::Float(n.as_f64()?),
                    },
                    serde_json::Value::Array(list) => MemValue::Ints(
                        list.iter()
                            .take(MAX_ARRAY)
                            .map(serde_json::Value::as_u64)
                            .collect::<Option<_>>()?,
                    ),
                    _ => return None,
                };
                Some((name, value))
            })
            .collect();
        Some(MemStats { fields })
    }

    /// Reads one `# Name = value` line of the block (without the `#`).
    /// Lines it does not understand are skipped: the block is metadata,
    /// and a newer runtime may add fields of new shapes.
    pub(super) fn add_line(&mut self, line: &str) {
        if self.fields.len() >= MAX_FIELDS {
            return;
        }
        let Some((name, value)) = line.split_once('=') else {
            return;
        };
        let name = name.trim();
        let value = value.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return;
        }
        if let Some(list) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            let ints: Option<Vec<u64>> = list
                .split_whitespace()
                .take(MAX_ARRAY)
                .map(|v| v.parse().ok())
                .collect();
            if let Some(ints) = ints {
                self.fields.push((name.to_owned(), MemValue::Ints(ints)));
            }
            return;
        }
        // `Stack = 327680 / 327680`: Go's StackInuse and StackSys.
        if let Some((inuse, sys)) = value.split_once('/') {
            if let (Ok(inuse), Ok(sys)) = (inuse.trim().parse(), sys.trim().parse()) {
                self.fields
                    .push((format!("{name}Inuse"), MemValue::Int(inuse)));
                self.fields.push((format!("{name}Sys"), MemValue::Int(sys)));
            }
            return;
        }
        let typed = match value {
            "true" => Some(MemValue::Bool(true)),
            "false" => Some(MemValue::Bool(false)),
            _ if name == "GCCPUFraction" => value.parse().ok().map(MemValue::Float),
            _ => match value.parse() {
                Ok(v) => Some(MemValue::Int(v)),
                Err(_) => value.parse().ok().map(MemValue::Float),
            },
        };
        if let Some(v) = typed {
            self.fields.push((name.to_owned(), v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_go_names_and_types() {
        let mut m = MemStats::default();
        for line in [
            "HeapInuse = 3383296",
            "Stack = 327680 / 327680",
            "PauseNs = [72337 30745 0]",
            "NumGC = 2",
            "GCCPUFraction = 0.021446482404707336",
            "DebugGC = false",
            "Bogus line",
            "Weird = x / y",
        ] {
            m.add_line(line);
        }
        assert_eq!(m.int("HeapInuse"), Some(3383296));
        assert_eq!(m.int("StackInuse"), Some(327680));
        assert_eq!(m.int("StackSys"), Some(327680));
        assert_eq!(m.float("GCCPUFraction"), Some(0.021446482404707336));
        assert_eq!(m.value("DebugGC"), Some(&MemValue::Bool(false)));
        assert_eq!(m.last_pause_ns(), Some(30745));
        assert_eq!(m.fields.len(), 7);
        // The comment form keeps names, order and types.
        let comment = m.to_comment();
        assert!(
            comment.starts_with(r#"# runtime.MemStats {"HeapInuse":3383296,"StackInuse":327680,"#),
            "{comment}"
        );
        assert_eq!(MemStats::from_comment(&comment), Some(m));
        let zero = MemStats {
            fields: vec![("GCCPUFraction".to_owned(), MemValue::Float(0.0))],
        };
        assert_eq!(MemStats::from_comment(&zero.to_comment()), Some(zero));
        assert_eq!(MemStats::from_comment("# runtime.MemStats [1]"), None);
        assert_eq!(MemStats::from_comment("runtime.MemStats {}"), None);
    }
}
