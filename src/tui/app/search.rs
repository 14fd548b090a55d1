//! The search: the `/` prompt, moving the shown view's cursor to a
//! match, and how much of the (zoomed) graph the matches cover.

use super::App;
use crate::analysis::Coverage;
use crate::tui::action::{Action, ViewKind};
use crate::tui::components::{Component, Ctx};
use crate::tui::search::{Search, search_regex};
use crate::tui::views;

impl App {
    pub(super) fn update_prompt(&mut self, action: Action) {
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        match action {
            Action::Input(c) => prompt.text.push(c),
            Action::InputBackspace => {
                prompt.text.pop();
            }
            Action::InputSubmit => {
                let text = std::mem::take(&mut prompt.text);
                self.prompt = None;
                if text.is_empty() {
                    self.search = None;
                } else {
                    self.set_search(&text);
                }
            }
            Action::Back => self.prompt = None,
            Action::Quit => self.quit = true,
            Action::Resize(w, h) => self.resize(w, h),
            _ => {}
        }
    }

    /// Searches for `pattern` and moves the view's cursor to the first
    /// match from where it is.
    pub(super) fn set_search(&mut self, pattern: &str) {
        let regex = match search_regex(pattern) {
            Ok(regex) => regex,
            Err(e) => return self.say(&e.to_string(), true),
        };
        let coverage = if self.model.tree_ready {
            self.model.tree.coverage(&regex, self.zoom())
        } else {
            Coverage::default()
        };
        self.search = Some(Search { regex, coverage });
        let on_match = {
            let ctx = ctx!(self);
            let regex = &ctx.search.map(|s| s.regex.clone());
            regex.as_ref().is_some_and(|r| match self.view {
                ViewKind::Top => self.top.on_match(r, &ctx),
                ViewKind::Flame => self.flame.on_match(r, &ctx),
                ViewKind::Peek => self.peek.on_match(r, &ctx),
                ViewKind::Source => self.source.on_match(r, &ctx),
                ViewKind::Trend => self.trend.as_ref().is_some_and(|t| t.on_match(r, &ctx)),
                ViewKind::Goroutines => self.goroutines.on_match(r, &ctx),
            })
        };
        // Frames and callers exist once the call tree does; until then the
        // search only highlights.
        let listed = matches!(
            self.view,
            ViewKind::Top | ViewKind::Trend | ViewKind::Goroutines
        );
        if !on_match && (listed || self.model.tree_ready) {
            self.search_step(true);
        }
    }

    pub(super) fn search_step(&mut self, forward: bool) {
        let Some(regex) = self.search.as_ref().map(|s| s.regex.clone()) else {
            return self.say("no search: press / to search", true);
        };
        let ctx = ctx!(self);
        let found = match self.view {
            ViewKind::Top => self.top.find(&regex, forward, &ctx),
            ViewKind::Flame => self.flame.find(&regex, forward, &ctx),
            ViewKind::Peek => self.peek.find(&regex, forward, &ctx),
            ViewKind::Source => self.source.find(&regex, forward, &ctx),
            ViewKind::Trend => match self.trend.as_mut() {
                Some(trend) => trend.find(&regex, forward, &ctx),
                None => false,
            },
            ViewKind::Goroutines => self.goroutines.find(&regex, forward, &ctx),
        };
        if !found && !self.model.tree_ready && matches!(self.view, ViewKind::Flame | ViewKind::Peek)
        {
            self.say("the call tree is still being built", false);
        } else if !found {
            self.say("no match in this view", true);
        } else if self.view == ViewKind::Flame {
            self.refresh_coverage();
        }
    }

    /// The search's coverage follows the flame graph's zoom.
    pub(super) fn refresh_coverage(&mut self) {
        if !self.model.tree_ready {
            return;
        }
        let zoom = self.zoom();
        if let Some(search) = self.search.as_mut() {
            search.coverage = self.model.tree.coverage(&search.regex, zoom);
        }
    }
}
