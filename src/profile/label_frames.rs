//! pprof's `-tagroot` and `-tagleaf`: label values as pseudo frames, so a
//! report groups by them. Each sample gets, per key, one frame named by its
//! values (joined by `,`; numeric ones formatted in their unit) whose file
//! is the key; a sample without the key gets a frame with no name. The
//! first `--tagroot` key becomes the new root, the last `--tagleaf` key the
//! new leaf, as pprof's `addLabelNodes` does, before any filter runs.

use foldhash::HashMap;

use super::error::ProfileError;
use super::model::{Function, FunctionId, Line, Location, Profile, Samples, StrId};

/// Adds the pseudo frames; returns whether some sample had a root key and
/// whether some had a leaf key (pprof warns when one matched nothing).
pub fn add_label_frames(
    profile: &mut Profile,
    roots: &[String],
    leaves: &[String],
) -> Result<(bool, bool), ProfileError> {
    let (mut root_hit, mut leaf_hit) = (false, false);
    if roots.is_empty() && leaves.is_empty() {
        return Ok((root_hit, leaf_hit));
    }
    let mut frames_of = FrameMaker::new(profile);
    let count = profile.samples.len();
    let mut stack_ends = Vec::with_capacity(count);
    let mut frames = Vec::with_capacity(profile.samples.frame_count() + count);
    for s in 0..count {
        // Leaf keys: the last key at the leaf; root keys: the first at the root.
        let (leaf_locs, hit) = frames_of.locations(profile, s, leaves)?;
        leaf_hit |= hit;
        let (root_locs, hit) = frames_of.locations(profile, s, roots)?;
        root_hit |= hit;
        frames.extend(leaf_locs);
        frames.extend_from_slice(profile.samples.stack_raw(s));
        frames.extend(root_locs);
        stack_ends.push(frames.len());
    }
    set_stacks(profile, stack_ends, frames);
    Ok((root_hit, leaf_hit))
}

/// Interns the pseudo frames: one function and location per (name, key).
struct FrameMaker {
    /// Seeded at random: label keys and values are the profile's to choose.
    index: HashMap<(String, String), u32>,
    next_function_id: u64,
}

impl FrameMaker {
    fn new(profile: &Profile) -> FrameMaker {
        FrameMaker {
            index: HashMap::default(),
            next_function_id: profile.functions.iter().map(|f| f.id).max().unwrap_or(0) + 1,
        }
    }

    /// The pseudo locations of sample `s` for `keys`, in stack order (leaf
    /// first): the last key first. Whether the sample had any of them.
    fn locations(
        &mut self,
        profile: &mut Profile,
        s: usize,
        keys: &[String],
    ) -> Result<(Vec<u32>, bool), ProfileError> {
        let mut out = Vec::with_capacity(keys.len());
        let mut hit = false;
        for key in keys.iter().rev() {
            let values = label_values(profile, s, key);
            hit |= !values.is_empty();
            let name = values.join(",");
            out.push(self.location(profile, name, key)?);
        }
        Ok((out, hit))
    }

    fn location(
        &mut self,
        profile: &mut Profile,
        name: String,
        key: &str,
    ) -> Result<u32, ProfileError> {
        let entry = (name, key.to_owned());
        if let Some(&l) = self.index.get(&entry) {
            return Ok(l);
        }
        if profile.locations.len() + profile.lines.len() >= super::MAX_FRAMES {
            return Err(ProfileError::TooMany {
                what: "locations and lines",
                max: super::MAX_FRAMES,
            });
        }
        let intern = |profile: &mut Profile, s: &str| -> Result<StrId, ProfileError> {
            let id = u32::try_from(profile.strings.len()).map_err(|_| ProfileError::TooMany {
                what: "strings",
                max: u32::MAX as usize,
            })?;
            profile.strings.push(s)?;
            Ok(StrId(id))
        };
        let name = intern(profile, &entry.0)?;
        let filename = intern(profile, key)?;
        let function = FunctionId::at(profile.functions.len())?;
        profile.functions.push(Function {
            id: self.next_function_id,
            name,
            system_name: name,
            filename,
            start_line: 0,
        });
        self.next_function_id += 1;
        let line = profile.lines.len() as u32;
        profile.lines.push(Line {
            function: Some(function),
            line: 0,
        });
        let l = profile.locations.len() as u32;
        profile.locations.push(Location {
            mapping: None,
            address: 0,
            lines: line..line + 1,
            is_folded: false,
        });
        self.index.insert(entry, l);
        Ok(l)
    }
}

/// pprof's `formatLabelValues`: the string values of `key`, then its
/// numeric ones, in their unit (a number without one as it is).
fn label_values(profile: &Profile, s: usize, key: &str) -> Vec<String> {
    let labels = profile.samples.labels(s);
    let of_key = || labels.iter().filter(|l| profile.string(l.key) == key);
    let mut values: Vec<String> = of_key()
        .filter(|l| l.str != StrId::default())
        .map(|l| profile.string(l.str).to_owned())
        .collect();
    values.extend(of_key().filter(|l| l.str == StrId::default()).map(|l| {
        match profile.string(l.num_unit) {
            "" => crate::units::scaled_label(l.num, "", ""),
            unit => crate::units::scaled_label(l.num, unit, "minimum"),
        }
    }));
    values
}

/// `--group-by-label KEY`: every sample's stack becomes one frame naming
/// its value of `key` (`route=/login`; `route=(none)` without one), so a
/// comparison ranks label values (which handler's goroutines grow).
pub fn group_by_label(profile: &mut Profile, key: &str) -> Result<(), ProfileError> {
    let mut frames_of = FrameMaker::new(profile);
    let count = profile.samples.len();
    let mut frames = Vec::with_capacity(count);
    let mut stack_ends = Vec::with_capacity(count);
    for s in 0..count {
        let values = label_values(profile, s, key);
        let name = if values.is_empty() {
            format!("{key}=(none)")
        } else {
            format!("{key}={}", values.join(","))
        };
        frames.push(frames_of.location(profile, name, key)?);
        stack_ends.push(frames.len());
    }
    set_stacks(profile, stack_ends, frames);
    Ok(())
}

/// Gives the samples new stacks, keeping their values and labels.
fn set_stacks(profile: &mut Profile, stack_ends: Vec<usize>, frames: Vec<u32>) {
    let value_count = profile.sample_types.len();
    let parts = std::mem::take(&mut profile.samples).into_parts();
    profile.samples = Samples::new(
        value_count,
        stack_ends,
        frames,
        parts.values,
        parts.label_ends,
        parts.labels,
    );
}
