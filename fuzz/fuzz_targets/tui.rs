//! bytes → decode → the interactive UI, headless: the app is built on the
//! profile (models computed in `update`, not on a thread) and a fixed
//! script of key actions walks every view — Top, Flame (zoomed), Peek,
//! Source, search — at every granularity and sample type, drawing each
//! screen into ratatui's test backend. Panics and hangs are findings.
//! Export (`e`) is left out: it writes files.

#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use pprof_tui::analysis::Granularity;
use pprof_tui::profile::{DecodeOptions, Profile, decode};
use pprof_tui::tui::action::{Action, FilterKind, ViewKind};
use pprof_tui::tui::theme::{ColorMode, Theme};
use pprof_tui::tui::{App, AppOptions, views};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Frames over all samples, at most (see the analyze target's budget).
const MAX_FRAMES: usize = 100_000;

fuzz_target!(|bytes: &[u8]| {
    let options = DecodeOptions {
        max_decompressed: 16 << 20,
    };
    let Ok(profile) = decode(bytes, &options) else {
        return;
    };
    if profile.samples().frame_count() > MAX_FRAMES || reads_special_files(&profile) {
        return;
    }
    let sample_index = profile.default_sample_index();
    let mut app = App::new(
        Arc::new(profile),
        AppOptions {
            title: "fuzz.pb.gz".to_owned(),
            sample_index,
            granularity: Granularity::Functions,
            filters: Default::default(),
            source_paths: Vec::new(),
            export_dir: std::env::temp_dir(),
            export_stem: "fuzz".to_owned(),
            theme: Theme::new(ColorMode::None),
            size: (100, 30),
            background: false,
            study: None,
            why: None,
        },
    );
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("a test backend");
    draw(&mut terminal, &app);
    for action in script() {
        app.update(action);
        draw(&mut terminal, &app);
    }
});

/// The Source view reads the file a profile names when it is absolute and
/// a regular file: a fuzzed name must not make the fuzzer read
/// `/proc/kmsg` (which blocks, as root) or anything else under `/proc`,
/// `/sys` or `/dev`.
fn reads_special_files(profile: &Profile) -> bool {
    profile.functions.iter().any(|f| {
        let file = profile.string(f.filename);
        file.starts_with('/')
            && file
                .split('/')
                .any(|part| matches!(part, "proc" | "sys" | "dev" | ".."))
    })
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) {
    terminal
        .draw(|frame| views::render(app, frame))
        .expect("drawing to memory");
}

fn script() -> Vec<Action> {
    use Action::*;
    let mut actions = vec![
        Down,
        Down,
        PageDown,
        Last,
        First,
        CycleSort,
        CycleSort,
        PeekSelected,
        Down,
        Enter,
        SourceSelected,
        Down,
        PageDown,
        Back,
        ShowView(ViewKind::Flame),
        Up,
        Right,
        Enter,
        Down,
        Left,
        Enter,
        Flip,
        Back,
        ResetZoom,
        SearchSelected,
        SearchNext,
        SearchPrev,
        StartSearch,
        Input('m'),
        Input('a'),
        Input('['),
        InputBackspace,
        InputSubmit,
        Filter(FilterKind::Hide),
        Input('r'),
        Input('u'),
        InputSubmit,
        Resize(40, 10),
        ShowView(ViewKind::Peek),
        Down,
        Resize(200, 60),
        Click(10, 5),
        ScrollDown,
        PopFilter,
        ClearFilters,
        Help,
        Help,
    ];
    for _ in 0..Granularity::ALL.len() {
        actions.extend([
            CycleGranularity,
            ShowView(ViewKind::Top),
            Down,
            ShowView(ViewKind::Flame),
            Enter,
        ]);
    }
    actions.extend([NextSampleType, ShowView(ViewKind::Top), PrevSampleType]);
    actions
}
