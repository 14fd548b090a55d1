//! Speed of the interactive view on the ≈ 80 MB synthetic heap profile
//! (benches/support/synth.rs, the profile `cargo run --release --example
//! synth` writes). Targets: first screen ≤ 3 s; a navigation key to a
//! finished frame ≤ 16 ms (App::update + render on a 200×60 TestBackend);
//! re-aggregation after a sample type or filter change ≤ 300 ms.
//!
//! Run: `cargo bench --bench tui`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark; failures should be loud"
)]

use std::sync::{Arc, LazyLock};

use divan::Bencher;
use pprof_tui::analysis::Granularity;
use pprof_tui::profile::{DecodeOptions, Profile, decode};
use pprof_tui::tui::action::{Action, FilterKind, ViewKind};
use pprof_tui::tui::theme::{ColorMode, Theme};
use pprof_tui::tui::{App, AppOptions, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[path = "support/synth.rs"]
mod synth;

const SIZE: (u16, u16) = (200, 60);

/// The gzip'd profile bytes, as read from disk.
static BYTES: LazyLock<Vec<u8>> = LazyLock::new(|| synth::generate_gz(&synth::Shape::LARGE, 42).0);

static PROFILE: LazyLock<Arc<Profile>> =
    LazyLock::new(|| Arc::new(decode(&BYTES, &DecodeOptions::default()).unwrap()));

fn options(profile: &Profile) -> AppOptions {
    AppOptions {
        title: "synth.pb.gz".to_owned(),
        sample_index: profile.default_sample_index(),
        granularity: Granularity::Functions,
        chips: Vec::new(),
        source_paths: Vec::new(),
        export_dir: std::env::temp_dir(),
        theme: Theme::new(ColorMode::TrueColor),
        size: SIZE,
    }
}

fn app() -> App {
    App::new(Arc::clone(&PROFILE), options(&PROFILE)).unwrap()
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap()
}

fn main() {
    LazyLock::force(&PROFILE);
    divan::main();
}

/// Launch to first screen: decode the gzip'd bytes, compute the model,
/// draw the Top view.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn first_screen(bencher: Bencher<'_, '_>) {
    bencher.bench(|| {
        let profile = Arc::new(decode(&BYTES, &DecodeOptions::default()).unwrap());
        let app = App::new(Arc::clone(&profile), options(&profile)).unwrap();
        let mut terminal = terminal();
        terminal.draw(|f| views::render(&app, f)).unwrap();
        divan::black_box(terminal.backend().buffer().area.width);
        // Dropping a 300 MB model is part of quitting, not of the first screen.
        std::mem::forget((app, profile));
    });
}

/// One navigation key in a view, then the frame: what a user waits for.
fn navigate(bencher: Bencher<'_, '_>, view: ViewKind, keys: &[Action]) {
    let mut app = app();
    app.update(Action::ShowView(view));
    let mut terminal = terminal();
    let mut i = 0usize;
    bencher.bench_local(|| {
        app.update(keys[i % keys.len()].clone());
        i += 1;
        terminal.draw(|f| views::render(&app, f)).unwrap();
    });
}

#[divan::bench(sample_count = 200, sample_size = 1)]
fn key_top_down(bencher: Bencher<'_, '_>) {
    navigate(bencher, ViewKind::Top, &[Action::Down]);
}

#[divan::bench(sample_count = 200, sample_size = 1)]
fn key_top_page_down(bencher: Bencher<'_, '_>) {
    navigate(bencher, ViewKind::Top, &[Action::PageDown]);
}

#[divan::bench(sample_count = 200, sample_size = 1)]
fn key_flame_move(bencher: Bencher<'_, '_>) {
    navigate(
        bencher,
        ViewKind::Flame,
        &[
            Action::Down,
            Action::Right,
            Action::Down,
            Action::Left,
            Action::Up,
            Action::Up,
        ],
    );
}

#[divan::bench(sample_count = 100, sample_size = 1)]
fn key_flame_zoom(bencher: Bencher<'_, '_>) {
    navigate(
        bencher,
        ViewKind::Flame,
        &[Action::Down, Action::Enter, Action::Back, Action::Up],
    );
}

#[divan::bench(sample_count = 100, sample_size = 1)]
fn key_peek_move(bencher: Bencher<'_, '_>) {
    navigate(
        bencher,
        ViewKind::Peek,
        &[Action::Down, Action::Down, Action::Up, Action::Up],
    );
}

/// `t`: recompute everything for another sample type, then draw.
#[divan::bench(sample_count = 8, sample_size = 1)]
fn sample_type_change(bencher: Bencher<'_, '_>) {
    let mut app = app();
    let mut terminal = terminal();
    bencher.bench_local(|| {
        app.update(Action::NextSampleType);
        terminal.draw(|f| views::render(&app, f)).unwrap();
    });
}

/// `I` then `x`: ignore the selected function, then drop the filter again.
#[divan::bench(sample_count = 8, sample_size = 1)]
fn filter_change(bencher: Bencher<'_, '_>) {
    let mut app = app();
    let mut terminal = terminal();
    let mut adding = true;
    bencher.bench_local(|| {
        app.update(if adding {
            Action::Filter(FilterKind::Ignore)
        } else {
            Action::PopFilter
        });
        adding = !adding;
        terminal.draw(|f| views::render(&app, f)).unwrap();
    });
}
