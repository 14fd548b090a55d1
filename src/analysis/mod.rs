//! Pure computations over a [`Profile`](crate::profile::Profile): filtering,
//! aggregation, call trees, diffs. No I/O and no terminal here.

pub mod aggregate;
pub mod calltree;
pub mod cancel;
pub mod diff;
pub mod escape;
pub mod explain;
pub mod filter;
pub mod goroutines;
pub mod joined;
pub mod leaks;
pub mod limit;
pub mod lines;
pub mod lineup;
pub mod names;
pub mod runtime;
pub mod series;
pub mod signatures;
pub mod sites;
pub mod stacks;
pub mod study;
pub mod tags;
pub mod top;
pub mod trend;

pub use aggregate::{
    EDGE_FRACTION, Inlined, NodeTotals, SortBy, SuffixesInWalk, node_totals, node_totals_inlined,
    resolve_inlining, resolve_inlining_among, sort_totals, total,
};
pub use calltree::{
    CallId, CallNode, CallTree, Coverage, FlameRect, NodeSums, Peek, PeekEdge, apportion,
    flame_layout,
};
pub use cancel::Cancel;
pub use filter::{FilterError, Filters, TagFilter, compile_regex};
pub use lineup::Lineup;
pub use names::Demangle;
pub use sites::{Series, StackSite, inline_suffixes, is_runtime_frame, series};
pub use stacks::{Frame, Granularity, NodeId, NodeInfo, StackRef, Stacks, is_goroutine_profile};
pub use study::{Sides, Study, StudyError, Timeline, study_granularity};
pub use top::{Top, TopOptions, TopOrder, TopRow, top, top_of};
