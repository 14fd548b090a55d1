//! The merger's hash table and what it hashes: an open-addressing table of
//! arena indices (keys are compared in the arenas, never copied), a fast
//! seeded mixer, and pprof's identity keys for mappings, functions and
//! locations.

use std::hash::{BuildHasher, Hasher};

use foldhash::fast::{FoldHasher, RandomState};

use crate::profile::model::{Function, Line, Mapping, StrId};

pub(super) const NONE: u32 = u32::MAX;

/// A mixer of the words of a key, seeded at random for each merge (the
/// [`RandomState`] it starts from): the keys are the profiles' to choose,
/// and an unseeded FxHash-style mixer let keys chosen to share a hash make
/// every lookup walk all of them.
#[derive(Clone)]
pub(super) struct Mix(FoldHasher<'static>);

impl Mix {
    pub(super) fn new(seed: &RandomState) -> Mix {
        Mix(seed.build_hasher())
    }

    pub(super) fn add(mut self, x: u64) -> Mix {
        self.0.write_u64(x);
        self
    }

    /// The hash, its bits spread (the table uses the low and the high half).
    pub(super) fn finish(self) -> u64 {
        self.0.finish()
    }

    /// Adds `s`, with its length (so that words of two strings cannot be
    /// shifted from one to the other).
    pub(super) fn add_str(mut self, s: &str) -> Mix {
        self.0.write_usize(s.len());
        self.0.write(s.as_bytes());
        self
    }
}

/// An open-addressing table of arena indices by hash: lookups compare
/// candidates with the arena itself, so keys are never copied. A slot holds
/// the index and the hash's top half, so most mismatches cost no other read.
pub(super) struct IndexTable {
    hashes: Vec<u64>,
    slots: Vec<u64>,
}

const EMPTY: u64 = u64::MAX;

impl IndexTable {
    pub(super) fn with_capacity(n: usize) -> IndexTable {
        IndexTable {
            hashes: Vec::with_capacity(n),
            slots: vec![EMPTY; (n.max(8) * 2).next_power_of_two()],
        }
    }

    fn entry(hash: u64, index: usize) -> u64 {
        (hash & 0xffff_ffff_0000_0000) | index as u64
    }

    /// The index of an entry with this hash for which `same` holds, or the
    /// free slot where a new one goes.
    pub(super) fn find(&self, hash: u64, same: impl Fn(u32) -> bool) -> Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            let entry = self.slots[slot];
            if entry == EMPTY {
                return Err(slot);
            }
            if entry >> 32 == hash >> 32 && same(entry as u32) {
                return Ok(entry as u32);
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Records the next index (`hashes.len()`) in the free `slot`.
    pub(super) fn insert_at(&mut self, slot: usize, hash: u64) {
        self.slots[slot] = IndexTable::entry(hash, self.hashes.len());
        self.hashes.push(hash);
        if self.hashes.len() * 2 > self.slots.len() {
            self.grow();
        }
    }

    fn grow(&mut self) {
        let len = self.slots.len() * 2;
        let mask = len - 1;
        let mut slots = vec![EMPTY; len];
        for (i, &hash) in self.hashes.iter().enumerate() {
            let mut slot = hash as usize & mask;
            while slots[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            slots[slot] = IndexTable::entry(hash, i);
        }
        self.slots = slots;
    }
}

/// pprof's `mappingKey`: size rounded up to 4 KiB, offset, build id or file.
/// Size rounded up to a page, file offset, and build id (or file).
pub(super) type MappingKey<'a> = (u64, u64, &'a str);

/// `strings` resolves the mapping's names (they are ids into its profile's table).
pub(super) fn mapping_key<'a>(m: &Mapping, strings: impl Fn(StrId) -> &'a str) -> MappingKey<'a> {
    let size = m
        .memory_limit
        .wrapping_sub(m.memory_start)
        .wrapping_add(0xfff);
    let size = size - size % 0x1000;
    let build_id = strings(m.build_id);
    let who = if build_id.is_empty() {
        strings(m.file)
    } else {
        build_id
    };
    (size, m.file_offset, who)
}

/// pprof's `functionKey`: start line, name, system name and file name
/// (`strings` resolves the ids in the function's own profile).
pub(super) fn function_key<'a>(
    f: &Function,
    strings: impl Fn(StrId) -> &'a str,
) -> (i64, [&'a str; 3]) {
    (
        f.start_line,
        [strings(f.name), strings(f.system_name), strings(f.filename)],
    )
}

pub(super) fn function_hash(seed: &RandomState, (start_line, names): (i64, [&str; 3])) -> u64 {
    names
        .iter()
        .fold(Mix::new(seed).add(start_line as u64), |h, s| h.add_str(s))
        .finish()
}

/// pprof's `locationKey` — mapping, address relative to it, folded, and
/// each frame's function and line (not its column) — hashed.
pub(super) fn location_hash(
    seed: &RandomState,
    mapping: u32,
    relative: u64,
    folded: bool,
    lines: &[Line],
) -> u64 {
    let mut h = Mix::new(seed)
        .add(u64::from(mapping))
        .add(relative)
        .add(u64::from(folded))
        .add(lines.len() as u64);
    for line in lines {
        h = h
            .add(line.function.map_or(u64::from(NONE), |f| f.index() as u64))
            .add(line.line as u64);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::model::FunctionId;

    /// Inserts `keys` (each with the hash `hash(key)`) unless present;
    /// returns each key's index, as the merger's arenas use the table.
    fn intern(keys: &[u64], hash: impl Fn(u64) -> u64) -> (IndexTable, Vec<u64>, Vec<u32>) {
        let mut table = IndexTable::with_capacity(0);
        let mut arena: Vec<u64> = Vec::new();
        let mut ids = Vec::new();
        for &key in keys {
            let h = hash(key);
            let id = match table.find(h, |i| arena[i as usize] == key) {
                Ok(i) => i,
                Err(slot) => {
                    table.insert_at(slot, h);
                    arena.push(key);
                    arena.len() as u32 - 1
                }
            };
            ids.push(id);
        }
        (table, arena, ids)
    }

    #[test]
    fn equal_keys_get_one_index_through_growth() {
        // 1000 distinct keys twice: the table grows from 16 slots to 2048.
        let keys: Vec<u64> = (0..1000).chain(0..1000).map(|k| k * 7919).collect();
        let seed = RandomState::default();
        let (table, arena, ids) = intern(&keys, |k| Mix::new(&seed).add(k).finish());
        assert_eq!(arena.len(), 1000);
        assert_eq!(table.slots.len(), 2048);
        assert_eq!(ids[..1000], (0..1000).collect::<Vec<u32>>()[..]);
        assert_eq!(ids[1000..], ids[..1000]);
    }

    #[test]
    fn colliding_hashes_are_told_apart_by_the_arena() {
        // Every key hashes the same: lookups probe past the others.
        let keys = [5, 9, 5, 11, 9, 11, 13];
        let (table, arena, ids) = intern(&keys, |_| 0xdead_beef_0000_0003);
        assert_eq!(arena, [5, 9, 11, 13]);
        assert_eq!(ids, [0, 1, 0, 2, 1, 2, 3]);
        assert_eq!(
            table.find(0xdead_beef_0000_0003, |i| arena[i as usize] == 13),
            Ok(3)
        );
        // Same low bits, other top half: not even compared.
        assert!(table.find(0x1234_5678_0000_0003, |_| true).is_err());
        // An empty table has a free slot for anything.
        assert_eq!(IndexTable::with_capacity(0).find(3, |_| true), Err(3));
    }

    #[test]
    fn string_hashes_include_their_length() {
        let seed = RandomState::default();
        let f = |names: [&str; 3]| function_hash(&seed, (0, names));
        assert_ne!(f(["ab", "c", ""]), f(["a", "bc", ""]));
        assert_ne!(f(["", "x", ""]), f(["x", "", ""]));
        assert_eq!(f(["main.f", "", "m.go"]), f(["main.f", "", "m.go"]));
        // A byte past the first eight counts too.
        assert_ne!(
            Mix::new(&seed).add_str("12345678a").finish(),
            Mix::new(&seed).add_str("12345678b").finish()
        );
        assert_ne!(
            function_hash(&seed, (1, ["f"; 3])),
            function_hash(&seed, (2, ["f"; 3]))
        );
    }

    #[test]
    fn mapping_keys_round_the_size_and_prefer_the_build_id() {
        let names = ["", "/bin/app", "abc123"];
        let strings = |id: StrId| names[id.index()];
        let mut m = Mapping {
            memory_start: 0x40_0000,
            memory_limit: 0x40_1001,
            file_offset: 0x1000,
            file: StrId(1),
            build_id: StrId(2),
            ..Mapping::default()
        };
        assert_eq!(mapping_key(&m, strings), (0x2000, 0x1000, "abc123"));
        m.memory_limit = 0x40_1000;
        m.build_id = StrId(0);
        assert_eq!(mapping_key(&m, strings), (0x1000, 0x1000, "/bin/app"));
        m.memory_limit = m.memory_start;
        assert_eq!(mapping_key(&m, strings).0, 0);
    }

    #[test]
    fn function_keys_and_location_hashes_follow_pprofs_keys() {
        let names = ["", "main.f", "main.f.sys", "m.go"];
        let f = Function {
            id: 9,
            name: StrId(1),
            system_name: StrId(2),
            filename: StrId(3),
            start_line: 12,
        };
        assert_eq!(
            function_key(&f, |id| names[id.index()]),
            (12, ["main.f", "main.f.sys", "m.go"])
        );
        let line = |function: Option<u32>, line: i64| Line {
            function: function.and_then(FunctionId::new),
            line,
        };
        let seed = RandomState::default();
        let h = |lines: &[Line]| location_hash(&seed, 1, 0x10, false, lines);
        let frames = [line(Some(0), 7), line(Some(1), 3)];
        assert_eq!(h(&frames), h(&[line(Some(0), 7), line(Some(1), 3)]));
        assert_ne!(h(&frames), h(&[line(Some(0), 8), line(Some(1), 3)]));
        assert_ne!(h(&frames), h(&[line(Some(1), 7), line(Some(1), 3)]));
        assert_ne!(h(&frames), h(&frames[..1]));
        assert_ne!(h(&[line(None, 7)]), h(&[line(Some(0), 7)]));
        assert_ne!(h(&frames), location_hash(&seed, 1, 0x10, true, &frames));
        assert_ne!(h(&frames), location_hash(&seed, 2, 0x10, false, &frames));
        assert_ne!(h(&frames), location_hash(&seed, 1, 0x11, false, &frames));
    }
}
