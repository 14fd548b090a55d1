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
use pprof_tui::analysis::{
    CallTree, Cancel, Filters, Granularity, NodeId, TopOrder, compile_regex,
};
use pprof_tui::profile::{DecodeOptions, Profile, decode};
use pprof_tui::tui::action::{Action, ViewKind};
use pprof_tui::tui::model::{Model, Settings};
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
        filters: Filters::default(),
        source_paths: Vec::new(),
        export_dir: std::env::temp_dir(),
        export_stem: "bench".to_owned(),
        theme: Theme::new(ColorMode::TrueColor),
        size: SIZE,
        background: false,
        study: None,
        why: None,
    }
}

fn app() -> App {
    App::new(Arc::clone(&PROFILE), options(&PROFILE))
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap()
}

fn main() {
    LazyLock::force(&PROFILE);
    divan::main();
}

/// Launch to first screen: decode the gzip'd bytes, compute the Top rows,
/// draw them. (The call tree is then built on a worker thread.)
#[divan::bench(sample_count = 5, sample_size = 1)]
fn first_screen(bencher: Bencher<'_, '_>) {
    bencher.bench(|| {
        let profile = Arc::new(decode(&BYTES, &DecodeOptions::default()).unwrap());
        let mut options = options(&profile);
        options.background = true;
        let model = App::first_model(&profile, &options);
        let app = App::with_model(Arc::clone(&profile), model, options);
        let mut terminal = terminal();
        terminal.draw(|f| views::render(&app, f)).unwrap();
        divan::black_box(terminal.backend().buffer().area.width);
        // Freeing the profile is part of quitting, not of the first screen.
        std::mem::forget((app, profile));
    });
}

/// The call tree behind the flame graph and peek (a worker-thread job).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn call_tree(bencher: Bencher<'_, '_>) {
    let settings = Settings {
        sample_index: PROFILE.default_sample_index(),
        granularity: Granularity::Functions,
        filters: Filters::default(),
        sort: TopOrder::Flat,
    };
    bencher.bench(|| {
        let tree = Model::compute_tree(&PROFILE, &settings, None, &Cancel::default());
        divan::black_box(tree.len());
        std::mem::forget(tree);
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

/// The tree the flame view and peek read, built once per view.
static TREE: LazyLock<CallTree> = LazyLock::new(|| {
    let settings = Settings {
        sample_index: PROFILE.default_sample_index(),
        granularity: Granularity::Functions,
        filters: Filters::default(),
        sort: TopOrder::Flat,
    };
    Model::compute_tree(&PROFILE, &settings, None, &Cancel::default())
});

/// `t` in the flame view: the next sample type's tree over the same sorted
/// stacks (values summed again, nothing sorted).
#[divan::bench(sample_count = 8, sample_size = 1)]
fn call_tree_other_sample_type(bencher: Bencher<'_, '_>) {
    let settings = Settings {
        sample_index: 0,
        granularity: Granularity::Functions,
        filters: Filters::default(),
        sort: TopOrder::Flat,
    };
    let shape = Arc::clone(TREE.shape());
    bencher.bench(|| {
        let tree = Model::compute_tree(
            &PROFILE,
            &settings,
            Some(Arc::clone(&shape)),
            &Cancel::default(),
        );
        divan::black_box(tree.len());
    });
}

/// The most frequent node of the tree: the heaviest row of Top.
fn heaviest_row() -> NodeId {
    let first = App::first_model(&PROFILE, &options(&PROFILE));
    first.rows[0].node
}

/// `p` on the top row: its callers and callees (on the UI thread).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn peek(bencher: Bencher<'_, '_>) {
    let node = heaviest_row();
    bencher.bench(|| divan::black_box(TREE.peek(node).callers.len()));
}

/// A search's coverage line, for a pattern matching a tenth of the names
/// (on the UI thread).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn search_coverage(bencher: Bencher<'_, '_>) {
    let re = compile_regex("search", "pkg1[0-9]").unwrap();
    bencher.bench(|| divan::black_box(TREE.coverage(&re, CallTree::ROOT).frames));
}

/// `n` in the flame view: the next matching frame (on the UI thread).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn search_next(bencher: Bencher<'_, '_>) {
    let re = compile_regex("search", "pkg1[0-9]").unwrap();
    let first = TREE
        .find_match(&re, CallTree::ROOT, CallTree::ROOT, true)
        .unwrap();
    bencher.bench(|| divan::black_box(TREE.find_match(&re, CallTree::ROOT, first, true)));
}

/// Selecting a function in the flame view: its heaviest frame.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn heaviest_frame(bencher: Bencher<'_, '_>) {
    let node = heaviest_row();
    bencher.bench(|| divan::black_box(TREE.heaviest(node)));
}

/// `t`: the Top rows for another sample type (a worker-thread job; the UI
/// keeps answering meanwhile and shows a progress indicator).
#[divan::bench(sample_count = 8, sample_size = 1)]
fn sample_type_change(bencher: Bencher<'_, '_>) {
    let mut sample_index = 0;
    bencher.bench_local(|| {
        sample_index = (sample_index + 1) % PROFILE.sample_types.len();
        let settings = Settings {
            sample_index,
            granularity: Granularity::Functions,
            filters: Filters::default(),
            sort: TopOrder::Flat,
        };
        divan::black_box(
            Model::compute(&PROFILE, &settings, &Cancel::default())
                .rows
                .len(),
        );
    });
}

/// A filter from the keyboard (`I` on the top row): the Top rows again.
#[divan::bench(sample_count = 8, sample_size = 1)]
fn filter_change(bencher: Bencher<'_, '_>) {
    let first = App::first_model(&PROFILE, &options(&PROFILE));
    let name = first.tree.names()[first.rows[0].node.index()].clone();
    let settings = Settings {
        sample_index: PROFILE.default_sample_index(),
        granularity: Granularity::Functions,
        filters: Filters {
            ignore: Some(compile_regex("ignore", &format!("^{}$", regex::escape(&name))).unwrap()),
            ..Filters::default()
        },
        sort: TopOrder::Flat,
    };
    bencher.bench_local(|| {
        divan::black_box(
            Model::compute(&PROFILE, &settings, &Cancel::default())
                .rows
                .len(),
        );
    });
}
