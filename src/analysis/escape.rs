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

use rustc_hash::FxHashMap as HashMap;

use crate::profile::Profile;

/// Longest line read; longer lines are skipped (and counted).
pub const MAX_LINE: usize = 64 * 1024;
/// Most flow lines kept with one message.
pub const MAX_FLOW: usize = 64;

/// Why a value is on the heap, as a Go developer would name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// `&T{}` or `new(T)` returned from the function.
    ReturnedPointer,
    /// Captured by a closure, or a closure that escapes.
    Closure,
    /// A value converted to an interface (arguments to `fmt` functions).
    Interface,
    /// `make` with a size that is not a constant.
    NonConstantSize,
    /// Too large for the stack.
    TooLarge,
    /// Stored into a global, a map, a slice, a channel or another heap object.
    Stored,
    /// A local whose address outlives the call.
    AddressTaken,
    /// Through `reflect` or `unsafe`.
    Reflect,
    /// The output does not say (plain `-m`, or a flow none of the above).
    Unknown,
}

impl Reason {
    /// A short name for a column.
    pub fn label(self) -> &'static str {
        match self {
            Reason::ReturnedPointer => "returned ptr",
            Reason::Closure => "closure",
            Reason::Interface => "interface",
            Reason::NonConstantSize => "non-const make",
            Reason::TooLarge => "too large",
            Reason::Stored => "stored",
            Reason::AddressTaken => "address taken",
            Reason::Reflect => "reflect/unsafe",
            Reason::Unknown => "escapes",
        }
    }

    /// The pattern in words.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::ReturnedPointer => "a pointer to a local is returned from the function",
            Reason::Closure => {
                "a value captured by a closure (or the closure itself) outlives the call"
            }
            Reason::Interface => {
                "a value converted to an interface (e.g. an argument to fmt) is boxed on the heap"
            }
            Reason::NonConstantSize => {
                "make with a size that is not a constant cannot go on the stack"
            }
            Reason::TooLarge => "too large for the stack",
            Reason::Stored => "stored into a global, map, slice, channel or another heap object",
            Reason::AddressTaken => "its address is passed to code that keeps it",
            Reason::Reflect => {
                "passed through reflect or unsafe, which escape analysis cannot see through"
            }
            Reason::Unknown => {
                "the compiler does not say why (build with -gcflags=-m=2 for the flow)"
            }
        }
    }

    /// One line of advice.
    pub fn advice(self) -> &'static str {
        match self {
            Reason::ReturnedPointer => {
                "return the value instead of a pointer when it is small and read-only, or let the caller pass the memory in"
            }
            Reason::Closure => {
                "pass the value to the closure as an argument, or move the closure off the hot path"
            }
            Reason::Interface => {
                "avoid fmt and interface arguments on hot paths: strconv.Append*, typed writers, a reused buffer"
            }
            Reason::NonConstantSize => {
                "preallocate with a constant size when there is a bound, or reuse the buffer (sync.Pool, a caller-owned slice)"
            }
            Reason::TooLarge => {
                "reuse it (sync.Pool, a long-lived buffer) or split it into smaller pieces"
            }
            Reason::Stored => {
                "it outlives the call by design: bound the map, slice or channel it is stored in (eviction, a size cap, trimming)"
            }
            Reason::AddressTaken => {
                "pass it by value, or make sure the callee does not keep the pointer"
            }
            Reason::Reflect => "use concrete types instead of reflect/unsafe on hot paths",
            Reason::Unknown => {
                "run go build -gcflags=-m=2 to see the flow that sends it to the heap"
            }
        }
    }
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
    /// With `-m=2`: the indented `flow:` / `from …` lines, trimmed (and
    /// without the colon that ends a `flow:` line).
    pub flow: Vec<String>,
    pub reason: Reason,
}

/// Where the build output declares or inlines a function.
#[derive(Debug, Clone)]
struct InlineCall {
    file: usize,
    line: u32,
    callee: String,
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

/// Whether a message puts something on the heap (as opposed to `does not
/// escape`, `leaking param`, inlining decisions …).
fn subject_of_heap_message(text: &str) -> Option<&str> {
    if let Some(subject) = text.strip_suffix(" escapes to heap") {
        return Some(subject);
    }
    text.strip_prefix("moved to heap: ")
}

/// `make(T, n)` whose size arguments name something (not only literals).
fn make_size_is_variable(subject: &str) -> bool {
    let Some(args) = subject.strip_prefix("make(") else {
        return false;
    };
    // The type ends at the first top-level comma.
    let mut depth = 0i32;
    let mut sizes = None;
    for (i, c) in args.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                sizes = Some(&args[i + 1..]);
                break;
            }
            _ => {}
        }
    }
    sizes.is_some_and(|s| {
        s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|token| token.starts_with(|c: char| c.is_alphabetic() || c == '_'))
    })
}

/// A value (not an allocation expression) that escapes: an interface
/// conversion in `-m` output (`id escapes to heap` for `fmt.Sprint(id)`).
fn is_plain_value(subject: &str) -> bool {
    !(subject.starts_with('&')
        || subject.starts_with("make(")
        || subject.starts_with("new(")
        || subject.starts_with("func literal")
        || subject.starts_with("[]")
        || subject.starts_with("map[")
        || subject.starts_with("... argument")
        || subject.contains("{...}"))
}

/// Names the pattern from the message and its flow.
pub fn classify(text: &str, flow: &[String]) -> Reason {
    let subject = subject_of_heap_message(text).unwrap_or(text);
    let moved = text.starts_with("moved to heap: ");
    let says = |needle: &str| text.contains(needle) || flow.iter().any(|f| f.contains(needle));
    if says("too large for stack") {
        Reason::TooLarge
    } else if says("(non-constant size)") || (flow.is_empty() && make_size_is_variable(subject)) {
        Reason::NonConstantSize
    } else if subject.starts_with("func literal") || says("captured by a closure") {
        Reason::Closure
    } else if says("reflect.") || says("unsafe.") {
        Reason::Reflect
    } else if says("(return)") {
        Reason::ReturnedPointer
    } else if !moved && (says("(interface-converted)") || is_plain_value(subject)) {
        Reason::Interface
    } else if !moved && !flow.is_empty() {
        // The value reached {heap} by assignment: a map put, an append, a
        // send, a global, a field of an object already on the heap.
        Reason::Stored
    } else if moved {
        Reason::AddressTaken
    } else {
        Reason::Unknown
    }
}

impl Escapes {
    /// Reads compiler output. Never fails: what cannot be read is skipped
    /// and counted in [`Escapes::skipped_lines`].
    pub fn parse(text: &str) -> Escapes {
        let mut out = Escapes::default();
        let mut file_ids: HashMap<String, usize> = HashMap::default();
        let mut package: Option<String> = None;
        // -m=2 prints a message with a trailing colon, its flow, then the
        // message again: flows wait here keyed by position and message.
        let mut flows: HashMap<(usize, u32, u32, String), Vec<String>> = HashMap::default();
        let mut open: Option<(usize, u32, u32, String)> = None;
        let mut plain: Vec<(usize, u32, u32, String)> = Vec::new();
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
                // An indented flow line of the message opened last.
                if let Some(key) = &open {
                    let kept = flows.entry(key.clone()).or_default();
                    if kept.len() < MAX_FLOW {
                        let step = rest.trim();
                        kept.push(step.strip_suffix(':').unwrap_or(step).to_owned());
                    }
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
            if let Some(header) = rest.strip_suffix(':') {
                open = Some((file, line, column, header.to_owned()));
                flows
                    .entry((file, line, column, header.to_owned()))
                    .or_default();
                continue;
            }
            open = None;
            if subject_of_heap_message(rest).is_some() {
                plain.push((file, line, column, rest.to_owned()));
            }
        }
        // The same message twice (a package built twice, files joined) is
        // one message.
        let mut seen: HashMap<(usize, u32, u32, &str), ()> = HashMap::default();
        for (file, line, column, text) in &plain {
            if seen
                .insert((*file, *line, *column, text.as_str()), ())
                .is_some()
            {
                continue;
            }
            let (file, line, column, text) = (*file, *line, *column, text.clone());
            // `moved to heap: x` follows flows printed as `x escapes to heap:`.
            let flow_key = match text.strip_prefix("moved to heap: ") {
                Some(name) => format!("{name} escapes to heap"),
                None => text.clone(),
            };
            let flow = flows
                .get(&(file, line, column, flow_key))
                .cloned()
                .unwrap_or_default();
            out.has_flows |= !flow.is_empty();
            let reason = classify(&text, &flow);
            let message = EscapeMessage {
                file,
                line,
                column,
                text,
                flow,
                reason,
            };
            out.by_line
                .entry((file, line))
                .or_default()
                .push(out.messages.len());
            out.messages.push(message);
        }
        out
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

    /// Whether the build output's callee name (`serve`, `sync.(*Mutex).Lock`,
    /// `filepath.Join`) names the profile's function (`main.serve`,
    /// `path/filepath.Join`).
    fn same_callee(build: &str, profile: &str) -> bool {
        profile == build
            || profile
                .strip_suffix(build)
                .is_some_and(|head| head.ends_with('.') || head.ends_with('/'))
    }

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

    #[test]
    fn make_sizes_are_told_apart() {
        assert!(make_size_is_variable("make([]byte, size)"));
        assert!(make_size_is_variable("make([]node, 1 << depth - 1)"));
        assert!(!make_size_is_variable("make([]byte, 256)"));
        assert!(!make_size_is_variable("make([]byte, 0x10 << 10)"));
        assert!(!make_size_is_variable("make(map[string][]byte)"));
        assert!(!make_size_is_variable("make(map[string]int, 8)"));
    }

    #[test]
    fn packages_and_callees() {
        assert_eq!(package_of("main.(*Cache).Put"), "main");
        assert_eq!(package_of("example.com/m/x.(*T).F"), "example.com/m/x");
        assert_eq!(package_of("path/filepath.Join"), "path/filepath");
        assert!(same_callee("serve", "main.serve"));
        assert!(same_callee("filepath.Join", "path/filepath.Join"));
        assert!(same_callee("sync.(*Mutex).Lock", "sync.(*Mutex).Lock"));
        assert!(!same_callee("serve", "main.deserve"));
        for name in [
            "main.serve",
            "path/filepath.Join",
            "sync.(*Mutex).Lock",
            "x",
        ] {
            let forms: Vec<&str> = callee_forms(name).collect();
            for form in &forms {
                assert!(same_callee(form, name), "{form} of {name}");
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
