//! The search: the `/` prompt, the active regex and how much of the
//! profile it covers. Moving to a match is each view's business (see
//! [`Component::find`](super::components::Component::find)).

use regex::Regex;

use crate::analysis::{Coverage, FilterError, compile_regex};

/// An active search.
#[derive(Debug, Clone)]
pub struct Search {
    pub regex: Regex,
    pub coverage: Coverage,
}

/// A line of text the user is typing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub text: String,
}

/// A search pattern as a regex, with smart case as vim, less and ripgrep
/// have it: a pattern without capitals ignores case.
pub fn search_regex(pattern: &str) -> Result<Regex, FilterError> {
    let regex = compile_regex("search", pattern)?;
    if pattern.chars().any(char::is_uppercase) {
        return Ok(regex);
    }
    Ok(regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .unwrap_or(regex))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_case() {
        let r = search_regex("audit").unwrap();
        assert!(r.is_match("main.recordAudit"));
        let r = search_regex("Audit").unwrap();
        assert!(!r.is_match("main.recordaudit"));
        assert!(search_regex("(").is_err());
    }
}
