//! The request: the command line resolved once, before any profile is read.
//!
//! clap's structs are what the user typed; a [`View`] is what it means:
//! every profile argument parsed once into a [`Source`], the filters
//! compiled once, `--granularity` as asked (`None` when left to its default,
//! for the study to decide). The sample index is resolved later, once,
//! against the profile it applies to. The subcommands read these values,
//! and tests build their options through the same resolution (e.g.
//! [`TopRequest::parse`](super::TopRequest::parse)).

use super::{ViewArgs, usage};
use crate::analysis::{Filters, Granularity, TagFilter, compile_regex};
use crate::input::source::{LoadOptions, Source, load_all};
use crate::profile::{DecodeOptions, Profile, add_label_frames, group_by_label};
use crate::report::ProfileInfo;
use anyhow::Result;

/// The view options, resolved.
#[derive(Debug, Clone)]
pub struct View {
    /// `--sample-index` as given (a name or an index).
    pub sample_index: Option<String>,
    /// `--granularity` as asked; `None` when left to its default.
    pub granularity: Option<Granularity>,
    /// The compiled filters.
    pub filters: Filters,
    /// Size limits for reading profiles.
    pub load: LoadOptions,
    /// `--tagroot` and `--tagleaf` keys: label values made frames as each
    /// profile is loaded (see [`add_label_frames`]).
    pub tag_frames: (Vec<String>, Vec<String>),
    /// `trend`/`diff --group-by-label KEY`: each stack replaced by its
    /// sample's value of KEY (see [`group_by_label`]).
    pub group_by_label: Option<String>,
}

/// A profile argument, parsed once.
#[derive(Debug, Clone)]
pub struct Input {
    /// The argument as the user gave it.
    pub arg: String,
    pub source: Source,
}

impl Input {
    /// Parses profile arguments (see [`Source::parse`]).
    pub fn parse_all(args: &[String]) -> Vec<Input> {
        args.iter()
            .map(|arg| Input {
                arg: arg.clone(),
                source: Source::parse(arg),
            })
            .collect()
    }

    /// Header facts of the profile this input was loaded into.
    pub fn info(&self, profile: &Profile) -> ProfileInfo {
        ProfileInfo::of(self.source.display_name(), profile)
    }
}

impl View {
    /// The granularity of a single-profile view: as asked, else functions.
    pub fn granularity(&self) -> Granularity {
        self.granularity.unwrap_or_default()
    }

    /// Loads inputs (in parallel), in order.
    pub fn load(&self, inputs: &[Input]) -> Result<Vec<Profile>> {
        let sources: Vec<Source> = inputs.iter().map(|i| i.source.clone()).collect();
        self.load_sources(&sources)
    }

    /// Loads sources (in parallel), in order, with the label frames and
    /// grouping asked for.
    pub fn load_sources(&self, sources: &[Source]) -> Result<Vec<Profile>> {
        let mut profiles = load_all(sources, &self.load)?;
        let (roots, leaves) = &self.tag_frames;
        if !roots.is_empty() || !leaves.is_empty() {
            let (mut root_hit, mut leaf_hit) = (false, false);
            for p in &mut profiles {
                let (r, l) = add_label_frames(p, roots, leaves)?;
                root_hit |= r;
                leaf_hit |= l;
            }
            // pprof's warnings, in its words.
            for (keys, hit, name) in [(roots, root_hit, "TagRoot"), (leaves, leaf_hit, "TagLeaf")] {
                if !keys.is_empty() && !hit {
                    eprintln!("pprof-tui: {name} expression matched no samples");
                }
            }
        }
        if let Some(key) = &self.group_by_label {
            for p in &mut profiles {
                group_by_label(p, key)?;
            }
        }
        Ok(profiles)
    }

    /// Reads only the samples of non-zero value in the sample type asked
    /// for, for a report of one profile in that type alone: the others add
    /// nothing to it, so their stacks are not read
    /// ([`Keep::NonZero`](crate::profile::Keep::NonZero)).
    /// Filters keep every sample (their "matched no samples" warnings
    /// count every one, as pprof's do), and so do label frames and label
    /// grouping.
    pub fn read_only_nonzero(&mut self) {
        let (roots, leaves) = &self.tag_frames;
        if self.filters.is_empty()
            && roots.is_empty()
            && leaves.is_empty()
            && self.group_by_label.is_none()
        {
            self.load.decode.keep = crate::profile::Keep::NonZero {
                asked: self.sample_index.clone(),
            };
        }
    }

    /// Reads of each location only what the view's granularity shows
    /// ([`Granularity::detail`]), for reports at that granularity alone.
    pub fn read_only_what_is_shown(&mut self) {
        self.load.decode.detail = self.granularity().detail();
    }

    /// Resolves `--sample-index` against the profile it applies to
    /// (default: the profile's own); an unknown type is a usage error.
    pub fn sample_index(&self, profile: &Profile) -> Result<usize> {
        profile
            .resolve_sample_type(self.sample_index.as_deref())
            .map_err(usage)
    }
}

/// Comma-separated label keys, empty ones dropped (pprof's `dropEmptyStrings`).
fn keys(list: &Option<String>) -> Vec<String> {
    list.as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ViewArgs {
    /// Resolves the view options once: filters compiled, granularity as
    /// asked.
    pub fn resolve(&self) -> Result<View> {
        let regex = |name, re: &Option<String>| {
            re.as_deref()
                .map(|p| compile_regex(name, p))
                .transpose()
                .map_err(usage)
        };
        let tag = |name, spec: &Option<String>| {
            spec.as_deref()
                .map(|t| TagFilter::parse(name, t))
                .transpose()
                .map_err(usage)
        };
        let filters = Filters {
            focus: regex("--focus", &self.focus)?,
            ignore: regex("--ignore", &self.ignore)?,
            hide: regex("--hide", &self.hide)?,
            show: regex("--show", &self.show)?,
            tag_focus: tag("--tagfocus", &self.tagfocus)?,
            tag_ignore: tag("--tagignore", &self.tagignore)?,
        };
        Ok(View {
            sample_index: self.sample_index.clone(),
            granularity: self.granularity,
            filters,
            load: LoadOptions {
                decode: DecodeOptions {
                    max_decompressed: self.max_decompressed,
                    ..DecodeOptions::default()
                },
                max_download: self.max_download,
                tls: self.tls.options(),
            },
            tag_frames: (keys(&self.tagroot), keys(&self.tagleaf)),
            group_by_label: None,
        })
    }
}
