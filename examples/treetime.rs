#![allow(clippy::unwrap_used, clippy::expect_used)]
use pprof_tui::analysis::calltree::TreeShape;
use pprof_tui::analysis::*;
use pprof_tui::profile::{DecodeOptions, decode};
use std::sync::Arc;
use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let t = Instant::now();
    let p = decode(&bytes, &DecodeOptions::default()).unwrap();
    eprintln!("decode {:?}", t.elapsed());
    let t = Instant::now();
    let stacks = Stacks::new(&p, Granularity::Functions, &Filters::default());
    eprintln!("stacks {:?}", t.elapsed());
    let t = Instant::now();
    let shape = Arc::new(TreeShape::of(&stacks));
    eprintln!(
        "shape {:?} entries {} nodes {}",
        t.elapsed(),
        shape.order().len(),
        shape.order().node_count()
    );
    let t = Instant::now();
    let tree = CallTree::new(shape.clone(), &p, p.default_sample_index());
    eprintln!("sums {:?}", t.elapsed());
    let t = Instant::now();
    let rects = flame_layout(&tree, CallTree::ROOT, 200, 0..60);
    eprintln!("layout {:?} rects {}", t.elapsed(), rects.len());
    let t = Instant::now();
    let totals = node_totals(&stacks, p.default_sample_index());
    eprintln!("node_totals {:?}", t.elapsed());
    let t = Instant::now();
    let mut totals = totals;
    let flat_sum = totals.iter().fold(0i64, |s, t| s.wrapping_add(t.flat));
    resolve_inlining(&stacks, p.default_sample_index(), &mut totals, flat_sum);
    eprintln!("resolve_inlining {:?}", t.elapsed());
    let node = totals[0].node;
    let t = Instant::now();
    let peek = tree.peek(node);
    eprintln!("peek {:?} callers {}", t.elapsed(), peek.callers.len());
    let re = compile_regex("s", "main").unwrap();
    let t = Instant::now();
    let cov = tree.coverage(&re, CallTree::ROOT);
    eprintln!("coverage {:?} frames {}", t.elapsed(), cov.frames);
    let t = Instant::now();
    let h = tree.heaviest(node);
    eprintln!("heaviest {:?} {:?}", t.elapsed(), h);
    let t = Instant::now();
    let m = tree.find_match(&re, CallTree::ROOT, CallTree::ROOT, true);
    let m2 = tree.find_match(&re, CallTree::ROOT, m.unwrap(), true);
    eprintln!("find x2 {:?} {:?} {:?}", t.elapsed(), m, m2);
    let t = Instant::now();
    let d = tree.deepest(CallTree::ROOT);
    eprintln!("deepest {:?} {d}", t.elapsed());
}
