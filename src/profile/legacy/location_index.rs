//! The profile's locations by pc (and whether comments named them), as the
//! merge of a text's parts looks them up: an open-addressing table whose
//! slots are looked at in batches before they are used, so that the cache
//! misses of a batch (a text of a million frames has a table of millions of
//! slots) overlap instead of waiting one after the other.

/// A slot: the pc, and the location's index with the named flag in its top
/// bit ([`EMPTY`]: no location).
#[derive(Clone, Copy)]
struct Slot {
    pc: u64,
    entry: u32,
}

const EMPTY: u32 = u32::MAX;
const NAMED: u32 = 1 << 31;

/// How many lookups are looked at ahead.
pub(super) const BATCH: usize = 16;

#[derive(Default)]
pub(super) struct LocationIndex {
    slots: Vec<Slot>,
    len: usize,
}

impl LocationIndex {
    /// The index of the location at `pc` (`named`: comments named it), or
    /// `None` after adding it as `index`, which is below 2³¹ (the profile's
    /// frame limit keeps it there).
    pub(super) fn find_or_add(&mut self, pc: u64, named: bool, index: u32) -> Option<u32> {
        // At most seven tenths full: probes stay short.
        if (self.len + 1) * 10 > self.slots.len() * 7 {
            self.grow();
        }
        let want = key(named, 0);
        let mask = self.slots.len() - 1;
        let mut at = slot_of(pc, named) & mask;
        loop {
            let slot = self.slots[at];
            if slot.entry == EMPTY {
                self.slots[at] = Slot {
                    pc,
                    entry: key(named, index),
                };
                self.len += 1;
                return None;
            }
            if slot.pc == pc && slot.entry & NAMED == want {
                return Some(slot.entry & !NAMED);
            }
            at = (at + 1) & mask;
        }
    }

    /// Reads the first slot of each lookup to come, so that their cache
    /// misses are waited for together; returns what it read, for the
    /// caller to keep (reads whose results are unused could be dropped).
    pub(super) fn look_ahead(&self, keys: impl Iterator<Item = (u64, bool)>) -> u64 {
        if self.slots.is_empty() {
            return 0;
        }
        let mask = self.slots.len() - 1;
        keys.fold(0, |seen, (pc, named)| {
            seen ^ self.slots[slot_of(pc, named) & mask].pc
        })
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(1 << 12);
        let old = std::mem::replace(
            &mut self.slots,
            vec![
                Slot {
                    pc: 0,
                    entry: EMPTY,
                };
                size
            ],
        );
        let mask = size - 1;
        for slot in old.into_iter().filter(|s| s.entry != EMPTY) {
            let mut at = slot_of(slot.pc, slot.entry & NAMED != 0) & mask;
            while self.slots[at].entry != EMPTY {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }
}

fn key(named: bool, index: u32) -> u32 {
    if named { index | NAMED } else { index }
}

/// Where a pc's probe starts: its bits mixed, as pcs of one binary share
/// their high bits and step by small amounts.
fn slot_of(pc: u64, named: bool) -> usize {
    mix(pc ^ u64::from(named).rotate_right(1)) as usize
}

/// MurmurHash3's fmix64: every bit of `h` moves every bit of the result.
pub(super) fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_found_by_pc_and_naming() {
        let mut index = LocationIndex::default();
        // Enough to grow the table several times; pcs that differ in their
        // high bits only, and the same pc named and not.
        for i in 0..50_000u32 {
            let pc = u64::from(i) << 40 | 0x1000;
            assert_eq!(index.find_or_add(pc, true, 2 * i), None);
            assert_eq!(index.find_or_add(pc, false, 2 * i + 1), None);
        }
        for i in (0..50_000u32).rev() {
            let pc = u64::from(i) << 40 | 0x1000;
            assert_eq!(index.find_or_add(pc, true, 0), Some(2 * i));
            assert_eq!(index.find_or_add(pc, false, 0), Some(2 * i + 1));
        }
        assert_eq!(index.find_or_add(0, true, 7), None);
        assert_eq!(index.find_or_add(0, true, 8), Some(7));
        assert_eq!(index.find_or_add(u64::MAX, false, (1 << 31) - 1), None);
        assert_eq!(index.find_or_add(u64::MAX, false, 0), Some((1 << 31) - 1));
    }
}
