//! The search: the `/` prompt, moving the shown view's cursor to a
//! match, and how much of the (zoomed) graph the matches cover.

use super::App;
use crate::analysis::Coverage;
use crate::tui::action::{Action, ViewKind};
use crate::tui::search::{Search, search_regex};

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
                    self.shared.search = None;
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
        let model = &self.shared.model;
        let coverage = if model.tree_ready {
            model.tree.coverage(&regex, self.zoom())
        } else {
            Coverage::default()
        };
        let on_match = self
            .shown()
            .is_some_and(|view| view.on_match(&regex, &self.shared.ctx()));
        self.shared.search = Some(Search { regex, coverage });
        // Frames and callers exist once the call tree does; until then the
        // search only highlights.
        let listed = matches!(
            self.view,
            ViewKind::Top | ViewKind::Trend | ViewKind::Goroutines
        );
        if !on_match && (listed || self.shared.model.tree_ready) {
            self.search_step(true);
        }
    }

    pub(super) fn search_step(&mut self, forward: bool) {
        let Some(regex) = self.shared.search.as_ref().map(|s| s.regex.clone()) else {
            return self.say("no search: press / to search", true);
        };
        let before = self.selection();
        let ctx = self.shared.ctx();
        let found = self
            .views
            .shown_mut(self.view)
            .is_some_and(|view| view.find(&regex, forward, &ctx));
        if found && self.selection() == before {
            return self.say("the only match in this view", false);
        }
        if !found
            && !self.shared.model.tree_ready
            && matches!(self.view, ViewKind::Flame | ViewKind::Peek)
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
        let zoom = self.zoom();
        let shared = &mut self.shared;
        if !shared.model.tree_ready {
            return;
        }
        if let Some(search) = shared.search.as_mut() {
            search.coverage = shared.model.tree.coverage(&search.regex, zoom);
        }
    }
}
