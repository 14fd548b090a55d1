//! The interactive terminal UI (ratatui + crossterm) over the same analysis
//! as the text reports.
//!
//! [`run`] owns the terminal: it enters raw mode and the alternate screen
//! through a guard that restores them on every way out (return, error,
//! panic), shows a progress line while a background thread decodes the
//! profile and computes the first model, then redraws only when an event
//! arrives — there is no ticking while idle.

pub mod action;
pub mod app;
pub mod components;
pub mod export;
pub mod filters;
pub mod jobs;
pub mod keymap;
pub mod model;
pub mod search;
pub mod session;
pub mod theme;
pub mod trend;
pub mod views;
pub mod watch;
pub mod why;

use std::io::{self, IsTerminal, Stdout};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::style::Style;

pub use app::{App, AppOptions};
pub use filters::{Chip, ChipKind};
pub use session::{Opening, Request, Session};

/// Runs the UI until the user quits. `load` runs on a background thread
/// (decoding can take seconds on large profiles) and returns the ready app.
pub fn run<F>(load: F, what: &str) -> Result<()>
where
    F: FnOnce((u16, u16)) -> Result<App> + Send + 'static,
{
    if !io::stdout().is_terminal() {
        anyhow::bail!(
            "standard output is not a terminal; the interactive view needs one (for a text report use `pprof-tui top {what}`)"
        );
    }
    let mut guard = TerminalGuard::enter().context("setting up the terminal")?;
    let size = guard.terminal.size().context("reading the terminal size")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(load((size.width, size.height)));
    });
    let mut app = loading(&mut guard.terminal, &rx, what)?;
    main_loop(&mut guard.terminal, &mut app)?;
    drop(guard);
    // The process ends next: freeing what the app holds (a watch's
    // series, the profiles: hundreds of megabytes) would only delay it,
    // and the workers are not waited for.
    if let Some(watch) = app.watch() {
        watch.stop();
    }
    std::mem::forget(app);
    Ok(())
}

/// Shows a progress line until the loader answers. The only loop that
/// wakes up on a timer, since something is happening.
fn loading<B: Backend>(
    terminal: &mut Terminal<B>,
    rx: &mpsc::Receiver<Result<App>>,
    what: &str,
) -> Result<App>
where
    B::Error: Send + Sync + 'static,
{
    let start = Instant::now();
    let spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let mut tick = 0usize;
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(app) => return app,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                anyhow::bail!("loading {what} stopped unexpectedly")
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        tick += 1;
        let text = format!(
            " {} loading {what} … {:.1}s   (q quits)",
            spinner[tick % spinner.len()],
            start.elapsed().as_secs_f64()
        );
        terminal.draw(|frame| {
            let area = frame.area();
            let y = area.height / 2;
            frame
                .buffer_mut()
                .set_stringn(0, y, text, usize::from(area.width), Style::default());
        })?;
        while event::poll(Duration::ZERO)? {
            if let Some(action::Action::Quit) = keymap::action_for(&event::read()?, false) {
                anyhow::bail!("interrupted while loading {what}");
            }
        }
    }
}

fn main_loop<B: Backend>(terminal: &mut Terminal<B>, app: &mut App) -> Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let size = terminal.size()?;
    app.update(action::Action::Resize(size.width, size.height));
    let (tx, rx) = mpsc::channel::<jobs::Done>();
    let workers = jobs::Workers::start(jobs::WORKERS);
    let mut dirty = true;
    let mut drawn = Instant::now();
    loop {
        while let Some(job) = app.take_job() {
            workers.run(job, app.profile_arc(), tx.clone());
        }
        // Drawn when something changed; else only to move the progress
        // indicator and the watch's clocks along: a frame of a big view
        // costs milliseconds, and a watch wakes up often.
        let tick = if app.busy().is_some() {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(1)
        };
        let ticking = app.busy().is_some() || app.watch().is_some();
        if dirty || (ticking && drawn.elapsed() >= tick) {
            terminal.draw(|frame| views::render(app, frame))?;
            dirty = false;
            drawn = Instant::now();
        }
        // Idle: block until the user does something. Busy: wake up to
        // collect results soon after they are done (a watch's next
        // snapshot follows quickly). Watching: wake up for new snapshots.
        let wait = if app.busy().is_some() { 25 } else { 100 };
        let ready = !ticking || event::poll(Duration::from_millis(wait))?;
        if ready {
            let event = event::read()?;
            if let Some(action) = keymap::action_for(&event, app.prompt().is_some()) {
                app.update(action);
            }
            // `q` quits now: results waiting to be taken in (a new ranking,
            // a snapshot) would only delay it.
            if app.should_quit() {
                return Ok(());
            }
            dirty = true;
        }
        while let Ok(done) = rx.try_recv() {
            app.finish(done);
            dirty = true;
        }
        dirty |= app.poll_feed();
        if app.should_quit() {
            return Ok(());
        }
    }
}

/// Raw mode, alternate screen and mouse capture, undone on drop and on panic.
struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        let entered = execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)
            .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())));
        match entered {
            Ok(mut terminal) => {
                // No `clear()`: it asks the terminal for the cursor position,
                // and the alternate screen starts blank anyway.
                terminal.hide_cursor()?;
                Ok(TerminalGuard { terminal })
            }
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = self.terminal.show_cursor();
        restore();
    }
}

/// Leaves raw mode and the alternate screen; safe to call more than once.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Restores the terminal before the default panic message prints, so the
/// message is readable and the shell usable.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
