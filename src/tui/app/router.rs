//! The views the app routes to: one component each, and the one place that
//! knows which component draws which [`ViewKind`]. A new view is a new
//! field here, its arm in [`Views::shown`] and [`Views::shown_mut`], and a
//! [`ViewKind`] variant (which gives it its Tab place, number key and
//! title).

use crate::tui::action::ViewKind;
use crate::tui::components::Component;
use crate::tui::components::flame::FlameView;
use crate::tui::components::goroutines::GoroutinesView;
use crate::tui::components::peek::PeekView;
use crate::tui::components::source::SourceView;
use crate::tui::components::top::TopView;
use crate::tui::trend::TrendModel;

/// Every view's component; each owns its cursor, zoom or history.
#[derive(Default)]
pub struct Views {
    pub top: TopView,
    pub flame: FlameView,
    pub peek: PeekView,
    pub source: SourceView,
    /// The Trend view, when several snapshots were given (or a watch has
    /// delivered some).
    pub trend: Option<TrendModel>,
    /// The Goroutines view, for a goroutine profile or dump (not a diff,
    /// whose base is negated).
    pub goroutines: Option<GoroutinesView>,
}

impl Views {
    /// The component drawing `view`, if this app has that view.
    pub fn shown(&self, view: ViewKind) -> Option<&dyn Component> {
        Some(match view {
            ViewKind::Top => &self.top,
            ViewKind::Flame => &self.flame,
            ViewKind::Peek => &self.peek,
            ViewKind::Source => &self.source,
            ViewKind::Trend => self.trend.as_ref()?,
            ViewKind::Goroutines => self.goroutines.as_ref()?,
        })
    }

    /// The component drawing `view`, to hand it an action.
    pub fn shown_mut(&mut self, view: ViewKind) -> Option<&mut dyn Component> {
        Some(match view {
            ViewKind::Top => &mut self.top,
            ViewKind::Flame => &mut self.flame,
            ViewKind::Peek => &mut self.peek,
            ViewKind::Source => &mut self.source,
            ViewKind::Trend => self.trend.as_mut()?,
            ViewKind::Goroutines => self.goroutines.as_mut()?,
        })
    }

    /// The views this app has, in Tab order.
    pub fn available(&self) -> Vec<ViewKind> {
        ViewKind::ALL
            .into_iter()
            .filter(|&v| self.shown(v).is_some())
            .collect()
    }
}
