//! The output profile under construction: inputs are remapped into it
//! (strings, mappings, functions and locations deduplicated by pprof's keys)
//! and their samples either combined with identical ones or appended.

use foldhash::HashMap;

use super::plan::{Header, ValuePlan};
use super::table::{
    IndexTable, Mix, NONE, function_hash, function_key, location_hash, mapping_key,
};
use super::{MergeError, MergeInput, Merged};
use crate::profile::model::{
    Function, FunctionId, Label, Line, Location, Mapping, MappingId, Profile, Samples, StrId,
    StringTable,
};

/// The output profile under construction.
pub(super) struct Merger {
    value_count: usize,
    /// Combine identical samples (pprof's merge) or append them.
    combine: bool,
    mappings: Vec<Mapping>,
    functions: Vec<Function>,
    function_table: IndexTable,
    locations: Vec<Location>,
    lines: Vec<Line>,
    /// The lines' columns, up to the last line with one (as the model's).
    columns: Vec<i64>,
    location_table: IndexTable,
    line_scratch: Vec<Line>,
    strings: Vec<Box<str>>,
    /// Output mappings by pprof's mapping key (filled on first use when seeded).
    mapping_ids: HashMap<(u64, u64, Box<str>), u32>,
    /// Filled on first use (a seeded string table may never need it).
    string_ids: HashMap<Box<str>, u32>,
    // Samples, structure of arrays as in the model.
    stack_ends: Vec<usize>,
    frames: Vec<u32>,
    values: Vec<i64>,
    label_ends: Vec<usize>,
    labels: Vec<Label>,
    groups: Vec<u32>,
    /// Only when combining.
    sample_table: IndexTable,
    /// Seeds the hashes of the keys the tables compare (see [`Mix`]).
    seed: foldhash::fast::RandomState,
}

/// Per-input translation tables from input indices to output indices.
struct InputMaps {
    mappings: Vec<(u32, u64)>,
    functions: Vec<u32>,
    locations: Vec<u32>,
    strings: Vec<u32>,
}

impl Merger {
    pub(super) fn new(
        value_count: usize,
        (samples, frames): (usize, usize),
        locations: usize,
        combine: bool,
    ) -> Self {
        Merger {
            value_count,
            combine,
            mappings: Vec::new(),
            functions: Vec::new(),
            function_table: IndexTable::with_capacity(1024),
            locations: Vec::with_capacity(locations),
            lines: Vec::with_capacity(locations),
            columns: Vec::new(),
            location_table: IndexTable::with_capacity(locations),
            line_scratch: Vec::new(),
            strings: vec!["".into()],
            string_ids: HashMap::default(),
            mapping_ids: HashMap::default(),
            stack_ends: Vec::with_capacity(samples),
            frames: Vec::with_capacity(frames),
            values: Vec::with_capacity(samples * value_count),
            label_ends: Vec::with_capacity(samples),
            labels: Vec::new(),
            groups: Vec::with_capacity(samples),
            sample_table: IndexTable::with_capacity(if combine { samples } else { 0 }),
            seed: foldhash::fast::RandomState::default(),
        }
    }

    /// Starts from a whole profile, taken over without copying: its arenas
    /// become the output's (so its samples need no remapping) and its
    /// samples land in group 0. Only [`Merger::append_input`] may follow.
    pub(super) fn seeded(
        p: Profile,
        value_count: usize,
        more_samples: usize,
        more_frames: usize,
    ) -> Self {
        let Profile {
            mappings,
            functions,
            locations,
            lines,
            columns,
            samples,
            strings,
            ..
        } = p;
        let parts = samples.into_parts();
        let n = parts.stack_ends.len();
        let mut stack_ends = parts.stack_ends;
        let mut frames = parts.frames;
        let mut values = parts.values;
        let mut label_ends = parts.label_ends;
        if label_ends.is_empty() {
            label_ends = vec![0; n];
        }
        stack_ends.reserve(more_samples);
        frames.reserve(more_frames);
        values.reserve(more_samples * value_count);
        label_ends.reserve(more_samples);
        let mut groups = vec![0u32; n];
        groups.reserve(more_samples);
        Merger {
            value_count,
            combine: false,
            mappings,
            functions,
            // Only appending follows, which looks nothing up in these.
            function_table: IndexTable::with_capacity(0),
            locations,
            lines,
            columns,
            location_table: IndexTable::with_capacity(0),
            line_scratch: Vec::new(),
            strings: strings.into_boxed(),
            string_ids: HashMap::default(),
            mapping_ids: HashMap::default(),
            stack_ends,
            frames,
            values,
            label_ends,
            labels: parts.labels,
            groups,
            sample_table: IndexTable::with_capacity(0),
            seed: foldhash::fast::RandomState::default(),
        }
    }

    fn string(&mut self, s: &str) -> u32 {
        if self.string_ids.is_empty() {
            for (i, t) in self.strings.iter().enumerate().rev() {
                self.string_ids.insert(t.clone(), i as u32);
            }
        }
        if let Some(&id) = self.string_ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        self.string_ids.insert(s.into(), id);
        id
    }

    fn input_string(&mut self, maps: &mut InputMaps, p: &Profile, id: StrId) -> StrId {
        let slot = maps.strings[id.index()];
        if slot != NONE {
            return StrId(slot);
        }
        let out = self.string(p.string(id));
        maps.strings[id.index()] = out;
        StrId(out)
    }

    /// pprof's `mapMapping`: the output mapping and the address offset.
    fn mapping(&mut self, maps: &mut InputMaps, p: &Profile, id: MappingId) -> (u32, u64) {
        let slot = maps.mappings[id.index()];
        if slot.0 != NONE {
            return slot;
        }
        let m = p.mapping(id);
        if self.mapping_ids.len() < self.mappings.len() {
            // Seeded with a profile's mappings: index them on first use.
            let strings = &self.strings;
            for (i, o) in self.mappings.iter().enumerate() {
                let (size, offset, who) = mapping_key(o, |s| &strings[s.index()]);
                self.mapping_ids
                    .entry((size, offset, who.into()))
                    .or_insert(i as u32);
            }
        }
        let (size, offset, who) = mapping_key(m, |s| p.string(s));
        let found = self
            .mapping_ids
            .get(&(size, offset, Box::from(who)))
            .copied();
        let mapped = match found {
            Some(out) => {
                let start = self.mappings[out as usize].memory_start;
                (out, start.wrapping_sub(m.memory_start))
            }
            None => {
                let out = self.mappings.len() as u32;
                let mut copy = m.clone();
                copy.id = u64::from(out) + 1;
                copy.file = StrId(self.string(p.string(m.file)));
                copy.build_id = StrId(self.string(p.string(m.build_id)));
                self.mappings.push(copy);
                self.mapping_ids.insert((size, offset, who.into()), out);
                (out, 0)
            }
        };
        maps.mappings[id.index()] = mapped;
        mapped
    }

    /// pprof's `mapFunction`.
    fn function(&mut self, maps: &mut InputMaps, p: &Profile, id: FunctionId) -> u32 {
        let slot = maps.functions[id.index()];
        if slot != NONE {
            return slot;
        }
        let f = &p.functions[id.index()];
        let key = function_key(f, |s| p.string(s));
        let hash = function_hash(&self.seed, key);
        let strings = &self.strings;
        let out = match self.function_table.find(hash, |i| {
            function_key(&self.functions[i as usize], |s| &strings[s.index()]) == key
        }) {
            Ok(out) => out,
            Err(slot) => {
                let out = self.functions.len() as u32;
                let copy = Function {
                    id: u64::from(out) + 1,
                    name: self.input_string(maps, p, f.name),
                    system_name: self.input_string(maps, p, f.system_name),
                    filename: self.input_string(maps, p, f.filename),
                    start_line: f.start_line,
                };
                self.functions.push(copy);
                self.function_table.insert_at(slot, hash);
                out
            }
        };
        maps.functions[id.index()] = out;
        out
    }

    /// pprof's `mapLocation`.
    fn location(&mut self, maps: &mut InputMaps, p: &Profile, index: u32) -> u32 {
        let slot = maps.locations[index as usize];
        if slot != NONE {
            return slot;
        }
        let l = &p.locations[index as usize];
        let (mapping, offset, relative) = match l.mapping {
            Some(m) => {
                let (out, offset) = self.mapping(maps, p, m);
                let start = p.mapping(m).memory_start;
                (out, offset, l.address.wrapping_sub(start))
            }
            None => (NONE, 0, l.address),
        };
        let mut lines = std::mem::take(&mut self.line_scratch);
        lines.clear();
        for line in p.lines(l) {
            lines.push(Line {
                // Fewer than u32::MAX functions fit in memory.
                function: line
                    .function
                    .and_then(|f| FunctionId::new(self.function(maps, p, f))),
                line: line.line,
            });
        }
        let hash = location_hash(&self.seed, mapping, relative, l.is_folded, &lines);
        let found = self.location_table.find(hash, |i| {
            self.same_location(i, mapping, relative, l.is_folded, &lines)
        });
        let out = match found {
            Ok(i) => i,
            Err(slot) => {
                let out = self.locations.len() as u32;
                let start = self.lines.len() as u32;
                self.lines.extend_from_slice(&lines);
                self.add_columns(p, l, start as usize);
                self.locations.push(Location {
                    mapping: MappingId::new(mapping).filter(|_| mapping != NONE),
                    address: l.address.wrapping_add(offset),
                    lines: start..self.lines.len() as u32,
                    is_folded: l.is_folded,
                });
                self.location_table.insert_at(slot, hash);
                out
            }
        };
        self.line_scratch = lines;
        maps.locations[index as usize] = out;
        out
    }

    /// Carries the columns of `p`'s location `l`, whose lines were just
    /// added from `start` on in the output's lines.
    fn add_columns(&mut self, p: &Profile, l: &Location, start: usize) {
        if p.columns.is_empty() {
            return;
        }
        for (k, i) in (l.lines.start as usize..l.lines.end as usize).enumerate() {
            let column = p.column(i);
            if column != 0 || !self.columns.is_empty() {
                self.columns.resize(start + k, 0);
                self.columns.push(column);
            }
        }
    }

    /// Whether output location `i` has this key.
    fn same_location(
        &self,
        i: u32,
        mapping: u32,
        relative: u64,
        folded: bool,
        lines: &[Line],
    ) -> bool {
        let l = &self.locations[i as usize];
        let l_relative = match l.mapping {
            Some(m) => l
                .address
                .wrapping_sub(self.mappings[m.index()].memory_start),
            None => l.address,
        };
        let l_lines = &self.lines[l.lines.start as usize..l.lines.end as usize];
        l.mapping.map_or(NONE, |m| m.index() as u32) == mapping
            && l_relative == relative
            && l.is_folded == folded
            && l_lines.len() == lines.len()
            && l_lines
                .iter()
                .zip(lines)
                .all(|(a, b)| a.function == b.function && a.line == b.line)
    }

    fn sample_frames(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.stack_ends[i - 1] };
        &self.frames[start..self.stack_ends[i]]
    }

    fn sample_labels(&self, i: usize) -> &[Label] {
        let start = if i == 0 { 0 } else { self.label_ends[i - 1] };
        &self.labels[start..self.label_ends[i]]
    }

    fn push_sample(&mut self, group: u32, frames: &[u32], labels: &[Label], values: &[i64]) {
        self.frames.extend_from_slice(frames);
        self.stack_ends.push(self.frames.len());
        self.labels.extend_from_slice(labels);
        self.label_ends.push(self.labels.len());
        self.values.extend_from_slice(values);
        self.groups.push(group);
    }

    /// Adds a sample, or (when combining) adds its values to the identical
    /// one already there.
    fn add_sample(&mut self, group: u32, frames: &[u32], labels: &[Label], values: &[i64]) {
        if !self.combine {
            self.push_sample(group, frames, labels, values);
            return;
        }
        let mut h = Mix::new(&self.seed)
            .add(u64::from(group))
            .add(frames.len() as u64);
        for &f in frames {
            h = h.add(u64::from(f));
        }
        for l in labels {
            h = h
                .add(u64::from(l.key.0))
                .add(u64::from(l.str.0))
                .add(l.num as u64)
                .add(u64::from(l.num_unit.0));
        }
        let hash = h.finish();
        let found = self.sample_table.find(hash, |i| {
            let i = i as usize;
            self.groups[i] == group
                && self.sample_frames(i) == frames
                && labels_equal(self.sample_labels(i), labels)
        });
        match found {
            Ok(i) => {
                let k = self.value_count;
                let i = i as usize;
                for (acc, v) in self.values[i * k..(i + 1) * k].iter_mut().zip(values) {
                    *acc = acc.wrapping_add(*v);
                }
            }
            Err(slot) => {
                self.sample_table.insert_at(slot, hash);
                self.push_sample(group, frames, labels, values);
            }
        }
    }

    /// Appends an input without deduplicating anything but mappings: its
    /// functions, locations and strings are copied after the output's and
    /// its stacks shifted by the location offset — no lookup per location,
    /// a sequential pass per frame. Reports see the same nodes (a node is
    /// identified by name, file, line and address, not by location), and
    /// addresses are moved into the output mapping as pprof moves them.
    pub(super) fn append_input(&mut self, input: &MergeInput<'_>, plan: &ValuePlan<'_>) {
        let p = input.profile;
        let mut maps = InputMaps {
            mappings: vec![(NONE, 0); p.mappings.len()],
            functions: Vec::new(),
            locations: Vec::new(),
            strings: Vec::new(),
        };
        if self.mappings.is_empty() && !p.mappings.is_empty() {
            self.mapping(&mut maps, p, MappingId::FIRST);
        }
        let string_offset = self.strings.len() as u32 - 1;
        self.strings
            .extend((1..p.strings.len()).map(|i| Box::from(p.string(StrId(i as u32)))));
        let string = |id: StrId| {
            if id.0 == 0 {
                id
            } else {
                StrId(id.0 + string_offset)
            }
        };
        let function_offset = self.functions.len() as u32;
        self.functions
            .extend(p.functions.iter().enumerate().map(|(i, f)| Function {
                id: u64::from(function_offset) + i as u64 + 1,
                name: string(f.name),
                system_name: string(f.system_name),
                filename: string(f.filename),
                start_line: f.start_line,
            }));
        let location_offset = self.locations.len() as u32;
        self.locations.reserve(p.locations.len());
        self.lines.reserve(p.lines.len());
        for l in &p.locations {
            let (mapping, offset) = match l.mapping {
                Some(m) => {
                    let (out, offset) = self.mapping(&mut maps, p, m);
                    (MappingId::new(out), offset)
                }
                None => (None, 0),
            };
            let start = self.lines.len() as u32;
            self.lines.extend(p.lines(l).iter().map(|line| {
                Line {
                    // Fewer than u32::MAX functions fit in memory.
                    function: line.function.and_then(|f| {
                        (f.index() as u32)
                            .checked_add(function_offset)
                            .and_then(FunctionId::new)
                    }),
                    line: line.line,
                }
            }));
            self.add_columns(p, l, start as usize);
            self.locations.push(Location {
                mapping,
                address: l.address.wrapping_add(offset),
                lines: start..self.lines.len() as u32,
                is_folded: l.is_folded,
            });
        }
        let extra = input.label.map(|(k, v)| {
            self.strings.push(k.into());
            self.strings.push(v.into());
            let n = self.strings.len() as u32;
            Label {
                key: StrId(n - 2),
                str: StrId(n - 1),
                num: 0,
                num_unit: StrId(0),
            }
        });
        let samples = p.samples();
        let group = input.group as u32;
        let mut scratch = Vec::with_capacity(p.sample_types.len());
        let mut values = vec![0i64; self.value_count];
        for s in 0..samples.len() {
            if !plan.apply(samples.values(s), &mut scratch, &mut values) {
                continue;
            }
            self.frames
                .extend(samples.stack_raw(s).iter().map(|&l| l + location_offset));
            self.stack_ends.push(self.frames.len());
            for l in samples.labels(s) {
                if l.str.index() != 0
                    && extra
                        .is_some_and(|e| p.string(l.key) == self.strings[e.key.index()].as_ref())
                {
                    continue; // replaced by the extra label, as SetLabel does
                }
                self.labels.push(Label {
                    key: string(l.key),
                    str: string(l.str),
                    num: l.num,
                    num_unit: string(l.num_unit),
                });
            }
            if let Some(extra) = extra {
                self.labels.push(extra);
            }
            self.label_ends.push(self.labels.len());
            self.values.extend_from_slice(&values);
            self.groups.push(group);
        }
    }

    pub(super) fn add_input(&mut self, input: &MergeInput<'_>, plan: &ValuePlan<'_>) {
        let p = input.profile;
        let mut maps = InputMaps {
            mappings: vec![(NONE, 0); p.mappings.len()],
            functions: vec![NONE; p.functions.len()],
            locations: vec![NONE; p.locations.len()],
            strings: vec![NONE; p.strings.len()],
        };
        if self.mappings.is_empty() && !p.mappings.is_empty() {
            // pprof maps the first mapping first: it is the main binary.
            self.mapping(&mut maps, p, MappingId::FIRST);
        }
        let extra = input.label.map(|(k, v)| Label {
            key: StrId(self.string(k)),
            str: StrId(self.string(v)),
            num: 0,
            num_unit: StrId(0),
        });
        let samples = p.samples();
        let group = input.group as u32;
        let mut scratch = Vec::with_capacity(p.sample_types.len());
        let mut values = vec![0i64; self.value_count];
        let mut frames: Vec<u32> = Vec::with_capacity(64);
        let mut labels: Vec<Label> = Vec::new();
        for s in 0..samples.len() {
            if !plan.apply(samples.values(s), &mut scratch, &mut values) {
                continue;
            }
            frames.clear();
            for &l in samples.stack_raw(s) {
                let known = maps.locations[l as usize];
                frames.push(if known == NONE {
                    self.location(&mut maps, p, l)
                } else {
                    known
                });
            }
            labels.clear();
            for l in samples.labels(s) {
                let numeric = l.str.index() == 0;
                if numeric && l.num == 0 && l.num_unit.index() == 0 {
                    continue; // pprof ignores such labels when decoding.
                }
                labels.push(Label {
                    key: self.input_string(&mut maps, p, l.key),
                    str: self.input_string(&mut maps, p, l.str),
                    num: l.num,
                    num_unit: self.input_string(&mut maps, p, l.num_unit),
                });
            }
            if let Some(extra) = extra {
                labels.retain(|l| l.key != extra.key || l.str.index() == 0);
                labels.push(extra);
            }
            // Canonical order: string labels, then numeric ones, by key;
            // values of one key keep their order.
            labels.sort_by_key(|l| (l.str.index() == 0, l.key.0));
            self.add_sample(group, &frames, &labels, &values);
        }
    }

    /// Drops samples whose values summed to zero.
    pub(super) fn compact(&mut self) {
        let k = self.value_count;
        let zero = |i: usize, values: &[i64]| values[i * k..(i + 1) * k].iter().all(|&v| v == 0);
        let n = self.stack_ends.len();
        if !(0..n).any(|i| zero(i, &self.values)) {
            return;
        }
        let mut stack_ends = Vec::with_capacity(n);
        let mut frames = Vec::with_capacity(self.frames.len());
        let mut values = Vec::with_capacity(self.values.len());
        let mut label_ends = Vec::with_capacity(n);
        let mut labels = Vec::with_capacity(self.labels.len());
        let mut groups = Vec::with_capacity(n);
        for i in 0..n {
            if zero(i, &self.values) {
                continue;
            }
            frames.extend_from_slice(self.sample_frames(i));
            stack_ends.push(frames.len());
            labels.extend_from_slice(self.sample_labels(i));
            label_ends.push(labels.len());
            values.extend_from_slice(&self.values[i * k..(i + 1) * k]);
            groups.push(self.groups[i]);
        }
        self.stack_ends = stack_ends;
        self.frames = frames;
        self.values = values;
        self.label_ends = label_ends;
        self.labels = labels;
        self.groups = groups;
    }

    /// The merged profile, and each group's sample range.
    pub(super) fn finish(
        mut self,
        header: Header,
        group_count: usize,
    ) -> Result<Merged, MergeError> {
        let comments = header
            .comments
            .iter()
            .map(|c| StrId(self.string(c)))
            .collect();
        // Inputs come in non-decreasing group order and a sample never
        // combines across groups, so each group's samples are contiguous.
        let mut counts = vec![0usize; group_count];
        for &g in &self.groups {
            counts[g as usize] += 1;
        }
        let mut start = 0;
        let groups = counts
            .iter()
            .map(|&n| {
                start += n;
                start - n..start
            })
            .collect();
        let samples = Samples::new(
            header.sample_types.len(),
            self.stack_ends,
            self.frames,
            self.values,
            self.label_ends,
            self.labels,
        );
        let profile = Profile {
            sample_types: header.sample_types,
            default_sample_type: header.default_sample_type,
            period_type: header.period_type,
            period: header.period,
            time_nanos: header.time_nanos,
            duration_nanos: header.duration_nanos,
            comments,
            drop_frames: header.drop_frames,
            keep_frames: header.keep_frames,
            mappings: self.mappings,
            functions: self.functions,
            locations: self.locations,
            lines: self.lines,
            columns: self.columns,
            samples,
            strings: StringTable::from_boxed(self.strings).map_err(|_| MergeError::TooLarge)?,
            // Runtime statistics describe one process at one moment; a
            // merge of several has none.
            memstats: None,
        };
        Ok(Merged { profile, groups })
    }
}

fn labels_equal(a: &[Label], b: &[Label]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.key == y.key && x.str == y.str && x.num == y.num && x.num_unit == y.num_unit
        })
}
