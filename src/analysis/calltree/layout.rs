//! The flame graph's geometry: frames placed in cells, children sharing
//! their parent's cells by the largest remainder method. Only what fits on
//! screen is visited, so the cost is the cells drawn, not the tree's size.

use std::ops::Range;

use super::{CallId, CallTree};

/// A frame placed in a flame graph: `depth` rows below the top frame,
/// `x..x+width` in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlameRect {
    pub call: CallId,
    pub depth: u32,
    pub x: u32,
    pub width: u32,
}

/// Lays out a flame graph `width` cells wide (frames are sized by the new
/// profile's samples: in a diff, a frame only in the base is gone), zoomed on `zoom`: the zoomed
/// frame's ancestors are full-width rows above it, the zoomed frame fills
/// the width, and each frame's children share its cells by the largest
/// remainder method (with the frame's own value competing as one more
/// share), so children never exceed their parent and widths are exact.
/// Only rows in `rows` are returned, and nothing narrower than a cell is
/// visited. Rects come ordered by depth, then x.
pub fn flame_layout(tree: &CallTree, zoom: CallId, width: u32, rows: Range<u32>) -> Vec<FlameRect> {
    let mut out = Vec::new();
    if width == 0 || rows.is_empty() {
        return out;
    }
    let ancestors = tree.path(zoom);
    // Depth 0 is the root ("all samples"); the zoom target sits at its own depth.
    let zoom_depth = ancestors.len() as u32;
    for (depth, &id) in std::iter::once(&CallTree::ROOT)
        .chain(ancestors.iter())
        .enumerate()
    {
        let depth = depth as u32;
        if depth >= zoom_depth {
            break;
        }
        if rows.contains(&depth) {
            out.push(FlameRect {
                call: id,
                depth,
                x: 0,
                width,
            });
        }
    }
    let mut level = vec![FlameRect {
        call: zoom,
        depth: zoom_depth,
        x: 0,
        width,
    }];
    let mut next = Vec::new();
    let mut weights = Vec::new();
    let mut cells = Vec::new();
    while !level.is_empty() {
        let depth = level[0].depth;
        if depth >= rows.end {
            break;
        }
        if depth >= rows.start {
            out.extend_from_slice(&level);
        }
        next.clear();
        for rect in &level {
            let (node, kids) = tree.with_children(rect.call);
            if kids.is_empty() {
                continue;
            }
            weights.clear();
            weights.extend(kids.iter().map(|(_, k)| k.weight));
            apportion(rect.width, node.weight, &weights, &mut cells);
            let mut x = rect.x;
            for (&(k, _), &w) in kids.iter().zip(&cells) {
                if w > 0 {
                    next.push(FlameRect {
                        call: k,
                        depth: depth + 1,
                        x,
                        width: w,
                    });
                }
                x += w;
            }
        }
        std::mem::swap(&mut level, &mut next);
    }
    out
}

/// Largest-remainder apportionment of `cells` among `parts` of a whole of
/// `whole` (the part of `whole` not in `parts` competes as one more share
/// and is left blank). `out[i]` is the cells of `parts[i]`; the cells handed
/// out plus the blank share's sum to exactly `cells` when `whole > 0`.
pub fn apportion(cells: u32, whole: i64, parts: &[i64], out: &mut Vec<u32>) {
    out.clear();
    out.resize(parts.len(), 0);
    let sum: i128 = parts.iter().map(|&p| i128::from(p.max(0))).sum();
    let whole = i128::from(whole.max(0)).max(sum);
    if whole == 0 || cells == 0 {
        return;
    }
    let cells_i = i128::from(cells);
    let rest = whole - sum;
    let mut given: i128 = 0;
    // (remainder, weight, index); index parts.len() is the blank share.
    let mut remainders: Vec<(i128, i128, usize)> = Vec::with_capacity(parts.len() + 1);
    for (i, &p) in parts.iter().enumerate() {
        let p = i128::from(p.max(0));
        let q = p * cells_i;
        out[i] = (q / whole) as u32;
        given += q / whole;
        remainders.push((q % whole, p, i));
    }
    let q = rest * cells_i;
    given += q / whole;
    remainders.push((q % whole, rest, parts.len()));
    let mut left = cells_i - given;
    if left <= 0 {
        return;
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    for &(_, _, i) in &remainders {
        if left == 0 {
            break;
        }
        if i < parts.len() {
            out[i] += 1;
        }
        left -= 1;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;

    #[test]
    fn apportion_sums_exactly_and_favours_largest_remainders() {
        let mut out = Vec::new();
        // 10 cells for 1/3 each: 3.33 each, one extra cell to the first.
        apportion(10, 3, &[1, 1, 1], &mut out);
        assert_eq!(out, vec![4, 3, 3]);
        // A parent with self value: children 50% and 25%, self 25%.
        apportion(7, 100, &[50, 25], &mut out);
        assert_eq!(out, vec![3, 2], "3.5, 1.75 and a blank 1.75: the .75s win");
        assert!(out.iter().sum::<u32>() <= 7);
        // Tiny parts vanish rather than stealing cells.
        apportion(4, 1000, &[997, 1, 1, 1], &mut out);
        assert_eq!(out, vec![4, 0, 0, 0]);
        // Nothing to share.
        apportion(5, 0, &[0, 0], &mut out);
        assert_eq!(out, vec![0, 0]);
    }

    #[test]
    fn apportion_never_exceeds_the_parent() {
        let mut out = Vec::new();
        for cells in 1..40u32 {
            for whole in [7i64, 100, 12345] {
                let parts = [whole / 3, whole / 5, whole / 7, whole / 11];
                apportion(cells, whole, &parts, &mut out);
                let given: u32 = out.iter().sum();
                assert!(given <= cells, "{cells} {whole}: {out:?}");
                // With no self share left, children fill the parent exactly.
                apportion(cells, parts.iter().sum(), &parts, &mut out);
                assert_eq!(out.iter().sum::<u32>(), cells, "{cells} {whole}: {out:?}");
            }
        }
    }
}
