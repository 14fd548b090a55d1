//! Stopping a walk whose result is no longer wanted: the TUI asks for a
//! new model, call tree or set of inline suffixes while the old one is
//! still being computed, and the old one should give its thread back
//! within tens of milliseconds, not run to the end. A [`Cancel`] is handed
//! to a [`Stacks`](super::Stacks) view ([`Stacks::cancellable`](super::Stacks::cancellable)):
//! building the view looks at it every [`CHECK_EVERY`] locations, every
//! sample walk through it every [`CHECK_EVERY`] samples, and the call
//! tree's sort of the walked stacks between groups and passes
//! ([`StackOrder::sort_cancellable`](super::calltree::StackOrder::sort_cancellable));
//! each stops early once it is set. What a stopped walk returns is partial:
//! the caller asks [`Cancel::is_cancelled`] after it and throws the result
//! away.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Samples a walk visits (or locations a view's building maps) between
/// two looks at its [`Cancel`]: a few hundred microseconds of work at most.
pub(crate) const CHECK_EVERY: usize = 4096;

/// A flag the requester sets when it no longer wants the result; the
/// default is never set.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Option<Arc<AtomicBool>>);

impl Cancel {
    /// Cancelled once `flag` is set.
    pub fn new(flag: Arc<AtomicBool>) -> Cancel {
        Cancel(Some(flag))
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.as_ref().is_some_and(|f| f.load(Ordering::Relaxed))
    }
}
