//! What the views share: the profile and its [`Model`], the filter chips,
//! the search, the screen size and the "why on heap" results. The app
//! lends it to a component as a [`Ctx`]; it is kept apart from the views
//! so that one can be borrowed while a view is changed.

use std::sync::Arc;
use std::time::Instant;

use crate::profile::Profile;
use crate::tui::components::Ctx;
use crate::tui::filters::Chip;
use crate::tui::model::Model;
use crate::tui::search::Search;
use crate::tui::theme::Theme;
use crate::tui::views;
use crate::tui::why::WhyIndex;

pub(super) struct Shared {
    pub(super) profile: Arc<Profile>,
    pub(super) model: Model,
    pub(super) theme: Theme,
    pub(super) search: Option<Search>,
    pub(super) chips: Vec<Chip>,
    pub(super) size: (u16, u16),
    /// What is being computed, and since when: the progress indicator.
    pub(super) busy: Option<(&'static str, Instant)>,
    /// The explained sites, once computed.
    pub(super) why: Option<Arc<WhyIndex>>,
    /// Whether the "why on heap" column is shown.
    pub(super) why_column: bool,
    /// The page of the "why on heap" pane shown (`W`); any other key goes
    /// back to the first.
    pub(super) why_page: usize,
}

impl Shared {
    /// Lends the shared state to a component.
    pub(super) fn ctx(&self) -> Ctx<'_> {
        Ctx {
            model: &self.model,
            theme: &self.theme,
            search: self.search.as_ref(),
            chips: &self.chips,
            body: views::areas(self.size).body,
            diff: self.is_diff(),
            busy: self.busy,
            why: self.why.as_deref(),
            why_column: self.why_column,
            why_page: self.why_page,
        }
    }

    /// Whether this is a `--diff-base` comparison.
    pub(super) fn is_diff(&self) -> bool {
        !self.profile.samples().diff_base.is_empty()
    }
}
