//! Legacy text profiles, the `debug=1` output of Go's `/debug/pprof`
//! handlers: the heap profile (`heap profile: …`, with its
//! `# runtime.MemStats` block) and count profiles such as goroutine
//! (`goroutine profile: total N`). They become the same [`Profile`] a proto
//! would, following google/pprof's legacy parser (`legacy_profile.go`) for
//! sample types, period, unsampling and the frames it drops. The mutex and
//! block profiles (`--- mutex:`, `--- contention:`) are read too.
//!
//! Unlike pprof, which needs the binary to name an address, the records are
//! symbolized from the `#\t0x…\tfn+0x…\tfile:line` comments the runtime
//! writes under each of them. The runtime writes no comment for a stack's
//! leading `runtime.*` frames nor for `runtime.goexit`; those addresses are
//! left out, as the runtime's own proto writer leaves them out of heap
//! profiles.
//!
//! A record's frames are named by its own comments: a pc two records name
//! otherwise is two locations. A runtime never writes that, but a generated
//! or damaged text may, and a pc named once for all by its first record
//! would show the later records frames their comments do not name. Read for
//! [`Detail::Functions`] (a report by function, file or whole stack), a
//! location is only its functions, at address 0 with line numbers 0: a text
//! naming a million pcs in a few thousand functions is then a few hundred
//! thousand locations, one for each function and each chain of inlined
//! ones, and no index of pcs is built.
//!
//! Everything is read line by line with no recursion. The text is read as
//! it arrives and never held whole ([`input`], [`records`]): memory grows
//! with the profile built from it, not with the text.

mod contention;
mod goroutine;
mod heap;
mod input;
mod location_index;
mod memstats;
mod records;

pub use heap::{is_fresh_heap, with_alloc_and_inuse};
pub(crate) use input::Input;
/// The size records are cut in, for tests that need several blocks.
#[cfg(test)]
pub(crate) const BLOCK_FOR_TESTS: usize = records::BLOCK;
pub use memstats::{MemStats, MemValue};

use std::borrow::Cow;

use foldhash::HashMap;

use super::decode::Detail;
use super::error::ProfileError;
use super::interner::Interner;
use super::model::{
    Function, FunctionId, Label, Line, Location, Profile, Samples, StrId, ValueType,
};

/// Bytes of the input looked at to tell text from protobuf.
pub(crate) const SNIFF: usize = 512;

/// Whether `head`, the first bytes of a (decompressed) input, starts with
/// the header of a text profile this module reads. Decided by the header
/// alone: past it, the text may hold any byte (a function name with an
/// escape or a NUL in it is still text, as pprof has it), and a protobuf
/// cannot start with one (its first bytes are a field key and a length).
pub(crate) fn has_text_header(head: &[u8]) -> bool {
    first_line(&mut Lines::new(head)).is_some_and(|(_, line)| kind(line.trim()).is_some())
}

/// Whether `head` is printable text (no control bytes but tab and line
/// ends, valid UTF-8). Used only to choose the error for an input of no
/// known kind: such text is told that its first line is not a header,
/// rather than that it is a broken protobuf.
pub(crate) fn looks_like_text(head: &[u8]) -> bool {
    let head = &head[..head.len().min(SNIFF)];
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A character cut by the end of the sniffed bytes is still text.
        Err(e) => e.error_len().is_none(),
    };
    !head.is_empty()
        && valid
        && head
            .iter()
            .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r'))
}

/// The kinds of text profile, told by their first line.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Heap,
    Count,
    Contention,
}

/// Which kind of profile a (trimmed) first line starts.
fn kind(line: &str) -> Option<Kind> {
    if line.starts_with("heap profile:") {
        Some(Kind::Heap)
    } else if goroutine::is_header(line) {
        Some(Kind::Count)
    } else if contention::is_header(line) {
        Some(Kind::Contention)
    } else {
        None
    }
}

/// The first line that is not blank.
fn first_line<'a>(lines: &mut Lines<'a>) -> Option<(usize, std::borrow::Cow<'a, str>)> {
    lines.find(|(_, l)| !l.trim().is_empty())
}

/// Parses a legacy text profile held whole, detected by its first line.
#[cfg(test)]
pub(crate) fn parse(text: &[u8]) -> Result<Profile, ProfileError> {
    parse_input(Input::whole(text.to_vec()), Detail::Full)
}

/// Parses a legacy text profile as it is read, detected by its first line,
/// keeping `detail` of each location.
pub(crate) fn parse_input(input: Input<'_>, detail: Detail) -> Result<Profile, ProfileError> {
    parse_in(input, records::Sizes::READ, detail)
}

/// [`parse_input`], its records read in blocks and tables of `sizes`.
fn parse_in(
    mut input: Input<'_>,
    sizes: records::Sizes,
    detail: Detail,
) -> Result<Profile, ProfileError> {
    input.read_head()?;
    if first_line(&mut Lines::new(input.complete())).is_none() {
        // Blanks, or a first line longer than the head: read on to it.
        input.read_all()?;
    }
    let (first, start, line_no) = {
        let mut lines = Lines::new(input.complete());
        let Some((n, line)) = first_line(&mut lines) else {
            return Err(ProfileError::Empty);
        };
        ((n, line.into_owned()), lines.offset(), lines.number())
    };
    let trimmed = first.1.trim();
    let at = records::Start {
        offset: start,
        line: line_no,
        sizes,
        detail,
    };
    match kind(trimmed) {
        Some(Kind::Heap) => heap::parse(&first, input, at),
        Some(Kind::Count) => goroutine::parse(&first, input, at),
        Some(Kind::Contention) => contention::parse(input, at),
        None => Err(ProfileError::UnknownText {
            first_line: quote(trimmed),
        }),
    }
}

/// A short, terminal-safe excerpt of a line for an error message.
pub(super) fn quote(line: &str) -> String {
    let cut: String = line.chars().take(60).collect();
    let more = if cut.len() < line.len() { "…" } else { "" };
    format!("{}{more}", crate::safe_text::visible(&cut))
}

fn malformed(line: usize, what: impl Into<String>) -> ProfileError {
    ProfileError::Legacy {
        line,
        message: what.into(),
    }
}

/// The input's lines, numbered from 1, without their line ends; invalid
/// UTF-8 is replaced (names are shown, never trusted). Text checked valid
/// up front ([`Lines::checked`]) is cut into lines without copying or
/// checking each again.
struct Lines<'a> {
    text: &'a [u8],
    /// The text when it is all valid UTF-8.
    valid: Option<&'a str>,
    at: usize,
    number: usize,
}

impl<'a> Lines<'a> {
    /// Lines checked one by one, for the few lines of a header.
    fn new(text: &'a [u8]) -> Self {
        Lines {
            text,
            valid: None,
            at: 0,
            number: 0,
        }
    }

    /// Lines from byte `offset` (a line start) on, `number` lines
    /// coming before it.
    fn at(text: &'a [u8], offset: usize, number: usize) -> Self {
        Lines {
            at: offset,
            number,
            ..Lines::new(text)
        }
    }

    /// Lines of text checked whole, once.
    fn checked(text: &'a [u8]) -> Self {
        Lines {
            valid: simdutf8::basic::from_utf8(text).ok(),
            ..Lines::new(text)
        }
    }

    /// Where the next line starts.
    fn offset(&self) -> usize {
        self.at
    }

    /// How many lines were read.
    fn number(&self) -> usize {
        self.number
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.text.get(self.at..).filter(|r| !r.is_empty())?;
        let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let range = self.at..self.at + len;
        // Past the line break, or at the end of a last line without one.
        self.at = (self.at + len + 1).min(self.text.len());
        self.number += 1;
        // A line break is never inside a character: the cut is one.
        let line = match self.valid.and_then(|t| t.get(range.clone())) {
            Some(line) => Cow::Borrowed(line.strip_suffix('\r').unwrap_or(line)),
            None => {
                let bytes = &self.text[range];
                String::from_utf8_lossy(bytes.strip_suffix(b"\r").unwrap_or(bytes))
            }
        };
        Some((self.number, line))
    }
}

/// One `#\t0x…\tfn+0x…\tfile:line` comment: a frame of the record above.
#[derive(Debug, Clone)]
struct Comment<'a> {
    /// The frame's pc (the stack's return address minus one).
    pc: u64,
    /// Empty when the runtime could not name the frame (`#\t0x…`).
    name: Cow<'a, str>,
    /// Offset of `pc` from the entry of the function the code lives in
    /// (for an inlined frame, the function it was inlined into).
    offset: Option<u64>,
    file: Cow<'a, str>,
    line: i64,
}

impl<'a> Comment<'a> {
    /// Parses a comment line (after its `#`); `None` when it is another
    /// kind of comment (`# labels: …`).
    fn parse(body: &'a str) -> Option<Comment<'a>> {
        // Fields apart by runs of tabs, split by bytes (a tab is never
        // inside a character).
        let mut rest = body;
        let mut field = || -> Option<&'a str> {
            let start = rest.bytes().position(|b| b != b'\t')?;
            let after = &rest[start..];
            let len = memchr::memchr(b'\t', after.as_bytes()).unwrap_or(after.len());
            rest = &after[len..];
            Some(&after[..len])
        };
        let pc = parse_hex(field()?.trim())?;
        let Some(symbol) = field() else {
            return Some(Comment {
                pc,
                name: Cow::Borrowed(""),
                offset: None,
                file: Cow::Borrowed(""),
                line: 0,
            });
        };
        // The last `+0x` (as `rsplit_once("+0x")`), found by its `+`.
        let cut = memchr::memrchr_iter(b'+', symbol.as_bytes())
            .find(|&i| symbol.as_bytes()[i + 1..].starts_with(b"0x"));
        let (name, offset) = match cut {
            Some(i) => (&symbol[..i], u64::from_str_radix(&symbol[i + 3..], 16).ok()),
            None => (symbol, None),
        };
        let (file, line) = match field() {
            Some(position) => match memchr::memrchr(b':', position.as_bytes()) {
                Some(i) => (
                    &position[..i],
                    position[i + 1..].trim().parse().unwrap_or(0),
                ),
                None => (position, 0),
            },
            None => ("", 0),
        };
        Some(Comment {
            pc,
            name: Cow::Borrowed(name),
            offset,
            file: Cow::Borrowed(file),
            line,
        })
    }

    /// [`Comment::parse`] of a whole line (`#` included) as the runtime
    /// writes a frame's comment: `#\t0x…\tname+0x…\t…file:line`, with
    /// lowercase hex of at most 16 digits, no space and nothing after the
    /// line number. Read in one pass over its bytes; `None` for any other
    /// line, which the general path reads (to the same comment, when it is
    /// one).
    fn parse_frame(line: &'a str) -> Option<Comment<'a>> {
        let b = line.as_bytes();
        // Nothing for `trim` to take from either end.
        if !b.starts_with(b"#\t0x") || !b.last().is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (pc, mut at) = hex_run(b, 4)?;
        let tabs = |at: usize| at + b[at..].iter().take_while(|&&c| c == b'\t').count();
        if b.get(at) != Some(&b'\t') {
            return None;
        }
        at = tabs(at);
        let symbol_end = at + memchr::memchr(b'\t', &b[at..])?;
        let plus = at + memchr::memrchr(b'+', &b[at..symbol_end])?;
        if b.get(plus + 1..plus + 3) != Some(b"0x") {
            return None;
        }
        let (offset, end) = hex_run(b, plus + 3)?;
        if end != symbol_end {
            return None;
        }
        let file_start = tabs(symbol_end);
        let position = &b[file_start..];
        if memchr::memchr(b'\t', position).is_some() {
            return None;
        }
        let colon = file_start + memchr::memrchr(b':', position)?;
        let digits = &b[colon + 1..];
        if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let line_no = digits
            .iter()
            .fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'));
        // Every cut is at an ASCII byte: on a character boundary.
        Some(Comment {
            pc,
            name: Cow::Borrowed(&line[at..plus]),
            offset: Some(offset),
            file: Cow::Borrowed(&line[file_start..colon]),
            line: line_no,
        })
    }

    /// The comment with its own copies of the names.
    fn into_owned(self) -> Comment<'static> {
        Comment {
            pc: self.pc,
            name: Cow::Owned(self.name.into_owned()),
            offset: self.offset,
            file: Cow::Owned(self.file.into_owned()),
            line: self.line,
        }
    }

    /// The entry address of the function the frame's code is in.
    fn entry(&self) -> Option<u64> {
        self.pc.checked_sub(self.offset?)
    }
}

/// The body of a comment line (after its `#`). Matched by byte, as the
/// other per-line splits here: a `char` pattern costs a call to `memcmp`.
fn comment_body(line: &str) -> Option<&str> {
    (line.as_bytes().first() == Some(&b'#')).then(|| &line[1..])
}

/// `s` split at its first ASCII byte `at` (as `split_once(at as char)`).
fn split_once_byte(s: &str, at: u8) -> Option<(&str, &str)> {
    let i = memchr::memchr(at, s.as_bytes())?;
    Some((&s[..i], &s[i + 1..]))
}

/// The value of the lowercase hex digits from `at` on (1 to 16 of them),
/// and where they end.
fn hex_run(b: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    let mut end = at;
    while let Some(d) = b.get(end).and_then(|&c| hex_digit(c)) {
        if end - at == 16 {
            return None;
        }
        value = value << 4 | u64::from(d);
        end += 1;
    }
    (end > at).then_some((value, end))
}

/// The value of a lowercase hex digit. Looked up in a table: a branch on
/// digit or letter is mispredicted half the time on addresses.
fn hex_digit(c: u8) -> Option<u8> {
    const VALUES: [u8; 256] = {
        let mut values = [u8::MAX; 256];
        let mut i = 0;
        while i < 16 {
            values[b"0123456789abcdef"[i] as usize] = i as u8;
            i += 1;
        }
        values
    };
    let value = VALUES[usize::from(c)];
    (value != u8::MAX).then_some(value)
}

fn parse_hex(s: &str) -> Option<u64> {
    let digits = s.strip_prefix("0x")?;
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// Reads the addresses of a heap or contention record as pprof does (its
/// `@([ x0-9a-f]*)` capture, then every `0x[0-9a-f]+` in it): the list ends
/// at the first other character, so a corrupt address cuts the stack there
/// rather than failing the profile. A number too large for 64 bits is an
/// error, as in pprof.
fn address_prefix(line: usize, list: &str, addresses: &mut Vec<u64>) -> Result<(), ProfileError> {
    let list = list.as_bytes();
    let mut i = 0;
    // Non-ASCII bytes are outside the set as their characters are.
    while let Some(&b) = list.get(i) {
        if !matches!(b, b' ' | b'x' | b'0'..=b'9' | b'a'..=b'f') {
            break;
        }
        if b != b'0' || list.get(i + 1) != Some(&b'x') {
            i += 1;
            continue;
        }
        // `0x` and its hex digits, all within the set: up to 16 read in one
        // pass, more only for the leading zeros that may still leave a
        // 64-bit value.
        let start = i + 2;
        let (address, end) = match hex_run(list, start) {
            Some(read) => read,
            None => {
                let digits = list[start..]
                    .iter()
                    .take_while(|&&d| hex_digit(d).is_some())
                    .count();
                if digits == 0 {
                    i += 1;
                    continue;
                }
                let end = start + digits;
                let value = |a: u64, &d: &u8| (a << 4) | u64::from(hex_digit(d).unwrap_or(0));
                let read = list[start..end]
                    .iter()
                    .try_fold(0u64, |a, d| a.checked_mul(16).map(|_| value(a, d)));
                let Some(address) = read else {
                    // Only ASCII hex digits were taken.
                    let text = std::str::from_utf8(&list[start..end]).unwrap_or_default();
                    return Err(malformed(
                        line,
                        format!("'0x{}' is not a 64-bit address", quote(text)),
                    ));
                };
                (address, end)
            }
        };
        addresses.push(address);
        i = end;
    }
    Ok(())
}

/// Parses the `@ 0x… 0x…` address list of a count record, where pprof
/// refuses the profile over any address it cannot read.
fn parse_addresses(line: usize, list: &str, addresses: &mut Vec<u64>) -> Result<(), ProfileError> {
    for a in list.split_whitespace() {
        let address = parse_hex(a)
            .ok_or_else(|| malformed(line, format!("'{}' is not a hex address", quote(a))))?;
        addresses.push(address);
    }
    Ok(())
}

/// Frames pprof drops from legacy heap profiles (`allocRxStr` in
/// google/pprof's legacy_profile.go), with the callees below them.
const HEAP_DROP_FRAMES: &str = concat!(
    r"calloc|cfree|malloc|free|memalign|do_memalign|(__)?posix_memalign|pvalloc|valloc|realloc|",
    r"tcmalloc::.*|tc_calloc|tc_cfree|tc_malloc|tc_free|tc_memalign|tc_posix_memalign|",
    r"tc_pvalloc|tc_valloc|tc_realloc|tc_new|tc_delete|tc_newarray|tc_deletearray|",
    r"tc_new_nothrow|tc_newarray_nothrow|malloc_zone_malloc|malloc_zone_calloc|",
    r"malloc_zone_valloc|malloc_zone_realloc|malloc_zone_memalign|malloc_zone_free|",
    r"runtime\..*|BaseArena::.*|(::)?do_malloc_no_errno|(::)?do_malloc_pages|(::)?do_malloc|",
    r"DoSampledAllocation|MallocedMemBlock::MallocedMemBlock|_M_allocate|",
    r"__builtin_(vec_)?delete|__builtin_(vec_)?new|__gnu_cxx::new_allocator::allocate|",
    r"__libc_malloc|__malloc_alloc_template::allocate|allocate|cpp_alloc|operator new(\[\])?|",
    r"simple_alloc::allocate"
);
/// Frames kept although [`HEAP_DROP_FRAMES`] matches them (`allocSkipRxStr`).
const HEAP_KEEP_FRAMES: &str = r"runtime\.panic|runtime\.reflectcall|runtime\.call[0-9]*";
/// What pprof drops from contention profiles (`lockRxStr`).
const LOCK_DROP_FRAMES: &str = concat!(
    r"RecordLockProfileData|(base::)?RecordLockProfileData.*|",
    r"(base::)?SubmitMutexProfileData.*|(base::)?SubmitSpinLockProfileData.*|",
    r"(base::Mutex::)?AwaitCommon.*|(base::Mutex::)?Unlock.*|(base::Mutex::)?UnlockSlow.*|",
    r"(base::Mutex::)?ReaderUnlock.*|(base::MutexLock::)?~MutexLock.*|",
    r"(Mutex::)?AwaitCommon.*|(Mutex::)?Unlock.*|(Mutex::)?UnlockSlow.*|",
    r"(Mutex::)?ReaderUnlock.*|(MutexLock::)?~MutexLock.*|",
    r"(SpinLock::)?Unlock.*|(SpinLock::)?SlowUnlock.*|(SpinLockHolder::)?~SpinLockHolder.*"
);
/// What pprof drops from every other legacy profile (`cpuProfilerRxStr`).
const OTHER_DROP_FRAMES: &str = r"ProfileData::Add|ProfileData::prof_handler|CpuProfiler::prof_handler|__pthread_sighandler|__restore";

/// Builds the model from records, interning functions and locations.
struct Builder {
    strings: Interner,
    functions: Vec<Function>,
    function_index: HashMap<(u32, u32), FunctionId>,
    locations: Vec<Location>,
    /// Each location's pc and whether comments named it → its index,
    /// while the records are read: the first location at a pc that way.
    location_index: location_index::LocationIndex,
    /// The locations found by all that tells them apart (pc, whether
    /// comments named them, lines), by their hash and their index with
    /// `location_index::NAMED` set if named: the other locations at a pc that
    /// [`Builder::location_index`] holds one of, or, read for
    /// [`Detail::Functions`], the first locations not of one function
    /// (`records::KEPT` at most, with those of one function).
    by_lines: hashbrown::HashTable<(u64, u32)>,
    /// Hashes `by_lines`' keys, seeded at random (the text chooses them).
    key_hasher: foldhash::fast::RandomState,
    lines: Vec<Line>,
    value_count: usize,
    stack_ends: Vec<usize>,
    frames: Vec<u32>,
    values: Vec<i64>,
    label_ends: Vec<usize>,
    labels: Vec<Label>,
    bytes_key: StrId,
}

impl Builder {
    fn new(value_count: usize) -> Result<Builder, ProfileError> {
        let mut b = Builder {
            strings: Interner::new()?,
            functions: Vec::new(),
            function_index: HashMap::default(),
            locations: Vec::new(),
            location_index: location_index::LocationIndex::default(),
            by_lines: hashbrown::HashTable::new(),
            key_hasher: foldhash::fast::RandomState::default(),
            lines: Vec::new(),
            value_count,
            stack_ends: Vec::new(),
            frames: Vec::new(),
            values: Vec::new(),
            label_ends: Vec::new(),
            labels: Vec::new(),
            bytes_key: StrId(0),
        };
        b.bytes_key = b.intern("bytes")?;
        Ok(b)
    }

    fn intern(&mut self, s: &str) -> Result<StrId, ProfileError> {
        self.strings.intern(s)
    }

    fn function(&mut self, name: &str, file: &str) -> Result<FunctionId, ProfileError> {
        let name = self.intern(name)?;
        let file = self.intern(file)?;
        if let Some(&f) = self.function_index.get(&(name.0, file.0)) {
            return Ok(f);
        }
        let f = FunctionId::at(self.functions.len())?;
        self.functions.push(Function {
            id: f.index() as u64 + 1,
            name,
            system_name: name,
            filename: file,
            start_line: 0,
        });
        self.function_index.insert((name.0, file.0), f);
        Ok(f)
    }

    /// The function named `name` in `file`, if it was added.
    fn find_function(&self, name: &str, file: &str) -> Option<FunctionId> {
        let key = (self.strings.find(name)?.0, self.strings.find(file)?.0);
        self.function_index.get(&key).copied()
    }

    fn push_line(&mut self, function: FunctionId, line: i64) {
        self.lines.push(Line {
            function: Some(function),
            line,
        });
    }

    /// A new location at `pc` holding the lines from `start` on.
    fn push_location(&mut self, pc: u64, start: usize) -> Result<u32, ProfileError> {
        if self.locations.len() + self.lines.len() >= super::MAX_FRAMES {
            return Err(ProfileError::TooMany {
                what: "locations and lines",
                max: super::MAX_FRAMES,
            });
        }
        let i = self.locations.len() as u32;
        self.locations.push(Location {
            mapping: None,
            address: pc,
            lines: start as u32..self.lines.len() as u32,
            is_folded: false,
        });
        Ok(i)
    }

    /// Closes a sample's labels: pprof's legacy parser keeps a zero
    /// `bytes` label (`pprof -tags` counts it), though a proto would lose it.
    fn push_label(&mut self, bytes: Option<i64>) {
        if let Some(bytes) = bytes {
            self.labels.push(Label {
                key: self.bytes_key,
                str: StrId(0),
                num: bytes,
                num_unit: StrId(0),
            });
        }
        self.label_ends.push(self.labels.len());
    }

    /// Removes the frames matching `drop` (and not `keep`) with their
    /// callees, as pprof's `Profile.Prune` does on every profile it loads:
    /// a location whose outermost matching line is its last loses all of
    /// it; one matching further in loses the lines up to the match; each
    /// sample is cut at the outermost such location below its first
    /// non-matching (user) frame, counted from the root.
    fn prune(&mut self, drop: &str, keep: Option<&str>) {
        // The patterns are this module's constants: they compile.
        let anchored = |re: &str| regex::Regex::new(&format!("^({re})$")).ok();
        let Some(drop) = anchored(drop) else {
            return;
        };
        let keep = keep.and_then(anchored);
        // Each function is matched once, however many lines name it; when
        // none matches, nothing is cut.
        let dropped: Vec<bool> = self
            .functions
            .iter()
            .map(|f| {
                let name = simplify_function(self.strings.get(f.name));
                !name.is_empty()
                    && drop.is_match(name)
                    && keep.as_ref().is_none_or(|k| !k.is_match(name))
            })
            .collect();
        if !dropped.contains(&true) {
            return;
        }
        // 0 keep, 1 prune beneath, 2 prune the location itself.
        let mut verdict = vec![0u8; self.locations.len()];
        for (l, location) in self.locations.iter_mut().enumerate() {
            let lines = &self.lines[location.lines.start as usize..location.lines.end as usize];
            let matched = lines
                .iter()
                .rposition(|line| line.function.is_some_and(|f| dropped[f.index()]));
            if let Some(i) = matched {
                if i + 1 == lines.len() {
                    verdict[l] = 2;
                } else {
                    verdict[l] = 1;
                    location.lines.start += i as u32 + 1;
                }
            }
        }
        // Each stack is moved down over what was cut before it: in place,
        // as the kept frames never end after where they were.
        let mut kept = 0;
        let mut start = 0;
        for end in &mut self.stack_ends {
            let stack = &self.frames[start..*end];
            let mut cut = 0;
            let mut user = false;
            for (i, &l) in stack.iter().enumerate().rev() {
                match verdict[l as usize] {
                    0 => user = true,
                    _ if !user => {}
                    2 => {
                        cut = i + 1;
                        break;
                    }
                    _ => {
                        cut = i;
                        break;
                    }
                }
            }
            let stack = start + cut..*end;
            start = *end;
            let len = stack.len();
            self.frames.copy_within(stack, kept);
            kept += len;
            *end = kept;
        }
        self.frames.truncate(kept);
    }

    fn finish(self, header: Header) -> Profile {
        Profile {
            sample_types: header.sample_types,
            default_sample_type: None,
            period_type: Some(header.period_type),
            period: header.period,
            time_nanos: 0,
            duration_nanos: header.duration_nanos,
            comments: Vec::new(),
            drop_frames: Some(header.drop_frames.to_owned()),
            keep_frames: header.keep_frames.map(str::to_owned),
            mappings: Vec::new(),
            functions: self.functions,
            locations: self.locations,
            lines: self.lines,
            columns: Vec::new(),
            samples: Samples::new(
                self.value_count,
                self.stack_ends,
                self.frames,
                self.values,
                self.label_ends,
                self.labels,
            ),
            strings: self.strings.into_table(),
            memstats: header.memstats.map(Box::new),
        }
    }
}

/// Finds the first stack entry at or after a position holding an address:
/// a scan on short stacks, an index on long ones, so that many comments
/// under a deep stack cost no more than a lookup each.
struct Finder<'a> {
    addresses: &'a [u64],
    /// Address → its positions, ascending (only for long stacks).
    /// Seeded at random: the addresses are the text's to choose.
    index: Option<HashMap<u64, Vec<usize>>>,
}

impl<'a> Finder<'a> {
    const SCAN: usize = 64;

    fn new(addresses: &'a [u64]) -> Self {
        let index = (addresses.len() > Self::SCAN).then(|| {
            let mut index: HashMap<u64, Vec<usize>> = HashMap::default();
            for (j, &a) in addresses.iter().enumerate() {
                index.entry(a).or_default().push(j);
            }
            index
        });
        Finder { addresses, index }
    }

    /// The first entry at or after `from` holding `a` or `b`. Comments
    /// come in stack order: the entry is nearly always `from` or the one
    /// after it, looked at first.
    fn first_of(&self, a: u64, b: u64, from: usize) -> Option<usize> {
        let holds = |j: usize| self.addresses.get(j).is_some_and(|&x| x == a || x == b);
        if holds(from) {
            return Some(from);
        }
        if holds(from + 1) {
            return Some(from + 1);
        }
        [a, b]
            .into_iter()
            .filter_map(|address| self.next(address, from))
            .min()
    }

    fn next(&self, address: u64, from: usize) -> Option<usize> {
        match &self.index {
            None => (from..self.addresses.len()).find(|&j| self.addresses[j] == address),
            Some(index) => {
                let at = index.get(&address)?;
                at.get(at.partition_point(|&j| j < from)).copied()
            }
        }
    }
}

/// Whether frame `callee` was inlined into `caller`'s function: the same
/// entry address under another name (a recursive call has the same entry
/// and the same name; a real call, another entry).
fn inlined_into(callee: &Comment<'_>, caller: &Comment<'_>) -> bool {
    match (callee.entry(), caller.entry()) {
        (Some(a), Some(b)) => a == b && callee.name != caller.name,
        _ => false,
    }
}

/// pprof's `simplifyFunc`: the name up to its first `(` that does not
/// start `(anonymous namespace)` or sit in `operator()`.
fn simplify_function(name: &str) -> &str {
    let name = name.strip_prefix('.').unwrap_or(name);
    let mut i = 0;
    while i < name.len() {
        let rest = &name[i..];
        if rest.starts_with("(anonymous namespace)") {
            i += "(anonymous namespace)".len();
        } else if rest.starts_with("operator()") {
            i += "operator()".len();
        } else if rest.starts_with('(') {
            return &name[..i];
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    name
}

/// What a parser found besides the records.
struct Header {
    sample_types: Vec<ValueType>,
    period_type: ValueType,
    period: i64,
    duration_nanos: i64,
    drop_frames: &'static str,
    keep_frames: Option<&'static str>,
    memstats: Option<MemStats>,
}

fn value_type(name: &str, unit: &str) -> ValueType {
    ValueType {
        name: name.to_owned(),
        unit: unit.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_told_from_protobuf() {
        assert!(looks_like_text(b"heap profile: 1: 2 [3: 4] @ heap/2\n"));
        assert!(looks_like_text(b"\n\ngoroutine profile: total 3\n"));
        assert!(!looks_like_text(&[0x0a, 0x04, 0x08, 0x01, 0x10, 0x02]));
        assert!(!looks_like_text(b""));
    }

    #[test]
    fn text_is_told_by_its_header_whatever_follows() {
        // Control bytes in a name do not make text a protobuf.
        assert!(has_text_header(
            b"heap profile: 1: 2 [1: 2] @ heap/2\n1: 2 [1: 2] @ 0x1\n#\t0x0\tev\x1b\x00il+0x0\tx.go:1\n"
        ));
        assert!(has_text_header(b"\n\ngoroutine profile: total 3\n\x07"));
        assert!(has_text_header(b"--- mutex:\ncycles/second=1\n"));
        assert!(has_text_header(b"--- contention:\ncycles/second=1\n"));
        assert!(!has_text_header(b"mutex profile\n"));
        assert!(!has_text_header(&[0x0a, 0x04, 0x08, 0x01, 0x10, 0x02]));
        assert!(!has_text_header(b""));
    }

    #[test]
    fn corrupt_addresses_cut_the_stack_as_in_pprof() {
        let prefix = |list: &str| {
            let mut addresses = Vec::new();
            address_prefix(1, list, &mut addresses).map(|()| addresses)
        };
        assert_eq!(prefix(" 0x1000 0x20zz 0x3000").unwrap(), vec![0x1000, 0x20]);
        assert_eq!(prefix(" 0xzz 0x3000").unwrap(), Vec::<u64>::new());
        assert_eq!(prefix(" 00x12 0x0x3").unwrap(), vec![0x12, 0x0]);
        assert_eq!(prefix(" 0x0000000000000000001").unwrap(), vec![1]);
        assert_eq!(prefix(" 0xffffffffffffffff").unwrap(), vec![u64::MAX]);
        assert_eq!(prefix(" 0x1\u{e9}0x2 0x3").unwrap(), vec![1]);
        assert!(prefix(" 0x10000000000000000").is_err());
    }

    #[test]
    fn frame_patterns_compile() {
        for re in [
            HEAP_DROP_FRAMES,
            HEAP_KEEP_FRAMES,
            OTHER_DROP_FRAMES,
            LOCK_DROP_FRAMES,
        ] {
            assert!(regex::Regex::new(&format!("^({re})$")).is_ok(), "{re}");
        }
    }

    /// Leaf-first function names of each sample's stack.
    fn stacks(p: &Profile) -> Vec<Vec<String>> {
        (0..p.samples().len())
            .map(|i| {
                p.samples()
                    .stack(i)
                    .flat_map(|l| p.lines(p.location(l)))
                    .map(|line| {
                        line.function
                            .map_or("?".to_owned(), |f| p.string(p.function(f).name).to_owned())
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn heap_frames_are_pruned_and_inlined_frames_share_a_location() {
        let text = "heap profile: 2: 16 [2: 16] @ heap/2\n\
            1: 8 [1: 8] @ 0x1011 0x2011 0x2006 0x3011\n\
            #\t0x1010\truntime.mallocgc+0x10\tm.go:1\n\
            #\t0x2010\tmain.helper+0x10\tf.go:2\n\
            #\t0x2005\tmain.f+0x5\tf.go:3\n\
            #\t0x3010\truntime.main+0x10\tp.go:4\n\
            \n\
            1: 8 [1: 8] @ 0x4011 0x5011 0x3011\n\
            #\t0x4010\truntime.gopanic+0x10\tpanic.go:5\n\
            #\t0x5010\truntime.panicmem+0x10\tpanic.go:6\n\
            #\t0x3010\truntime.main+0x10\tp.go:4\n";
        let p = parse(text.as_bytes()).unwrap();
        // mallocgc (drop_frames) goes; helper was inlined into f (same
        // entry 0x2000): one location with both lines; runtime.main is a
        // root, kept. The all-runtime stack is kept whole.
        assert_eq!(
            stacks(&p),
            [
                vec!["main.helper", "main.f", "runtime.main"],
                vec!["runtime.gopanic", "runtime.panicmem", "runtime.main"],
            ]
        );
        let first = p.samples().stack(0).next().unwrap();
        assert_eq!(p.lines(p.location(first)).len(), 2);
        assert_eq!(p.period, 1);
        assert_eq!(p.sample_types.len(), 2, "alloc equals inuse: objects/space");
    }

    #[test]
    fn a_function_calling_itself_at_one_pc_is_that_pc_twice() {
        // The runtime writes one entry's frames (what was inlined at its
        // pc, then its function) once per entry: f at 0x2010 twice, with
        // helper inlined there; g at 0x3010 once.
        let text = "heap profile: 3: 24 [3: 24] @ heap/2\n\
            1: 8 [1: 8] @ 0x2011 0x2011 0x3011\n\
            #\t0x2010\tmain.helper+0x10\tf.go:2\n\
            #\t0x2010\tmain.f+0x10\tf.go:3\n\
            #\t0x2010\tmain.helper+0x10\tf.go:2\n\
            #\t0x2010\tmain.f+0x10\tf.go:3\n\
            #\t0x3010\tmain.g+0x10\tg.go:4\n\
            \n\
            1: 8 [1: 8] @ 0x2011 0x3011\n\
            #\t0x2010\tmain.helper+0x10\tf.go:2\n\
            #\t0x2010\tmain.f+0x10\tf.go:3\n\
            #\t0x3010\tmain.g+0x10\tg.go:4\n\
            \n\
            1: 8 [1: 8] @ 0x4011 0x3011\n\
            #\t0x4010\tmain.h+0x10\th.go:5\n\
            #\t0x4010\tmain.h+0x10\th.go:5\n\
            #\t0x3010\tmain.g+0x10\tg.go:4\n";
        let p = parse(text.as_bytes()).unwrap();
        assert_eq!(
            stacks(&p),
            [
                vec!["main.helper", "main.f", "main.helper", "main.f", "main.g"],
                vec!["main.helper", "main.f", "main.g"],
                // A frame written twice for one entry stays on it (no
                // second entry holds its pc).
                vec!["main.h", "main.h", "main.g"],
            ]
        );
        // One location at 0x2010 (both lines), met twice in the first stack.
        let first: Vec<_> = p.samples().stack(0).collect();
        assert_eq!(first[0], first[1]);
        assert_eq!(p.lines(p.location(first[0])).len(), 2);
        assert_eq!(p.samples().stack(1).next(), Some(first[0]));
    }

    #[test]
    fn simplify_function_cuts_arguments_like_pprof() {
        assert_eq!(simplify_function("runtime.(*mheap).alloc"), "runtime.");
        assert_eq!(simplify_function("main.main"), "main.main");
        assert_eq!(simplify_function("f(int)"), "f");
        assert_eq!(
            simplify_function("(anonymous namespace)::g(int)"),
            "(anonymous namespace)::g"
        );
        assert_eq!(simplify_function("A::operator()(int)"), "A::operator()");
    }

    #[test]
    fn comments_parse_with_tab_runs() {
        let c = Comment::parse("\t0x4b91e8\tmain.main+0x168\t\t\t\tleaky/main.go:292").unwrap();
        assert_eq!(c.pc, 0x4b91e8);
        assert_eq!(c.name, "main.main");
        assert_eq!(c.entry(), Some(0x4b91e8 - 0x168));
        assert_eq!(c.file, "leaky/main.go");
        assert_eq!(c.line, 292);
        assert!(Comment::parse(" labels: {\"a\":\"b\"}").is_none());
    }

    /// The general reading of a comment line, as the records read any line.
    fn general(line: &str) -> Option<(u64, String, Option<u64>, String, i64)> {
        let c = comment_body(line.trim()).and_then(Comment::parse)?;
        Some((c.pc, c.name.into(), c.offset, c.file.into(), c.line))
    }

    fn fast(line: &str) -> Option<(u64, String, Option<u64>, String, i64)> {
        let c = Comment::parse_frame(line)?;
        Some((c.pc, c.name.into(), c.offset, c.file.into(), c.line))
    }

    #[test]
    fn a_frame_comment_reads_the_same_on_its_own_path() {
        // The runtime's forms: one tab or a run before the position, a
        // name holding `+`, `:` and spaces, a Windows path.
        for line in [
            "#\t0x4b91e8\tmain.main+0x168\t\t\t\tleaky/main.go:292",
            "#\t0x1\tf+0x0\tf.go:0",
            "#\t0xffffffffffffffff\ta+b (c:d)+0x1+0xabcdef0123456789\tC:\\x\\y.go:9",
            "#\t0x10\t+0x10\t:1",
            "#\t0x00000000004b91e8\tmain.main+0x168\tmain.go:292",
        ] {
            assert_eq!(fast(line), general(line), "{line}");
            assert!(fast(line).is_some(), "{line}");
        }
        // Anything else is left to the general path (whatever it makes of
        // it), never read differently.
        for line in [
            "#\t0x4b91e8\tmain.main+0x168\tmain.go:292 ",
            "#\t0x4b91e8\tmain.main+0x168\tmain.go:292\r",
            "# \t0x4b91e8\tmain.main+0x168\tmain.go:292",
            "#\t0x4B91E8\tmain.main+0x168\tmain.go:292",
            "#\t0x000000000004b91e8\tmain.main+0x168\tmain.go:292",
            "#\t0x4b91e8 \tmain.main+0x168\tmain.go:292",
            "#\t0x4b91e8\tmain.main+0x1G8\tmain.go:292",
            "#\t0x4b91e8\tmain.main+0x\tmain.go:292",
            "#\t0x4b91e8\tmain.main+0x168+x\tmain.go:292",
            "#\t0x4b91e8\tmain.main+0x168\tmain.go:2\t92",
            "#\t0x4b91e8\tmain.main+0x168\tmain.go292",
            "#\t0x4b91e8\tmain.main+0x168\tmain.go:99999999999999999999",
            "#\t0x4b91e8\tmain.main+0x168",
            "#\t0x4b91e8",
            "#\t0x\tmain.main+0x168\tmain.go:292",
        ] {
            assert_eq!(fast(line), None, "{line}");
        }
    }

    proptest::proptest! {
        /// Lines made of the bytes a comment's structure turns on.
        #[test]
        fn frame_comments_never_read_differently(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "#", "\t", "0x", "0", "9", "a", "f", "F", "g", "+", ":", " ", "\r", "é", "1",
                ]),
                0..40,
            )
        ) {
            let line = format!("#\t0x{}", parts.concat());
            if let Some(read) = fast(&line) {
                proptest::prop_assert_eq!(Some(read), general(&line));
            }
        }
    }

    #[test]
    fn a_comment_finds_the_first_entry_holding_either_address() {
        let short = [5, 7, 9, 7, 5];
        // Enough to be indexed rather than scanned.
        let long: Vec<u64> = (0..200).map(|i| i % 50).collect();
        for addresses in [&short[..], &long[..]] {
            let finder = Finder::new(addresses);
            for from in 0..addresses.len() + 1 {
                for (a, b) in [(5, 7), (7, 5), (9, 1), (1, 2), (49, 0)] {
                    let want =
                        (from..addresses.len()).find(|&j| addresses[j] == a || addresses[j] == b);
                    assert_eq!(finder.first_of(a, b, from), want, "{a} {b} from {from}");
                }
            }
        }
    }

    #[test]
    fn long_addresses_read_as_pprof_reads_them() {
        let read = |list: &str| {
            let mut addresses = Vec::new();
            address_prefix(1, list, &mut addresses).map(|()| addresses)
        };
        assert_eq!(
            read("0x00000000000000000001 0xffffffffffffffff").ok(),
            Some(vec![1, u64::MAX])
        );
        assert!(read("0x10000000000000000").is_err());
        // As pprof's `0x[0-9a-f]+` finds them: `0x0`, then no more before
        // the `g` that ends the list.
        assert_eq!(read("0x 0x0x1 0xg 0x2").ok(), Some(vec![0]));
    }
}
