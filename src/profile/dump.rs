//! Goroutine dumps: the text of `/debug/pprof/goroutine?debug=2` (and of
//! `goroutineleak?debug=2`), which is also what a Go program prints when it
//! panics or gets SIGQUIT (`GOTRACEBACK=all`). pprof cannot read them; here
//! they become a goroutine profile like the proto one, with what the proto
//! lacks kept as labels.
//!
//! Each goroutine is one sample of value 1 (`goroutine/count`). Its frames,
//! leaf first as printed, become locations (function, file, line; the
//! arguments `(0x1, …)` and `+0x…`/`fp=`/`sp=`/`pc=` dropped; a trailing
//! `runtime.goexit`, printed only at `GOTRACEBACK=system`, too, so dumps at
//! every level group alike). Its header gives the labels:
//!
//! - `state`: the wait reason or status (`chan receive`, `select`, `running`);
//! - `wait`: minutes waited, numeric, 0 when the header shows none;
//! - `leaked`: `true` when the runtime proved the goroutine leaked;
//! - `created_by`: the function that started it;
//! - each pprof label of the goroutine (`{route: /login}`) under its own key.
//!
//! Anything outside goroutine blocks (a panic message, `SIGQUIT: quit`, a
//! register dump) is skipped; the first such line becomes the profile's
//! comment. Lines are read one at a time with no recursion; memory grows
//! with the input (itself capped by the decode limit).

use foldhash::HashMap;

use super::error::ProfileError;
use super::interner::Interner;
use super::model::{
    Function, FunctionId, Label, Line, Location, Profile, Samples, StrId, ValueType,
};

/// Label keys the reader sets from a goroutine's header.
pub const STATE: &str = "state";
pub const WAIT: &str = "wait";
pub const LEAKED: &str = "leaked";
pub const CREATED_BY: &str = "created_by";

/// First lines of a crash's output before its goroutines (the runtime's
/// `panic: `, `fatal error: `, and signal names such as `SIGQUIT: quit`).
const CRASH_STARTS: [&str; 4] = [
    "panic: ",
    "fatal error: ",
    "SIG",
    "unexpected fault address",
];

/// Whether the text is a goroutine dump: its first line is a goroutine
/// header, or a crash's first line with a goroutine header below it.
pub(crate) fn looks_like_dump(text: &[u8]) -> bool {
    let mut lines = text
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let Some(first) = lines.find(|l| !l.iter().all(u8::is_ascii_whitespace)) else {
        return false;
    };
    let first = String::from_utf8_lossy(first);
    if parse_header(&first).is_some() {
        return true;
    }
    CRASH_STARTS.iter().any(|s| first.starts_with(s))
        && lines.any(|l| parse_header(&String::from_utf8_lossy(l)).is_some())
}

/// A goroutine's header line, `goroutine 7 [chan receive, 3 minutes] {k: v}:`.
#[derive(Debug, PartialEq)]
struct Header {
    state: String,
    wait_minutes: i64,
    leaked: bool,
    labels: Vec<(String, String)>,
}

fn parse_header(line: &str) -> Option<Header> {
    let rest = line.strip_prefix("goroutine ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    // ` gp=0x… m=… mp=0x…` at GOTRACEBACK=system and when crashing.
    let open = rest.find(" [")?;
    let status_end = open + 2 + rest[open + 2..].find(']')?;
    let status = &rest[open + 2..status_end];
    let after = rest[status_end + 1..].trim_end();
    let labels = match after {
        ":" => Vec::new(),
        _ => parse_labels(after.strip_prefix(" {")?.strip_suffix("}:")?)?,
    };
    let mut parts = status.split(", ");
    let mut state = parts.next()?.to_owned();
    let mut leaked = false;
    // Status flags the runtime appends after the state.
    for (flag, is_leak) in [(" (scan)", false), (" (leaked)", true)] {
        if let Some(s) = state.strip_suffix(flag) {
            state = s.to_owned();
            leaked |= is_leak;
        }
    }
    let mut wait_minutes = 0;
    for part in parts {
        if let Some(n) = part.strip_suffix(" minutes") {
            wait_minutes = n.parse().ok()?;
        }
    }
    Some(Header {
        state,
        wait_minutes,
        leaked,
        labels,
    })
}

/// The inside of `{route: /login, tenant: "acme corp"}`: keys and values
/// bare, or quoted by the runtime's `printquoted` when they hold anything
/// but letters, digits, `.`, `/` and `_`.
fn parse_labels(mut s: &str) -> Option<Vec<(String, String)>> {
    let mut labels = Vec::new();
    while !s.is_empty() {
        let (key, rest) = label_token(s, ':')?;
        let rest = rest.strip_prefix(": ")?;
        let (value, rest) = label_token(rest, ',')?;
        labels.push((key, value));
        s = match rest.strip_prefix(", ") {
            Some(r) if !r.is_empty() => r,
            Some(_) => return None,
            None if rest.is_empty() => rest,
            None => return None,
        };
    }
    Some(labels)
}

/// One key or value and what follows it: quoted, or bare up to `end`.
fn label_token(s: &str, end: char) -> Option<(String, &str)> {
    let Some(quoted) = s.strip_prefix('"') else {
        let stop = s.find(end).unwrap_or(s.len());
        return Some((s[..stop].to_owned(), &s[stop..]));
    };
    let mut bytes = Vec::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                return Some((text, &quoted[i + 1..]));
            }
            '\\' => {
                let (_, e) = chars.next()?;
                let hex = |chars: &mut std::str::CharIndices, n: usize| -> Option<u32> {
                    let mut v = 0u32;
                    for _ in 0..n {
                        v = v * 16 + chars.next()?.1.to_digit(16)?;
                    }
                    Some(v)
                };
                match e {
                    'n' => bytes.push(b'\n'),
                    'r' => bytes.push(b'\r'),
                    't' => bytes.push(b'\t'),
                    '\\' | '"' => bytes.push(e as u8),
                    // A byte: a lone one is invalid UTF-8, shown replaced.
                    'x' => bytes.push(u8::try_from(hex(&mut chars, 2)?).ok()?),
                    'u' | 'U' => {
                        let n = if e == 'u' { 4 } else { 8 };
                        let c = char::from_u32(hex(&mut chars, n)?)
                            .unwrap_or(char::REPLACEMENT_CHARACTER);
                        bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    }
                    _ => return None,
                }
            }
            c => bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    None
}

/// A frame's function: the call line without its arguments.
fn function_name(line: &str) -> &str {
    let line = line.trim_end();
    if line.ends_with(')')
        && let Some(open) = line.rfind('(')
        && open > 0
    {
        return &line[..open];
    }
    line
}

/// A frame's position line, `\tfile.go:12 +0x1f fp=… sp=… pc=…`.
fn position(line: &str) -> (&str, i64) {
    let mut rest = line.trim();
    while let Some((head, last)) = rest.rsplit_once(' ') {
        let noise =
            last.starts_with("+0x") || ["fp=", "sp=", "pc="].iter().any(|p| last.starts_with(p));
        if !noise {
            break;
        }
        rest = head;
    }
    match rest.rsplit_once(':') {
        Some((file, n)) => match n.parse() {
            Ok(n) => (file, n),
            Err(_) => (rest, 0),
        },
        None => (rest, 0),
    }
}

/// One goroutine being read.
struct Goroutine {
    header: Header,
    /// (function, file, line), leaf first.
    frames: Vec<(String, String, i64)>,
    created_by: Option<String>,
}

/// Parses a dump, detected by [`looks_like_dump`].
pub(crate) fn parse(text: &[u8]) -> Result<Profile, ProfileError> {
    let mut b = Builder::new()?;
    let mut comment: Option<String> = None;
    let mut current: Option<Goroutine> = None;
    // The next tab-indented line is the position of this: a frame
    // (`true`) or the `created by` call (`false`).
    let mut awaiting: Option<bool> = None;
    for (n, raw) in text.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = String::from_utf8_lossy(raw);
        if line.starts_with("goroutine ") {
            let header = parse_header(&line).ok_or_else(|| ProfileError::Legacy {
                line: n + 1,
                message: format!(
                    "malformed goroutine header '{}'",
                    super::legacy::quote(&line)
                ),
            })?;
            if let Some(g) = current.take() {
                b.add(g)?;
            }
            current = Some(Goroutine {
                header,
                frames: Vec::new(),
                created_by: None,
            });
            awaiting = None;
            continue;
        }
        if line.trim().is_empty() {
            // A blank line ends the goroutine; what follows until the next
            // header (a register dump, `exit status 2`) is not ours.
            if let Some(g) = current.take() {
                b.add(g)?;
            }
            continue;
        }
        let Some(g) = current.as_mut() else {
            if comment.is_none() {
                // A panic's message, as written (shown escaped); long
                // messages are cut.
                comment = Some(line.trim().chars().take(300).collect());
            }
            continue;
        };
        if let Some(pos) = line.strip_prefix('\t') {
            // Otherwise the creator's position, or `goroutine running on
            // other thread; stack unavailable`: no frame.
            if awaiting.take() == Some(true)
                && let Some(frame) = g.frames.last_mut()
            {
                let (file, n) = position(pos);
                frame.1 = file.to_owned();
                frame.2 = n;
            }
            continue;
        }
        if line.starts_with("...") {
            // `...additional frames elided...`, `...N frames elided...`:
            // the dump left frames out; the stack goes on (or ends) as printed.
            continue;
        }
        if let Some(creator) = line.strip_prefix("created by ") {
            let creator = creator.split(" in goroutine ").next().unwrap_or(creator);
            g.created_by = Some(creator.trim().to_owned());
            awaiting = Some(false);
            continue;
        }
        g.frames
            .push((function_name(&line).to_owned(), String::new(), 0));
        awaiting = Some(true);
    }
    if let Some(g) = current.take() {
        b.add(g)?;
    }
    b.finish(comment)
}

/// Builds the profile, interning strings, functions and locations.
struct Builder {
    strings: Interner,
    functions: Vec<Function>,
    function_index: HashMap<(StrId, StrId), FunctionId>,
    locations: Vec<Location>,
    lines: Vec<Line>,
    /// Seeded at random, as the interner is: line numbers are the dump's
    /// to choose.
    location_index: HashMap<(FunctionId, i64), u32>,
    stack_ends: Vec<usize>,
    frames: Vec<u32>,
    values: Vec<i64>,
    label_ends: Vec<usize>,
    labels: Vec<Label>,
    keys: [StrId; 4],
    true_: StrId,
}

impl Builder {
    fn new() -> Result<Builder, ProfileError> {
        let mut b = Builder {
            strings: Interner::new()?,
            functions: Vec::new(),
            function_index: HashMap::default(),
            locations: Vec::new(),
            lines: Vec::new(),
            location_index: HashMap::default(),
            stack_ends: Vec::new(),
            frames: Vec::new(),
            values: Vec::new(),
            label_ends: Vec::new(),
            labels: Vec::new(),
            keys: [StrId(0); 4],
            true_: StrId(0),
        };
        b.keys = [
            b.intern(STATE)?,
            b.intern(WAIT)?,
            b.intern(LEAKED)?,
            b.intern(CREATED_BY)?,
        ];
        b.true_ = b.intern("true")?;
        Ok(b)
    }

    fn intern(&mut self, s: &str) -> Result<StrId, ProfileError> {
        self.strings.intern(s)
    }

    fn location(&mut self, function: &str, file: &str, line: i64) -> Result<u32, ProfileError> {
        let name = self.intern(function)?;
        let filename = self.intern(file)?;
        let next = FunctionId::at(self.functions.len())?;
        let f = *self.function_index.entry((name, filename)).or_insert(next);
        if f == next {
            self.functions.push(Function {
                id: next.index() as u64 + 1,
                name,
                system_name: name,
                filename,
                start_line: 0,
            });
        }
        if let Some(&l) = self.location_index.get(&(f, line)) {
            return Ok(l);
        }
        if self.locations.len() + self.lines.len() >= super::MAX_FRAMES {
            return Err(ProfileError::TooMany {
                what: "locations and lines",
                max: super::MAX_FRAMES,
            });
        }
        let l = self.locations.len() as u32;
        self.lines.push(Line {
            function: Some(f),
            line,
        });
        self.locations.push(Location {
            mapping: None,
            address: 0,
            lines: l..l + 1,
            is_folded: false,
        });
        self.location_index.insert((f, line), l);
        Ok(l)
    }

    fn add(&mut self, mut g: Goroutine) -> Result<(), ProfileError> {
        if g.frames
            .last()
            .is_some_and(|f| f.0 == "runtime.goexit" && g.frames.len() > 1)
        {
            g.frames.pop();
        }
        for (function, file, line) in &g.frames {
            let l = self.location(function, file, *line)?;
            self.frames.push(l);
        }
        self.stack_ends.push(self.frames.len());
        self.values.push(1);
        let [state, wait, leaked, created_by] = self.keys;
        let state_value = self.intern(&g.header.state)?;
        self.labels.push(Label {
            key: state,
            str: state_value,
            num: 0,
            num_unit: StrId(0),
        });
        self.labels.push(Label {
            key: wait,
            str: StrId(0),
            num: g.header.wait_minutes,
            num_unit: StrId(0),
        });
        if g.header.leaked {
            self.labels.push(Label {
                key: leaked,
                str: self.true_,
                num: 0,
                num_unit: StrId(0),
            });
        }
        if let Some(creator) = &g.created_by {
            let creator = self.intern(creator)?;
            self.labels.push(Label {
                key: created_by,
                str: creator,
                num: 0,
                num_unit: StrId(0),
            });
        }
        for (k, v) in &g.header.labels {
            let (key, str) = (self.intern(k)?, self.intern(v)?);
            self.labels.push(Label {
                key,
                str,
                num: 0,
                num_unit: StrId(0),
            });
        }
        self.label_ends.push(self.labels.len());
        Ok(())
    }

    fn finish(mut self, comment: Option<String>) -> Result<Profile, ProfileError> {
        let comments = match comment {
            Some(c) => vec![self.intern(&c)?],
            None => Vec::new(),
        };
        let count = ValueType {
            name: "goroutine".to_owned(),
            unit: "count".to_owned(),
        };
        Ok(Profile {
            sample_types: vec![count.clone()],
            default_sample_type: None,
            period_type: Some(count),
            period: 1,
            time_nanos: 0,
            duration_nanos: 0,
            comments,
            drop_frames: None,
            keep_frames: None,
            mappings: Vec::new(),
            functions: self.functions,
            locations: self.locations,
            lines: self.lines,
            columns: Vec::new(),
            samples: Samples::new(
                1,
                self.stack_ends,
                self.frames,
                self.values,
                self.label_ends,
                self.labels,
            ),
            strings: self.strings.into_table(),
            memstats: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_give_state_wait_leak_and_labels() {
        let h = parse_header(
            "goroutine 14 [chan receive, 47 minutes] {route: /login, tenant: \"acme corp\"}:",
        )
        .unwrap();
        assert_eq!(h.state, "chan receive");
        assert_eq!(h.wait_minutes, 47);
        assert!(!h.leaked);
        assert_eq!(
            h.labels,
            [
                ("route".to_owned(), "/login".to_owned()),
                ("tenant".to_owned(), "acme corp".to_owned())
            ]
        );
        let h = parse_header("goroutine 99 [chan receive (leaked)]:").unwrap();
        assert_eq!(
            (h.state.as_str(), h.leaked, h.wait_minutes),
            ("chan receive", true, 0)
        );
        // GOTRACEBACK=system adds gp/m; the state may hold parentheses.
        let h = parse_header(
            "goroutine 1 gp=0x40912d961e0 m=nil [select (no cases), 3 minutes, locked to thread]:",
        )
        .unwrap();
        assert_eq!((h.state.as_str(), h.wait_minutes), ("select (no cases)", 3));
        for bad in [
            "goroutine x [running]:",
            "goroutine 1 running:",
            "goroutine 1 [running]",
            "goroutine 1 [running] {a: b",
            "goroutine 1 [running] {a}:",
            "goroutine 1 [running, x minutes]:",
        ] {
            assert_eq!(parse_header(bad), None, "{bad}");
        }
    }

    #[test]
    fn quoted_labels_are_unquoted_as_the_runtime_quotes_them() {
        let labels = parse_labels(r#""a b": "x\"y\\z\n\x1b[2J\u00e9\U0001F600", k: v"#).unwrap();
        assert_eq!(labels[0].0, "a b");
        assert_eq!(labels[0].1, "x\"y\\z\n\u{1b}[2J\u{e9}\u{1F600}");
        assert_eq!(labels[1], ("k".to_owned(), "v".to_owned()));
        // A lone escaped byte is invalid UTF-8: replaced, not trusted.
        assert_eq!(parse_labels(r#"k: "\xff""#).unwrap()[0].1, "\u{fffd}");
        for bad in [r#"k: "open"#, r#"k: "\q""#, "k: v, ", "k v", r#"k: "\u12""#] {
            assert_eq!(parse_labels(bad), None, "{bad}");
        }
    }

    #[test]
    fn frames_lose_arguments_and_offsets() {
        assert_eq!(function_name("main.(*T).m(0x1, {0x2, 0x3})"), "main.(*T).m");
        assert_eq!(function_name("main.awaitToken(...)"), "main.awaitToken");
        assert_eq!(function_name("non-Go function"), "non-Go function");
        assert_eq!(
            position("\tmain.go:12 +0x1f fp=0x1 sp=0x2 pc=0x3"),
            ("main.go", 12)
        );
        assert_eq!(position("\t/my dir/x.go:7"), ("/my dir/x.go", 7));
        assert_eq!(position("\tpc=0x4"), ("pc=0x4", 0));
    }

    fn labels(p: &Profile, i: usize) -> Vec<(String, String)> {
        p.samples()
            .labels(i)
            .iter()
            .map(|l| {
                let v = if l.str == StrId(0) {
                    l.num.to_string()
                } else {
                    p.string(l.str).to_owned()
                };
                (p.string(l.key).to_owned(), v)
            })
            .collect()
    }

    #[test]
    fn a_traceback_reads_into_one_sample_per_goroutine() {
        let text = "panic: boom\n\n\
            goroutine 1 [running]:\n\
            main.main()\n\t/src/main.go:9 +0x1d\n\n\
            exit status 2\n\n\
            goroutine 7 [chan send, 2 minutes] {route: /a}:\n\
            main.worker(...)\n\t/src/main.go:4\n\
            ...additional frames elided...\n\
            created by main.main in goroutine 1\n\t/src/main.go:8 +0x25\n\n\
            goroutine 8 [running]:\n\tgoroutine running on other thread; stack unavailable\n\
            created by main.main in goroutine 1\n\t/src/main.go:8 +0x25\n";
        assert!(looks_like_dump(text.as_bytes()));
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!(p.samples().len(), 3);
        assert_eq!(p.string(p.comments[0]), "panic: boom");
        assert_eq!(
            labels(&p, 1),
            [
                ("state", "chan send"),
                ("wait", "2"),
                ("created_by", "main.main"),
                ("route", "/a")
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(p.samples().stack(0).count(), 1, "exit status is no frame");
        assert_eq!(p.samples().stack(2).count(), 0, "stack unavailable");
        let leaf = p.samples().stack(1).next().unwrap();
        let line = p.lines(p.location(leaf))[0];
        let f = p.function(line.function.unwrap());
        assert_eq!(
            (p.string(f.name), p.string(f.filename), line.line),
            ("main.worker", "/src/main.go", 4)
        );
    }

    #[test]
    fn only_dumps_are_taken_for_dumps() {
        assert!(looks_like_dump(b"\ngoroutine 1 [running]:\nmain.main()\n"));
        assert!(looks_like_dump(
            b"SIGQUIT: quit\nPC=0x1 m=0\n\ngoroutine 0 gp=0x1 m=0 mp=0x2 [idle]:\n"
        ));
        assert!(!looks_like_dump(b"goroutine profile: total 3\n"));
        assert!(!looks_like_dump(b"panic: but no goroutines\n"));
        assert!(!looks_like_dump(b"hello\ngoroutine 1 [running]:\n"));
        // A malformed header in a dump is an error naming its line.
        let err = parse(b"goroutine 1 [running]:\nmain.main()\n\ngoroutine 2 [x\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 4: malformed goroutine header 'goroutine 2 [x'"
        );
    }
}
