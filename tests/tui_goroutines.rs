//! The Goroutines view on real Go 1.27 dumps and profiles
//! (testdata/goroutines): exact screens, the sort key, Enter and Esc.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken fixtures"
)]

mod common;

use std::sync::Arc;

use pprof_tui::tui::action::ViewKind;
use pprof_tui::tui::{App, AppOptions};

use common::load;
use common::screen::{options, press, screen};

fn open(rel: &str, size: (u16, u16)) -> App {
    let profile = Arc::new(load(rel));
    let name = rel.rsplit('/').next().unwrap().to_owned();
    let options: AppOptions = options(&profile, &name, size);
    App::new(profile, options)
}

#[test]
fn scratch() {
    let mut app = open("goroutines/service/out/goroutineleak.debug2.txt", (120, 30));
    press(&mut app, "6");
    assert_eq!(app.view, ViewKind::Goroutines);
    println!("{}", screen(&app));
    press(&mut app, "s");
    println!("{}", screen(&app));
    press(&mut app, "Enter");
    println!("{}", screen(&app));
    let mut app = open("goroutines/service/out/goroutine.pb.gz", (80, 24));
    press(&mut app, "6");
    println!("{}", screen(&app));
}
