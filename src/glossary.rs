//! The words the reports and the TUI use, defined once: `pprof-tui
//! glossary` (and `pprof-tui help glossary`) prints them, and the TUI's
//! help shows the same list on its glossary page. A Go developer meeting
//! "cum" or "churn" for the first time should not need the README.

/// Each term and what it means, in the order a reader meets them.
pub const TERMS: &[(&str, &str)] = &[
    (
        "flat",
        "what a function (or line, file…) did itself: the samples whose innermost frame it is. \
         Large flat = this code allocates, or burns CPU, directly.",
    ),
    (
        "cum",
        "cumulative: the samples in which the function appears anywhere on the stack, itself and \
         everything it calls. A sample counts once even when the function recurses.",
    ),
    (
        "inuse / alloc",
        "heap profiles carry four sample types. inuse_space and inuse_objects are what was live \
         at the last GC: what the program holds, where leaks show. alloc_space and alloc_objects \
         count every allocation since the program started, freed or not: where GC load (churn) \
         comes from. They only ever grow.",
    ),
    (
        "sample rate",
        "Go records about one allocation per 512 KiB allocated (runtime.MemProfileRate) and \
         scales each sample up, as pprof does; small sites are estimates, and a steady leak grows \
         in steps. CPU profiles sample 100 times a second.",
    ),
    (
        "site",
        "one row of a report: a function, a line, a file or a whole stack, as --granularity says.",
    ),
    (
        "diff",
        "the new profile minus the base, site by site; percentages are of the base total, as \
         pprof -diff_base reports them.",
    ),
    (
        "score",
        "trend's 0-100 measure of how much a site looks like a leak: its growth as a share of the \
         heap, weighted by how steadily and how persistently it grew.",
    ),
    (
        "suspect",
        "a site whose in-use value keeps growing across the snapshots, by more than noise and a \
         noticeable share of the heap: a leak candidate. A cache that filled and then stayed \
         flat, or garbage that comes and goes, is not one.",
    ),
    (
        "confidence",
        "how sure trend's test is that a site's growth is real and not sampling noise: one minus \
         the Mann-Kendall p-value for growth (88% for two rising intervals, above 99% for a \
         staircase over 30 snapshots).",
    ),
    (
        "restart",
        "a snapshot from a new process (its counters fell): growth is judged within each run of \
         the process, never across a restart.",
    ),
    (
        "retained",
        "explain's class for a site holding a large share of what is in use: find what holds it \
         and bound it.",
    ),
    (
        "churn",
        "explain's class for a site that allocates much and keeps almost none: short-lived \
         garbage that keeps the GC busy; reuse it or allocate less often.",
    ),
    (
        "large",
        "explain's class for a site whose objects are 32 kB or more each: stream or reuse them.",
    ),
    (
        "leak",
        "explain's class for a site that is also a trend suspect across the snapshots given.",
    ),
    (
        "escapes",
        "the compiler's escape analysis (go build -gcflags=-m=2) says why a value lives on the \
         heap instead of the stack: stored in a global, returned, captured, boxed in an \
         interface, too large or of unknown size.",
    ),
    (
        "proven leak",
        "goroutines the Go runtime itself proved blocked forever (the goroutineleak profile, \
         or (leaked) in a goroutine dump): nothing reachable can ever wake them.",
    ),
    (
        "goroutine leak",
        "goroutines that block forever (on a channel nobody serves, a lock, a body never read) \
         and so never return: their number grows with every request.",
    ),
];

/// The glossary as plain text, one term per paragraph, lines wrapped at
/// `width` columns.
pub fn text(width: usize) -> String {
    let width = width.max(40);
    let mut out = String::new();
    for (term, meaning) in TERMS {
        out.push_str(term);
        out.push('\n');
        for line in wrap(meaning, width - INDENT.len()) {
            out.push_str(INDENT);
            out.push_str(&line);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// How far a meaning is indented under its term.
pub(crate) const INDENT: &str = "   ";

/// `text` cut into lines of at most `width` characters at spaces (a word
/// longer than `width` gets a line of its own): the one wrapping of the
/// glossary, for the CLI and the TUI's page.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if used > 0 && used + 1 + n > width {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        line.push_str(word);
        used += n;
    }
    if used > 0 {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_is_printed_and_wrapped() {
        let text = text(60);
        for (term, _) in TERMS {
            assert!(text.contains(&format!("{term}\n   ")), "{term}");
        }
        assert!(text.lines().all(|l| l.chars().count() <= 60), "{text}");
        assert!(text.contains("\n   heap profiles carry four sample types."));
    }

    #[test]
    fn wrap_counts_characters_and_keeps_long_words() {
        assert_eq!(wrap("ab cd ef", 5), ["ab cd", "ef"]);
        assert_eq!(wrap("…… ab", 5), ["…… ab"]);
        assert_eq!(wrap("abcdefgh ij", 4), ["abcdefgh", "ij"]);
        assert!(wrap("  ", 10).is_empty());
    }
}
