//! Function names as `go tool pprof` shows them.
//!
//! pprof rewrites names when it loads a profile (its symbolizer's
//! `Demangle`), before any filter or report sees them: a function without
//! a name takes its system name, and C++ and Rust symbols are demangled —
//! by default simplified to `std::vector::push_back`, without parameters,
//! template arguments or return type. Names that are not mangled but look
//! like demangled C++ are simplified the same way. pprof-tui applies the
//! same rules wherever it names a node or matches a filter, without
//! changing the profile.

use std::borrow::Cow;

use cpp_demangle::{DemangleOptions, Symbol};

use crate::profile::Profile;

/// How much of a demangled C++ name to keep (pprof's
/// `-symbolize=demangle=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Demangle {
    /// pprof's default: no parameters, template arguments or return type
    /// (`std::vector::push_back`).
    #[default]
    Simplified,
    /// `demangle=templates`: template arguments kept
    /// (`std::vector<int>::push_back`).
    Templates,
    /// `demangle=full`: the whole signature
    /// (`std::vector<int>::push_back(int const&)`), and names the profile
    /// already had demangled are demangled again from the system name.
    Full,
}

impl Demangle {
    pub const ALL: [Demangle; 3] = [Demangle::Simplified, Demangle::Templates, Demangle::Full];

    pub fn as_str(self) -> &'static str {
        match self {
            Demangle::Simplified => "default",
            Demangle::Templates => "templates",
            Demangle::Full => "full",
        }
    }
}

impl std::str::FromStr for Demangle {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Demangle::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| format!("unknown demangling '{s}' (use default, templates or full)"))
    }
}

/// Per function of `profile`: the name pprof shows when it differs from
/// [`Function::name`], else `None` (the common case for Go profiles, so
/// nothing is copied).
///
/// [`Function::name`]: crate::profile::Function::name
pub(crate) fn shown_names(profile: &Profile, mode: Demangle) -> Vec<Option<String>> {
    profile
        .functions
        .iter()
        .map(|f| {
            let name = profile.string(f.name);
            match shown_name(name, profile.string(f.system_name), mode) {
                Cow::Borrowed(shown) if shown == name => None,
                shown => Some(shown.into_owned()),
            }
        })
        .collect()
}

/// The name pprof shows for a function with this name and system name (its
/// `demangleSingleFunction`, after `Demangle` with `force` for any mode but
/// the default).
pub fn shown_name<'a>(name: &'a str, system_name: &'a str, mode: Demangle) -> Cow<'a, str> {
    let force = mode != Demangle::Simplified;
    let name = if force && !name.is_empty() && !system_name.is_empty() {
        system_name
    } else {
        name
    };
    if !name.is_empty() && name != system_name {
        // Demangled already (or a Go name with a differing system name).
        return Cow::Borrowed(name);
    }
    let system = system_name;
    if let Some(demangled) = demangle(system, mode).filter(|d| d != system) {
        return Cow::Owned(demangled);
    }
    if !looks_like_demangled_cpp(system) {
        return Cow::Borrowed(system);
    }
    match mode {
        Demangle::Simplified => Cow::Owned(remove_matching(
            &remove_matching(system, '(', ')'),
            '<',
            '>',
        )),
        Demangle::Templates => Cow::Owned(remove_matching(system, '(', ')')),
        Demangle::Full => Cow::Borrowed(system),
    }
}

/// Demangles a Rust (legacy or v0) or C++ (Itanium) symbol; `None` when it
/// is not one.
fn demangle(symbol: &str, mode: Demangle) -> Option<String> {
    if symbol.starts_with("_R") || is_legacy_rust(symbol) {
        // Rust paths carry no parameters; the hash is never shown.
        return rustc_demangle::try_demangle(symbol)
            .ok()
            .map(|d| format!("{d:#}"));
    }
    if !symbol.starts_with("_Z") {
        return None;
    }
    let parsed = Symbol::new(symbol.as_bytes()).ok()?;
    let options = match mode {
        Demangle::Full => DemangleOptions::new(),
        Demangle::Simplified | Demangle::Templates => {
            DemangleOptions::new().no_params().no_return_type()
        }
    };
    // A crafted symbol can expand enormously (substitutions referring to
    // substitutions); past a size no one reads, keep the symbol as it is.
    let mut out = Bounded(String::new());
    parsed.structured_demangle(&mut out, &options).ok()?;
    let mut text = out.0;
    // pprof's demangler drops clone suffixes (`.constprop.0`) in every mode.
    if let Some(at) = text.find(" [clone ") {
        text.truncate(at);
    }
    if mode != Demangle::Full {
        // Without parameters pprof prints no qualifiers of the function
        // either (`{lambda()#1}::operator()`, not `… const`).
        while let Some(rest) = [" const", " volatile", " &&", " &"]
            .iter()
            .find_map(|q| text.strip_suffix(q))
        {
            text.truncate(rest.len());
        }
    }
    Some(match mode {
        Demangle::Simplified => without_template_args(&text),
        Demangle::Templates | Demangle::Full => text,
    })
}

/// The longest demangled name produced (64 KiB).
const MAX_DEMANGLED: usize = 64 * 1024;

/// A string that refuses to grow past [`MAX_DEMANGLED`].
struct Bounded(String);

impl std::fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.0.len() + s.len() > MAX_DEMANGLED {
            return Err(std::fmt::Error);
        }
        self.0.push_str(s);
        Ok(())
    }
}

/// Operator names whose `<` and `>` are not brackets, longest first.
const ANGLE_OPERATORS: [&str; 11] = [
    "operator<=>",
    "operator<<=",
    "operator>>=",
    "operator->*",
    "operator<<",
    "operator>>",
    "operator<=",
    "operator>=",
    "operator->",
    "operator<",
    "operator>",
];

/// A demangled name without its template arguments (`<…>` groups), as
/// pprof's demangler prints it with `NoTemplateParams`; the angle brackets
/// of operator names (`operator<<`, `operator<=>`) stay.
fn without_template_args(name: &str) -> String {
    // Operator brackets become private-use characters while groups are
    // removed, then come back.
    const LT: char = '\u{e000}';
    const GT: char = '\u{e001}';
    let mut guarded = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(at) = rest.find("operator") {
        guarded.push_str(&rest[..at]);
        let tail = &rest[at..];
        match ANGLE_OPERATORS.iter().find(|op| tail.starts_with(**op)) {
            Some(op) => {
                guarded.extend(op.chars().map(|c| match c {
                    '<' => LT,
                    '>' => GT,
                    c => c,
                }));
                rest = &tail[op.len()..];
            }
            None => {
                guarded.push_str("operator");
                rest = &tail["operator".len()..];
            }
        }
    }
    guarded.push_str(rest);
    remove_matching(&guarded, '<', '>')
        .chars()
        .map(|c| match c {
            LT => '<',
            GT => '>',
            c => c,
        })
        .collect()
}

/// An old-style Rust symbol: `_ZN…17h<16 hex digits>E`, optionally with a
/// `.suffix`.
fn is_legacy_rust(symbol: &str) -> bool {
    let Some(rest) = symbol.strip_prefix("_ZN") else {
        return false;
    };
    let core = match rest.rfind("E.") {
        Some(at) => &rest[..=at],
        None => rest,
    };
    let bytes = core.as_bytes();
    bytes.len() > 20
        && bytes.ends_with(b"E")
        && &bytes[bytes.len() - 20..bytes.len() - 17] == b"17h"
        && bytes[bytes.len() - 17..bytes.len() - 1]
            .iter()
            .all(u8::is_ascii_hexdigit)
}

/// pprof's heuristic for a name that is demangled C++ already.
fn looks_like_demangled_cpp(name: &str) -> bool {
    if name.contains(".<") || name.contains("]).") {
        // Java's `class.<init>`, Go's `pkg.(*T[...]).Method`.
        return false;
    }
    name.contains(['<', '>', '[', ']']) || name.contains("::")
}

/// Removes nested `open … close` groups from `name`, as pprof's
/// `removeMatching` does; at a stray `close` it stops, keeping the rest.
fn remove_matching(name: &str, open: char, close: char) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    for (i, c) in name.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            if depth == 0 {
                out.push_str(&name[i..]);
                return out;
            }
            depth -= 1;
        } else if depth == 0 {
            out.push(c);
        }
    }
    if depth > 0 {
        // An unclosed group stays, as pprof never finds its end.
        let cut = unclosed_start(name, open, close);
        out.push_str(&name[cut..]);
    }
    out
}

/// Where the last top-level group that never closes starts.
fn unclosed_start(name: &str, open: char, close: char) -> usize {
    let mut depth = 0usize;
    let mut start = name.len();
    for (i, c) in name.char_indices() {
        if c == open {
            if depth == 0 {
                start = i;
            }
            depth += 1;
        } else if c == close {
            depth = depth.saturating_sub(1);
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pprofs_simplifications() {
        let simple = |n: &str, s: &str| shown_name(n, s, Demangle::Simplified).into_owned();
        assert_eq!(simple("", "_ZN3foo3barEv"), "foo::bar");
        assert_eq!(simple("_ZN3foo3barEv", "_ZN3foo3barEv"), "foo::bar");
        assert_eq!(simple("", "svc_main"), "svc_main");
        assert_eq!(
            simple(
                "std::vector<int>::push_back(int const&)",
                "std::vector<int>::push_back(int const&)"
            ),
            "std::vector::push_back"
        );
        // Already demangled by the profiler: kept.
        assert_eq!(simple("foo::bar(int)", "_ZN3foo3barEi"), "foo::bar(int)");
        assert_eq!(
            simple("main.(*T[...]).M", "main.(*T[...]).M"),
            "main.(*T[...]).M"
        );
        assert_eq!(simple("main.main", "main.main"), "main.main");
        assert_eq!(
            simple("", "_ZN4core3ptr13drop_in_place17h0123456789abcdefE"),
            "core::ptr::drop_in_place"
        );
    }

    #[test]
    fn full_demangling_keeps_the_signature() {
        let full = |n: &str, s: &str| shown_name(n, s, Demangle::Full).into_owned();
        assert_eq!(full("", "_ZN3foo3barEi"), "foo::bar(int)");
        assert_eq!(full("foo::bar", "_ZN3foo3barEi"), "foo::bar(int)");
        assert_eq!(
            full(
                "std::vector<int>::push_back(int const&)",
                "std::vector<int>::push_back(int const&)"
            ),
            "std::vector<int>::push_back(int const&)"
        );
    }

    /// The substitution `S<n>_` (Itanium ABI: `S_` is the first, then a
    /// base-36 sequence number).
    fn substitution(n: u32) -> String {
        match n {
            0 => "S_".to_owned(),
            n => {
                let digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".as_bytes();
                let (mut seq, mut out) = (n - 1, Vec::new());
                loop {
                    out.push(digits[(seq % 36) as usize]);
                    seq /= 36;
                    if seq == 0 {
                        break;
                    }
                }
                out.reverse();
                format!("S{}_", String::from_utf8_lossy(&out))
            }
        }
    }

    #[test]
    fn exploding_symbols_stay_mangled() {
        // f<A<int>, B<A<int>, A<int>>, B<that, that>, …>: each argument
        // names the previous one twice, so the text doubles per argument
        // (2^40 bytes in full) while the symbol grows by a few bytes.
        // Substitutions: f, A, A<int>, B, B<A<int>, A<int>>, then one per
        // argument.
        let mut symbol = String::from("_Z1fI1AIiE1BIS1_S1_E");
        for level in 2..42 {
            let previous = substitution(level + 2);
            symbol.push_str(&format!("S2_I{previous}{previous}E"));
        }
        symbol.push_str("Evv");
        // Small enough, the same construction does demangle.
        let small = "_Z1fI1AIiE1BIS1_S1_ES2_IS3_S3_EEvv";
        assert_eq!(
            shown_name(small, small, Demangle::Full),
            "void f<A<int>, B<A<int>, A<int> >, B<B<A<int>, A<int> >, B<A<int>, A<int> > > >()"
        );
        let shown = shown_name(&symbol, &symbol, Demangle::Full);
        assert_eq!(shown, symbol);
    }

    #[test]
    fn remove_matching_is_pprofs() {
        assert_eq!(remove_matching("a<b<c>>::d<e>", '<', '>'), "a::d");
        assert_eq!(remove_matching("a>b", '<', '>'), "a>b");
        assert_eq!(remove_matching("a<b>c>d", '<', '>'), "ac>d");
        assert_eq!(remove_matching("f(int)(x", '(', ')'), "f(x");
        assert_eq!(
            without_template_args("Foo<int>::operator<=><Bar<char>>"),
            "Foo::operator<=>"
        );
        assert_eq!(without_template_args("ns::operator<<"), "ns::operator<<");
    }
}
