//! The Go compiler's escape analysis (`go build -gcflags=-m` or `-m=2`),
//! read and joined with a profile's source lines.
//!
//! The compiler says *why* a value lives on the heap (`make([]byte, size)
//! escapes to heap`, `moved to heap: x`); a heap profile says *how much*
//! lives there and where it was allocated. This module parses the former
//! ([`Escapes::parse`]) and finds, for a profile's `file:line`, the messages
//! of that line ([`Join::lookup`]).
//!
//! The text is input: every line may be anything. Lines are bounded
//! ([`MAX_LINE`]), flows are capped per message ([`MAX_FLOW`]), and what does
//! not look like `path:line:col: message` is skipped and counted, never a
//! panic.
//!
//! Paths differ between the two sides: the build prints them relative to
//! where it ran (`./main.go`, `pkg/x/file.go`), the profile has them
//! absolute, module-relative or as `-trimpath` made them (`leaky/main.go`).
//! A profile file matches the build file with which it shares the longest
//! path suffix (by components), where one path must end with the whole of
//! the other; equally long matches are not guessed between. The function's
//! package must be the one the build compiled there (`# leaky` headers;
//! `main.` functions match any package). A stale build — the source changed
//! after it — is recognised by inlined calls: where the profile shows a call
//! to `f` inlined at line L and the build output says `inlining call to f`
//! only at other lines of that file, the lines moved, and no site of that
//! file is joined.

use foldhash::HashMap;

use crate::profile::Profile;

/// Longest line read; longer lines are skipped (and counted).
pub const MAX_LINE: usize = 64 * 1024;
/// Most flow lines kept with one message.
pub const MAX_FLOW: usize = 64;
/// Go < 1.20 does not say which function a closure belongs to: a captured
/// variable's closure is looked for this many lines after it.
const CLOSURE_REACH: u32 = 40;

/// Why a value is on the heap: where its flow ends, in one vocabulary (the
/// JSON `why` tags are [`Reason::label`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// The flow ends in a result (`~r0`, a `(return)` step): a pointer
    /// returned to the caller.
    Returned,
    /// The flow reaches `{heap}` by an assignment or an `append`: stored
    /// into a global, a map, a slice or an object already on the heap.
    Stored,
    /// A `(captured by a closure)` step: a variable the closure refers to.
    Captured,
    /// The storage goes straight to `{heap}` (a spill and nothing else): a
    /// closure or value handed to a `go` statement (or a deferred call in a
    /// loop), which outlives the frame.
    GoStatement,
    /// The value's own copy is made for an interface: an
    /// `(interface-converted)` step, or a `... argument` of a variadic
    /// `...any` call such as fmt's.
    Interface,
    /// A `(non-constant size)` step (Go ≤ 1.24), or a `make` Go ≥ 1.25 says
    /// "does not escape" on a line the profile shows on the heap: the
    /// stack copy is only for small sizes known at run time.
    NonConstantSize,
    /// A `(too large for stack)` step.
    TooLarge,
    /// The flow reaches `{heap}` as a `(call parameter)` of a call that
    /// keeps it (the callee's parameter leaks).
    Passed,
    /// No flow to read (plain `-m`), or one none of the above names.
    Unknown,
}

impl Reason {
    /// Every reason, for the docs.
    pub const ALL: [Reason; 9] = [
        Reason::Returned,
        Reason::Stored,
        Reason::Captured,
        Reason::GoStatement,
        Reason::Interface,
        Reason::NonConstantSize,
        Reason::TooLarge,
        Reason::Passed,
        Reason::Unknown,
    ];

    /// The tag scripts see (JSON `why`) and columns show.
    pub fn label(self) -> &'static str {
        match self {
            Reason::Returned => "returned",
            Reason::Stored => "stored",
            Reason::Captured => "captured",
            Reason::GoStatement => "go_statement",
            Reason::Interface => "interface",
            Reason::NonConstantSize => "non_constant_size",
            Reason::TooLarge => "too_large",
            Reason::Passed => "passed",
            Reason::Unknown => "escapes",
        }
    }

    /// The pattern in words.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::Returned => "returned to the caller as a pointer",
            Reason::Stored => "stored into a global, a map, a slice or an object on the heap",
            Reason::Captured => "captured by a closure that outlives the call",
            Reason::GoStatement => {
                "handed to a go statement (or a deferred call in a loop), which outlives the frame"
            }
            Reason::Interface => "copied into an interface (e.g. an argument to fmt)",
            Reason::NonConstantSize => "its size is known only at run time",
            Reason::TooLarge => "too large for the stack",
            Reason::Passed => "passed to a call that keeps it",
            Reason::Unknown => "the compiler output does not say why",
        }
    }

    /// One line of advice; `has_flows`: the compiler output was `-m=2`
    /// (then there is nothing more to build, and an unknown reason has no
    /// advice).
    pub fn advice(self, has_flows: bool) -> Option<&'static str> {
        Some(match self {
            Reason::Returned => {
                "returned as a pointer: return the value when it is small, or let the caller pass the memory in"
            }
            Reason::Stored => {
                "stored: it lives as long as the map, slice or global that holds it; bound that (eviction, a size cap, trimming)"
            }
            Reason::Captured => {
                "captured by a closure: pass the value to the closure as an argument, or keep the closure off the hot path"
            }
            Reason::GoStatement => {
                "handed to a goroutine: pass values as arguments, and make sure every goroutine returns"
            }
            Reason::Interface => {
                "boxed into an interface: avoid fmt and any arguments on hot paths (strconv.Append*, typed writers, a reused buffer)"
            }
            Reason::NonConstantSize => {
                "size known at run time: preallocate with a constant size when there is a bound, or reuse the buffer (sync.Pool, a caller-owned slice)"
            }
            Reason::TooLarge => {
                "too large for the stack: reuse it (sync.Pool, a long-lived buffer) or work in smaller pieces"
            }
            Reason::Passed => {
                "passed to a call that keeps it: pass it by value, or make sure the callee does not keep the pointer"
            }
            Reason::Unknown if has_flows => return None,
            Reason::Unknown => "build with -gcflags=-m=2 to see where it flows",
        })
    }
}

/// One copy of a message's flow: the compiler analyses a function once
/// where it is defined and once more in every function it is inlined into,
/// and Go ≥ 1.20 names that function (`… escapes to heap in caller:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowCopy {
    /// The function analysed, as the compiler prints it (`(*Cache).Put`,
    /// `spawn.func1`); `None` before Go 1.20 or without `-m=2`.
    pub function: Option<String>,
    /// The indented `flow:` / `from …` lines, trimmed (without the colon
    /// that ends a `flow:` line).
    pub flow: Vec<String>,
    pub reason: Reason,
}

/// One message that puts something on the heap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscapeMessage {
    /// Index into [`Escapes::files`].
    pub file: usize,
    pub line: u32,
    pub column: u32,
    /// As printed, e.g. `make([]byte, size) escapes to heap`.
    pub text: String,
    /// Its flows, one per analysed copy; one copy without a flow for `-m`.
    pub copies: Vec<FlowCopy>,
}

impl EscapeMessage {
    /// The first copy's reason.
    pub fn reason(&self) -> Reason {
        self.copies.first().map_or(Reason::Unknown, |c| c.reason)
    }
}

/// Where the build output declares or inlines a function.
#[derive(Debug, Clone)]
struct InlineCall {
    file: usize,
    line: u32,
    callee: String,
}

/// `F capturing by value: x` / `by ref`: a closure of F refers to a
/// variable declared at this position.
#[derive(Debug, Clone)]
struct Capture {
    file: usize,
    line: u32,
    function: String,
}

/// Parsed compiler output.
#[derive(Debug, Clone, Default)]
pub struct Escapes {
    /// Build paths, `./` removed, `/` separated.
    pub files: Vec<String>,
    /// The package each file was compiled in (`# path` headers), if said.
    packages: Vec<Option<String>>,
    /// Messages that put something on the heap, in file order.
    pub messages: Vec<EscapeMessage>,
    /// (file, line) → indices into `messages`.
    by_line: HashMap<(usize, u32), Vec<usize>>,
    /// `inlining call to f` messages.
    inline_calls: Vec<InlineCall>,
    /// `capturing by value|ref` messages (`-m=2`).
    captures: Vec<Capture>,
    /// Lines that did not look like compiler output (too long, no position).
    pub skipped_lines: usize,
    /// Some message came with an `-m=2` flow.
    pub has_flows: bool,
}

/// `path:line[:col]: rest`, or `None`.
fn split_position(line: &str) -> Option<(&str, u32, u32, &str)> {
    let bytes = line.as_bytes();
    // The end of the digits starting at `from`, if any.
    let digits = |from: usize| {
        let n = bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        (n > 0).then_some(from + n)
    };
    for (i, _) in line.match_indices(':').filter(|&(i, _)| i > 0) {
        let Some(line_end) = digits(i + 1) else {
            continue;
        };
        if bytes.get(line_end) != Some(&b':') {
            continue;
        }
        // A number too large for a line is no position at all.
        let number = line[i + 1..line_end].parse().ok()?;
        let (column, rest_at) = match digits(line_end + 1) {
            Some(col_end) if bytes.get(col_end) == Some(&b':') => {
                (line[line_end + 1..col_end].parse().ok()?, col_end + 1)
            }
            _ => (0, line_end + 1),
        };
        let rest = line.get(rest_at..)?;
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        return Some((&line[..i], number, column, rest));
    }
    None
}

/// `./a/b.go` → `a/b.go`; backslashes as slashes.
fn normalize(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut rest = path.as_str();
    while let Some(r) = rest.strip_prefix("./") {
        rest = r;
    }
    rest.to_owned()
}

const ESCAPES: &str = " escapes to heap";
const DOES_NOT_ESCAPE: &str = " does not escape";

/// What a plain message says about the heap: it puts its subject there
/// (`x escapes to heap`, `moved to heap: x`), or — for a `make` — keeps it
/// on the stack only when small (`make([]byte, n) does not escape`: Go ≥
/// 1.25 gives a make of run-time size a small stack buffer and calls the
/// heap above it). Other messages (`leaking param`, inlining) say nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeapMessage {
    Escapes,
    Moved,
    StackIfSmall,
}

fn heap_message(text: &str) -> Option<HeapMessage> {
    if text.ends_with(ESCAPES) {
        Some(HeapMessage::Escapes)
    } else if text.starts_with("moved to heap: ") {
        Some(HeapMessage::Moved)
    } else if text.starts_with("make(") && text.ends_with(DOES_NOT_ESCAPE) {
        Some(HeapMessage::StackIfSmall)
    } else {
        None
    }
}

/// A `-m=2` header: `x escapes to heap[ in F]` → (`x escapes to heap`, F).
fn split_header(header: &str) -> (&str, Option<&str>) {
    const IN: &str = " escapes to heap in ";
    match header.rfind(IN) {
        Some(at) => (
            &header[..at + ESCAPES.len()],
            Some(&header[at + IN.len()..]),
        ),
        None => (header, None),
    }
}

/// One `flow: dst ← src` step (Go ≥ 1.20 prints `←`, older `=`) and the
/// reasons of its `from … (why) at …` lines.
struct Step<'f> {
    dst: &'f str,
    src: &'f str,
    whys: Vec<&'f str>,
}

fn steps(flow: &[String]) -> Vec<Step<'_>> {
    let mut out: Vec<Step<'_>> = Vec::new();
    for line in flow {
        if let Some(edge) = line.strip_prefix("flow: ") {
            let (dst, src) = edge
                .split_once(" ← ")
                .or_else(|| edge.split_once(" = "))
                .unwrap_or((edge, ""));
            out.push(Step {
                dst: dst.trim(),
                src: src.trim(),
                whys: Vec::new(),
            });
        } else if let Some(from) = line.strip_prefix("from ") {
            // `from WHERE (WHY) at POS`: WHY is the last parenthesised part
            // before ` at `.
            let head = from.rsplit_once(" at ").map_or(from, |(h, _)| h);
            let why = head
                .strip_suffix(')')
                .and_then(|h| h.rfind(" (").map(|i| &h[i + 2..]));
            if let (Some(step), Some(why)) = (out.last_mut(), why) {
                step.whys.push(why);
            }
        }
    }
    out
}

/// Names the reason from the flow: its `(why)` notes and where it ends.
/// The expression's spelling is never read; a message without a flow is
/// [`Reason::Unknown`] (plain `-m`).
pub fn classify(flow: &[String]) -> Reason {
    let steps = steps(flow);
    let any = |why: &str| steps.iter().any(|s| s.whys.contains(&why));
    let Some(last) = steps.last() else {
        return Reason::Unknown;
    };
    if any("too large for stack") {
        return Reason::TooLarge;
    }
    if any("non-constant size") {
        return Reason::NonConstantSize;
    }
    if any("captured by a closure") {
        return Reason::Captured;
    }
    if last.dst.starts_with("~r") || any("return") {
        return Reason::Returned;
    }
    // The value's own copy (`&{storage for x}`) made into an element of a
    // variadic call's `... argument`: boxed for `...any`.
    let boxed = steps.first().is_some_and(|s| {
        s.dst == "{storage for ... argument}" && s.src.starts_with("&{storage for ")
    });
    if boxed || any("interface-converted") {
        return Reason::Interface;
    }
    if last.dst == "{heap}" {
        // Only a spill: nothing assigned it anywhere, the storage itself
        // went to the heap — what a go statement does with its closure.
        if steps.len() == 1 && last.whys.iter().all(|w| *w == "spill") {
            return Reason::GoStatement;
        }
        let into_append = flow.iter().any(|l| {
            l.strip_prefix("from append(")
                .is_some_and(|rest| rest.contains("(call parameter)"))
        });
        if into_append
            || last.whys.iter().any(|w| {
                matches!(
                    *w,
                    "assign" | "assign-pair" | "key of map put" | "value of map put" | "store"
                )
            })
        {
            return Reason::Stored;
        }
        if last.whys.contains(&"call parameter") {
            return Reason::Passed;
        }
    }
    // Into another object's storage (`{storage for &T{...}} ← x`) that is
    // itself on the heap.
    if last.dst.starts_with("{storage for ") {
        return Reason::Stored;
    }
    Reason::Unknown
}

/// A message's position and text: what ties a `-m=2` header and its flow
/// to the plain message printed after them.
type Key = (usize, u32, u32, String);
/// The copies of one message's flow: (function analysed, flow lines).
type Copies = Vec<(Option<String>, Vec<String>)>;

impl Escapes {
    /// A warning when the compiler output named `shown` held no escape
    /// messages (the build ran without `-m`, or the file is something else).
    pub fn empty_note(&self, shown: &str) -> Option<String> {
        self.messages.is_empty().then(|| {
            format!(
                "'{shown}' holds no escape analysis messages ('escapes to heap', 'moved to heap'); \
                 make it with go build -gcflags=-m=2 ./... 2> FILE"
            )
        })
    }

    /// Reads compiler output. Never fails: what cannot be read is skipped
    /// and counted in [`Escapes::skipped_lines`].
    pub fn parse(text: &str) -> Escapes {
        let mut out = Escapes::default();
        let mut file_ids: HashMap<String, usize> = HashMap::default();
        let mut package: Option<String> = None;
        // -m=2 prints a message with a trailing colon (Go ≥ 1.20: `… in
        // F:`), its flow, then the message again: flows wait here, one copy
        // per header.
        let mut flows: HashMap<Key, Copies> = HashMap::default();
        let mut open: Option<Key> = None;
        let mut plain: Vec<Key> = Vec::new();
        // `x escapes to heap in F:` headers, in order: Go prints no plain
        // message for a go statement's closure, only the header.
        let mut headers: Vec<Key> = Vec::new();
        for raw in text.lines() {
            if raw.len() > MAX_LINE {
                out.skipped_lines += 1;
                continue;
            }
            let raw = raw.trim_end_matches('\r');
            if let Some(header) = raw.strip_prefix("# ") {
                package = Some(header.trim().to_owned());
                continue;
            }
            if raw.trim().is_empty() {
                continue;
            }
            let Some((path, line, column, rest)) = split_position(raw) else {
                out.skipped_lines += 1;
                continue;
            };
            let path = normalize(path);
            let next = out.files.len();
            let file = *file_ids.entry(path.clone()).or_insert(next);
            if file == next {
                out.files.push(path);
                out.packages.push(package.clone());
            }
            if rest.starts_with(' ') {
                // An indented flow line of the copy opened last.
                if let Some(copy) = open.as_ref().and_then(|k| flows.get_mut(k)?.last_mut())
                    && copy.1.len() < MAX_FLOW
                {
                    let step = rest.trim();
                    copy.1
                        .push(step.strip_suffix(':').unwrap_or(step).to_owned());
                }
                continue;
            }
            if let Some(callee) = rest.strip_prefix("inlining call to ") {
                out.inline_calls.push(InlineCall {
                    file,
                    line,
                    callee: callee.trim().to_owned(),
                });
                continue;
            }
            if let Some((function, _)) = rest
                .split_once(" capturing by value: ")
                .or_else(|| rest.split_once(" capturing by ref: "))
            {
                out.captures.push(Capture {
                    file,
                    line,
                    function: function.to_owned(),
                });
                continue;
            }
            if let Some(header) = rest.strip_suffix(':') {
                let (message, function) = split_header(header);
                let key = (file, line, column, message.to_owned());
                if message.ends_with(ESCAPES) {
                    headers.push(key.clone());
                }
                flows
                    .entry(key.clone())
                    .or_default()
                    .push((function.map(str::to_owned), Vec::new()));
                open = Some(key);
                continue;
            }
            open = None;
            if heap_message(rest).is_some() {
                plain.push((file, line, column, rest.to_owned()));
            }
        }
        // A header without its plain message is a message too, unless the
        // plain one says it otherwise: `moved to heap: x` for `x escapes to
        // heap`, `append escapes to heap` for `append(s, x) escapes to heap`.
        let moved: HashMap<Key, ()> = plain
            .iter()
            .filter_map(|(f, l, c, t)| {
                let header = match t.strip_prefix("moved to heap: ") {
                    Some(name) => format!("{name}{ESCAPES}"),
                    None if t == "append escapes to heap" => "append(".to_owned(),
                    None => return None,
                };
                Some(((*f, *l, *c, header), ()))
            })
            .collect();
        let said_otherwise = |(f, l, c, t): &Key| {
            moved.contains_key(&(*f, *l, *c, t.clone()))
                || (t.starts_with("append(")
                    && moved.contains_key(&(*f, *l, *c, "append(".to_owned())))
        };
        let said: HashMap<&Key, ()> = plain.iter().map(|k| (k, ())).collect();
        let unsaid: Vec<Key> = headers
            .iter()
            .filter(|k| !said.contains_key(k) && !said_otherwise(k))
            .cloned()
            .collect();
        plain.extend(unsaid);
        // The same message twice (a package built twice, files joined) is
        // one message.
        let mut seen: HashMap<&Key, ()> = HashMap::default();
        for key in &plain {
            if seen.insert(key, ()).is_some() {
                continue;
            }
            let (file, line, column, text) = key.clone();
            let kind = heap_message(&text);
            let copies = match kind {
                Some(HeapMessage::StackIfSmall) => vec![FlowCopy {
                    function: None,
                    flow: Vec::new(),
                    reason: Reason::NonConstantSize,
                }],
                _ => {
                    let found = flow_copies(&flows, key, kind == Some(HeapMessage::Moved));
                    out.has_flows |= found.iter().any(|(_, f)| !f.is_empty());
                    let mut copies: Vec<FlowCopy> = found
                        .iter()
                        .map(|(function, flow)| FlowCopy {
                            function: function.clone(),
                            flow: flow.clone(),
                            reason: classify(flow),
                        })
                        .collect();
                    if copies.is_empty() {
                        copies.push(FlowCopy {
                            function: None,
                            flow: Vec::new(),
                            reason: Reason::Unknown,
                        });
                    }
                    copies
                }
            };
            out.by_line
                .entry((file, line))
                .or_default()
                .push(out.messages.len());
            out.messages.push(EscapeMessage {
                file,
                line,
                column,
                text,
                copies,
            });
        }
        out
    }

    /// Whether a closure of `function` (as the compiler names it), or with
    /// Go < 1.20 the next closure after `line` of `file`, is handed to a go
    /// statement.
    fn closure_goes(&self, file: usize, line: u32, function: &str) -> bool {
        self.messages.iter().any(|m| {
            m.file == file
                && m.copies.iter().any(|c| {
                    c.reason == Reason::GoStatement
                        && match &c.function {
                            Some(f) => f == function,
                            None => m.line >= line && m.line <= line.saturating_add(CLOSURE_REACH),
                        }
                })
        })
    }

    /// Whether a variable declared on `line` of `file` is captured by a
    /// closure that a go statement starts (`-m=2`'s `capturing by …`
    /// messages), so a goroutine holds what it refers to.
    pub fn held_by_goroutine(&self, file: usize, line: u32) -> bool {
        self.captures
            .iter()
            .filter(|c| c.file == file && c.line == line)
            .any(|c| self.closure_goes(file, line, &c.function))
    }

    /// Joins this output with a profile (see the module comment).
    pub fn join<'e>(&'e self, profile: &Profile) -> Join<'e> {
        let mut join = Join {
            escapes: self,
            by_base: HashMap::default(),
            resolved: HashMap::default(),
            stale: vec![None; self.files.len()],
        };
        for (i, f) in self.files.iter().enumerate() {
            join.by_base
                .entry(base_name(f).to_owned())
                .or_default()
                .push(i);
        }
        join.find_stale_files(profile);
        join
    }
}

/// The flow copies of the message `key`. A `moved to heap: x` follows flows
/// printed as `x escapes to heap:`; Go ≥ 1.25's plain `append escapes to
/// heap` follows the header `append(s, x) escapes to heap in F:` at the same
/// position.
fn flow_copies<'f>(
    flows: &'f HashMap<Key, Copies>,
    key: &Key,
    moved: bool,
) -> &'f [(Option<String>, Vec<String>)] {
    let (file, line, column, text) = key;
    let wanted = match text.strip_prefix("moved to heap: ") {
        Some(name) if moved => format!("{name}{ESCAPES}"),
        _ => text.clone(),
    };
    if let Some(found) = flows.get(&(*file, *line, *column, wanted)) {
        return found;
    }
    if text == "append escapes to heap"
        && let Some((_, found)) = flows
            .iter()
            .find(|((f, l, c, t), _)| (f, l, c) == (file, line, column) && t.starts_with("append("))
    {
        return found;
    }
    &[]
}

/// Whether the build output's name of a function (`serve`,
/// `(*Cache).Put`, `filepath.Join`) names the profile's function
/// (`main.serve`, `main.(*Cache).Put`, `path/filepath.Join`).
pub fn same_function(build: &str, profile: &str) -> bool {
    profile == build
        || profile
            .strip_suffix(build)
            .is_some_and(|head| head.ends_with('.') || head.ends_with('/'))
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The package path of a Go function name: `example.com/m/x.(*T).F` →
/// `example.com/m/x`, `main.f` → `main`.
fn package_of(function: &str) -> &str {
    let start = function.rfind('/').map_or(0, |i| i + 1);
    match function[start..].find('.') {
        Some(dot) => &function[..start + dot],
        None => function,
    }
}

/// The tails of a full function name the compiler may print for it: the
/// name itself and every part after a `.` or `/` (`path/filepath.Join` →
/// `filepath.Join`, `Join`; `main.serve` → `serve`).
fn callee_forms(name: &str) -> impl Iterator<Item = &str> {
    std::iter::once(name).chain(
        name.char_indices()
            .filter(|&(_, c)| c == '.' || c == '/')
            .map(move |(i, _)| &name[i + 1..])
            .filter(|tail| !tail.is_empty()),
    )
}

/// How a profile file found its build file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileMatch {
    Found(usize),
    /// No build file's path is a suffix of it.
    NotCovered,
    /// Several equally long suffixes.
    Ambiguous,
}

/// What the build output says about one profile line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'e> {
    /// The messages of that line.
    Found(Vec<&'e EscapeMessage>),
    /// The file is not in the build output (standard library, another
    /// module, another directory).
    NotCovered,
    /// Several build files match the path equally well.
    Ambiguous,
    /// The build file is another package than the function's.
    OtherPackage,
    /// The build output is older than the profile's binary (lines moved);
    /// [`Join::stale_files`] says what showed it.
    Stale,
    /// The line holds no message that puts anything on the heap.
    NoMessage,
}

/// [`Escapes`] bound to one profile.
#[derive(Debug)]
pub struct Join<'e> {
    escapes: &'e Escapes,
    by_base: HashMap<String, Vec<usize>>,
    resolved: HashMap<String, FileMatch>,
    /// Per build file: why its lines cannot be trusted.
    stale: Vec<Option<String>>,
}

impl<'e> Join<'e> {
    fn file_match(&mut self, profile_file: &str) -> FileMatch {
        if let Some(&m) = self.resolved.get(profile_file) {
            return m;
        }
        let m = self.find_file(profile_file);
        self.resolved.insert(profile_file.to_owned(), m);
        m
    }

    fn find_file(&self, profile_file: &str) -> FileMatch {
        let wanted = normalize(profile_file);
        let wanted: Vec<&str> = wanted.split('/').filter(|c| !c.is_empty()).collect();
        let Some(base) = wanted.last() else {
            return FileMatch::NotCovered;
        };
        let mut best: Option<(usize, usize)> = None;
        let mut tie = false;
        for &candidate in self.by_base.get(*base).into_iter().flatten() {
            let parts: Vec<&str> = self.escapes.files[candidate]
                .split('/')
                .filter(|c| !c.is_empty() && *c != ".")
                .collect();
            // One path must end with the other: a trimpath or relative
            // profile path ends an absolute build path, and a relative
            // build path ends an absolute profile path.
            let common = parts
                .iter()
                .rev()
                .zip(wanted.iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            if common < parts.len().min(wanted.len()) {
                continue;
            }
            match best {
                Some((len, _)) if len > common => {}
                Some((len, _)) if len == common => tie = true,
                _ => {
                    best = Some((common, candidate));
                    tie = false;
                }
            }
        }
        match best {
            Some(_) if tie => FileMatch::Ambiguous,
            Some((_, file)) => FileMatch::Found(file),
            None => FileMatch::NotCovered,
        }
    }

    /// Marks build files whose inlined calls sit at other lines than the
    /// profile's.
    fn find_stale_files(&mut self, profile: &Profile) {
        // (build file, callee) → lines the build inlined it at.
        let mut inlined_at: HashMap<(usize, &str), Vec<u32>> = HashMap::default();
        for call in &self.escapes.inline_calls {
            inlined_at
                .entry((call.file, call.callee.as_str()))
                .or_default()
                .push(call.line);
        }
        if inlined_at.is_empty() {
            return;
        }
        // Each (caller, line, callee) is checked once, however many
        // locations repeat it.
        let mut checked: HashMap<(usize, i64, usize), ()> = HashMap::default();
        for location in profile.locations() {
            let lines = profile.lines(location);
            for pair in lines.windows(2) {
                let (callee, caller) = (pair[0], pair[1]);
                let (Some(callee_id), Some(caller_id)) = (callee.function, caller.function) else {
                    continue;
                };
                let key = (caller_id.index(), caller.line, callee_id.index());
                if checked.insert(key, ()).is_some() {
                    continue;
                }
                let file = profile.string(profile.function(caller_id).filename);
                let callee_name = profile.string(profile.function(callee_id).name);
                let FileMatch::Found(build_file) = self.file_match(file) else {
                    continue;
                };
                if self.stale[build_file].is_some() {
                    continue;
                }
                // Only callees the build inlined somewhere in this file tell
                // anything: other inlining decisions (another Go version,
                // -gcflags=-l) are not staleness. The build names a callee
                // by a tail of its full name (`serve`, `filepath.Join`).
                let known: Vec<u32> = callee_forms(callee_name)
                    .filter_map(|form| inlined_at.get(&(build_file, form)))
                    .flatten()
                    .copied()
                    .collect();
                if known.is_empty() || known.iter().any(|&l| i64::from(l) == caller.line) {
                    continue;
                }
                let mut known = known;
                known.sort_unstable();
                known.dedup();
                let at: Vec<String> = known.iter().take(4).map(u32::to_string).collect();
                self.stale[build_file] = Some(format!(
                    "the profile has {callee_name} inlined at line {} of {}, the compiler output at line{} {}",
                    caller.line,
                    self.escapes.files[build_file],
                    if at.len() > 1 { "s" } else { "" },
                    at.join(", ")
                ));
            }
        }
    }

    /// What the build output says about `file:line` in `function`.
    pub fn lookup(&mut self, file: &str, line: i64, function: &str) -> Lookup<'e> {
        let escapes = self.escapes;
        let build_file = match self.file_match(file) {
            FileMatch::Found(f) => f,
            FileMatch::NotCovered => return Lookup::NotCovered,
            FileMatch::Ambiguous => return Lookup::Ambiguous,
        };
        if let Some(package) = &escapes.packages[build_file] {
            let theirs = package_of(function);
            if theirs != "main" && theirs != package {
                return Lookup::OtherPackage;
            }
        }
        if self.stale[build_file].is_some() {
            return Lookup::Stale;
        }
        let Ok(line) = u32::try_from(line) else {
            return Lookup::NoMessage;
        };
        match escapes.by_line.get(&(build_file, line)) {
            Some(found) => Lookup::Found(found.iter().map(|&i| &escapes.messages[i]).collect()),
            None => Lookup::NoMessage,
        }
    }

    /// Whether a build file matches the profile's `file`.
    pub fn covers(&mut self, file: &str) -> bool {
        matches!(self.file_match(file), FileMatch::Found(_))
    }

    /// Whether what `file:line` allocates is captured by a closure that a
    /// go statement starts ([`Escapes::held_by_goroutine`]).
    pub fn held_by_goroutine(&mut self, file: &str, line: i64) -> bool {
        let (FileMatch::Found(build_file), Ok(line)) = (self.file_match(file), u32::try_from(line))
        else {
            return false;
        };
        self.escapes.held_by_goroutine(build_file, line)
    }

    /// Build files found stale, with what showed it.
    pub fn stale_files(&self) -> impl Iterator<Item = &str> {
        self.stale.iter().flatten().map(String::as_str)
    }

    /// The build path of a profile file, when one matches.
    pub fn build_path(&mut self, profile_file: &str) -> Option<&'e str> {
        let escapes = self.escapes;
        match self.file_match(profile_file) {
            FileMatch::Found(f) => Some(escapes.files[f].as_str()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_split_from_messages() {
        assert_eq!(
            split_position("./main.go:31:11: make([]byte, size) escapes to heap"),
            Some(("./main.go", 31, 11, "make([]byte, size) escapes to heap"))
        );
        assert_eq!(
            split_position("C:/x/a.go:3: moved to heap: v"),
            Some(("C:/x/a.go", 3, 0, "moved to heap: v"))
        );
        assert_eq!(split_position("# leaky"), None);
        assert_eq!(split_position("no position: here"), None);
        // No path before the first number: the next colon starts one.
        assert_eq!(split_position(":1:2: x"), Some((":1", 2, 0, "x")));
        assert_eq!(split_position("a.go:99999999999:1: x"), None);
    }

    fn flow(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| (*l).to_owned()).collect()
    }

    #[test]
    fn reasons_come_from_where_the_flow_ends() {
        // Go 1.19 writes `=`, Go 1.27 `←`; the same flow, the same reason.
        for arrow in ["=", "←"] {
            let returned = flow(&[
                &format!("flow: ~r0 {arrow} &{{storage for &session{{...}}}}"),
                "from &session{...} (spill) at ./main.go:23:9",
                "from return &session{...} (return) at ./main.go:23:2",
            ]);
            assert_eq!(classify(&returned), Reason::Returned);
            // []byte(s) reads like a conversion; the flow says a slice
            // keeps it.
            let stored = flow(&[
                &format!("flow: b {arrow} &{{storage for ([]byte)(s)}}"),
                "from ([]byte)(s) (spill) at ./main.go:21:14",
                "from b := ([]byte)(s) (assign) at ./main.go:21:4",
                &format!("flow: {{heap}} {arrow} b"),
                "from append(kept, b) (call parameter) at ./main.go:22:15",
            ]);
            assert_eq!(classify(&stored), Reason::Stored);
        }
        let go = flow(&[
            "flow: {heap} ← &{storage for func literal}",
            "from func literal (spill) at ./main.go:18:5",
        ]);
        assert_eq!(classify(&go), Reason::GoStatement);
        let passed = flow(&[
            "flow: {heap} ← &wg",
            "from wg (address-of) at ./main.go:220:5",
            "from (*sync.WaitGroup).Add(wg, 2) (call parameter) at ./main.go:220:9",
        ]);
        assert_eq!(classify(&passed), Reason::Passed);
        let large = flow(&[
            "flow: {heap} ← &{storage for make([]byte, 262144)}",
            "from make([]byte, 262144) (too large for stack) at ./main.go:18:13",
        ]);
        assert_eq!(classify(&large), Reason::TooLarge);
        assert_eq!(classify(&[]), Reason::Unknown);
    }

    #[test]
    fn headers_name_the_function_analysed() {
        assert_eq!(
            split_header("&T{...} escapes to heap in (*Cache).Put"),
            ("&T{...} escapes to heap", Some("(*Cache).Put"))
        );
        assert_eq!(
            split_header("&T{...} escapes to heap"),
            ("&T{...} escapes to heap", None)
        );
    }

    #[test]
    fn packages_and_callees() {
        assert_eq!(package_of("main.(*Cache).Put"), "main");
        assert_eq!(package_of("example.com/m/x.(*T).F"), "example.com/m/x");
        assert_eq!(package_of("path/filepath.Join"), "path/filepath");
        assert!(same_function("serve", "main.serve"));
        assert!(same_function("filepath.Join", "path/filepath.Join"));
        assert!(same_function("sync.(*Mutex).Lock", "sync.(*Mutex).Lock"));
        assert!(!same_function("serve", "main.deserve"));
        for name in [
            "main.serve",
            "path/filepath.Join",
            "sync.(*Mutex).Lock",
            "x",
        ] {
            let forms: Vec<&str> = callee_forms(name).collect();
            for form in &forms {
                assert!(same_function(form, name), "{form} of {name}");
            }
        }
        assert_eq!(
            callee_forms("path/filepath.Join").collect::<Vec<_>>(),
            ["path/filepath.Join", "filepath.Join", "Join"]
        );
    }

    #[test]
    fn hostile_text_is_skipped_not_fatal() {
        let long = "x".repeat(MAX_LINE + 1);
        let text = format!(
            "{long}\n\u{1b}[2J:1:1: escapes to heap\n./a.go:1:1: \n./a.go:1:1:   flow: orphan\n"
        );
        let e = Escapes::parse(&text);
        assert_eq!(e.skipped_lines, 1);
        assert!(e.messages.is_empty());
    }
}
