//! The profile's locations by pc (and whether comments named them), as the
//! merge of a text's parts looks them up: an open-addressing table whose
//! slots are looked at in batches before they are used, so that the cache
//! misses of a batch (a text of a million frames has a table of millions of
//! slots) overlap instead of waiting one after the other.

/// A slot: the low 32 bits of the key's hash in its high half, the
/// location's index with the named flag in its top bit in its low half
/// ([`EMPTY`]: no location). The pc is not kept: a slot whose hash bits
/// match is checked against the location's own pc. Eight bytes a slot, not sixteen, halve the memory the table
/// touches (a text of a million new pcs grows it to millions of slots,
/// page-faulted in as it grows); the hash bits are also where a slot goes
/// when the table grows.
type Slot = u64;

const EMPTY: Slot = u32::MAX as Slot;
/// A key's flag for a location comments named, beside its index.
pub(super) const NAMED: u32 = 1 << 31;

/// How many lookups are looked at ahead.
pub(super) const BATCH: usize = 16;

pub(super) struct LocationIndex {
    slots: Vec<Slot>,
    len: usize,
    /// Mixed into every pc before it is hashed, drawn anew for each index:
    /// pcs are the text's to choose, and pcs chosen to share their hash
    /// bits (`mix` is easily inverted) would make every probe walk all of
    /// them (a text of 100,000 such frames took 12 s unseeded).
    seed: u64,
}

impl Default for LocationIndex {
    fn default() -> Self {
        LocationIndex::with_seed(random_seed())
    }
}

/// A random number from the system's randomness (the keys of the standard
/// library's hash maps).
fn random_seed() -> u64 {
    use std::hash::BuildHasher;
    std::hash::RandomState::new().hash_one(0u8)
}

impl LocationIndex {
    fn with_seed(seed: u64) -> Self {
        LocationIndex {
            slots: Vec::new(),
            len: 0,
            seed,
        }
    }

    /// The index of the location at `pc` (`named`: comments named it), or
    /// `None` after adding it as `index`, which is below 2³¹ (the profile's
    /// frame limit keeps it there). `pc_of` gives the pc of a location
    /// added before.
    pub(super) fn find_or_add(
        &mut self,
        pc: u64,
        named: bool,
        index: u32,
        pc_of: impl Fn(u32) -> u64,
    ) -> Option<u32> {
        // At most seven tenths full: probes stay short.
        if (self.len + 1) * 10 > self.slots.len() * 7 {
            self.grow();
        }
        let hash = hash_of(pc ^ self.seed, named);
        let want = key(named, 0);
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.slots[at];
            if slot == EMPTY {
                self.slots[at] = Slot::from(hash) << 32 | Slot::from(key(named, index));
                self.len += 1;
                return None;
            }
            let entry = slot as u32;
            if (slot >> 32) as u32 == hash && entry & NAMED == want {
                let found = entry & !NAMED;
                if pc_of(found) == pc {
                    return Some(found);
                }
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
            seen ^ self.slots[hash_of(pc ^ self.seed, named) as usize & mask]
        })
    }

    /// The most slots a lookup walks past its first (for tests).
    #[cfg(test)]
    fn longest_probe(&self) -> usize {
        let mask = self.slots.len().wrapping_sub(1);
        (0..self.slots.len())
            .filter(|&at| self.slots[at] != EMPTY)
            .map(|at| at.wrapping_sub((self.slots[at] >> 32) as usize) & mask)
            .max()
            .unwrap_or(0)
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(1 << 12);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; size]);
        let mask = size - 1;
        for slot in old.into_iter().filter(|&s| s != EMPTY) {
            // A table has at most 2³² slots: the hash bits kept place it.
            let mut at = (slot >> 32) as usize & mask;
            while self.slots[at] != EMPTY {
                at = (at + 1) & mask;
            }
            self.slots[at] = slot;
        }
    }
}

/// `index` with [`NAMED`] set if `named`.
pub(super) fn key(named: bool, index: u32) -> u32 {
    if named { index | NAMED } else { index }
}

/// The low bits of a key's hash: where its probe starts, and what its slot
/// keeps. A pc's bits are mixed, as pcs of one binary share their high bits
/// and step by small amounts.
fn hash_of(pc: u64, named: bool) -> u32 {
    mix(pc ^ u64::from(named).rotate_right(1)) as u32
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

    /// An index over the pcs in `pcs`, by their position there.
    struct Indexed {
        index: LocationIndex,
        pcs: Vec<u64>,
    }

    impl Indexed {
        fn find_or_add(&mut self, pc: u64, named: bool) -> Option<u32> {
            let next = self.pcs.len() as u32;
            let pcs = &self.pcs;
            let found = self.index.find_or_add(pc, named, next, |i| pcs[i as usize]);
            if found.is_none() {
                self.pcs.push(pc);
            }
            found
        }
    }

    #[test]
    fn locations_are_found_by_pc_and_naming() {
        let mut index = Indexed {
            index: LocationIndex::default(),
            pcs: Vec::new(),
        };
        // Enough to grow the table several times; pcs that differ in their
        // high bits only, and the same pc named and not.
        for i in 0..50_000u32 {
            let pc = u64::from(i) << 40 | 0x1000;
            assert_eq!(index.find_or_add(pc, true), None);
            assert_eq!(index.find_or_add(pc, false), None);
        }
        for i in (0..50_000u32).rev() {
            let pc = u64::from(i) << 40 | 0x1000;
            assert_eq!(index.find_or_add(pc, true), Some(2 * i));
            assert_eq!(index.find_or_add(pc, false), Some(2 * i + 1));
        }
        assert_eq!(index.find_or_add(0, true), None);
        assert_eq!(index.find_or_add(0, true), Some(100_000));
        assert_eq!(index.find_or_add(u64::MAX, false), None);
        assert_eq!(index.find_or_add(u64::MAX, false), Some(100_001));
    }

    #[test]
    fn pcs_whose_kept_hash_bits_match_are_told_apart() {
        // fmix64 is a bijection: these pcs hash to the same low 32 bits
        // (and so share a probe and a kept hash) but differ above them.
        let pcs: Vec<u64> = (1..=5u64).map(|high| unmix(high << 32 | 0xabcd)).collect();
        for &pc in &pcs {
            assert_eq!(hash_of(pc, false), 0xabcd);
        }
        let mut index = Indexed {
            index: LocationIndex::with_seed(0),
            pcs: Vec::new(),
        };
        for &pc in &pcs {
            assert_eq!(index.find_or_add(pc, false), None);
        }
        for (i, &pc) in pcs.iter().enumerate() {
            assert_eq!(index.find_or_add(pc, false), Some(i as u32));
        }
    }

    #[test]
    fn pcs_chosen_to_collide_spread_out_under_a_random_seed() {
        // Unseeded, all of these would start their probe at one slot: the
        // last added would walk past all the others.
        let pcs: Vec<u64> = (1..=20_000u64)
            .map(|high| unmix(high << 32 | 0xabcd))
            .collect();
        let longest = |seed| {
            let mut index = Indexed {
                index: LocationIndex::with_seed(seed),
                pcs: Vec::new(),
            };
            for &pc in &pcs {
                assert_eq!(index.find_or_add(pc, false), None);
            }
            index.index.longest_probe()
        };
        assert!(longest(0) >= pcs.len() - 1, "the pcs collide unseeded");
        let seeded = longest(random_seed());
        assert!(seeded < 100, "a probe of {seeded} slots");
    }

    /// The inverse of [`mix`].
    fn unmix(mut h: u64) -> u64 {
        h ^= h >> 33;
        h = h.wrapping_mul(0x9cb4_b2f8_1293_37db);
        h ^= h >> 33;
        h = h.wrapping_mul(0x4f74_430c_22a5_4005);
        h ^ (h >> 33)
    }
}
