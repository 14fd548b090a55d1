//! [`Profile`] back to protobuf: what `convert` writes, so that other tools
//! (`go tool pprof`, speedscope, Pyroscope …) read what pprof-tui read.
//! The protobuf types stay inside the profile layer, as in decoding.
//!
//! Samples are encoded one at a time straight into the output, each as one
//! `sample` field, instead of building the whole message first: a decoded
//! profile is a few bytes per frame, and a `Vec<pb::Sample>` would cost a
//! struct and two vectors per sample.

use std::io::{self, Write};

use prost::Message;

use super::decode::pb;
use super::model::{Profile, StrId, ValueType};

/// Field number of `Profile.sample`.
const SAMPLE_FIELD: u32 = 2;

/// Writes `profile` as an uncompressed `profile.proto` message. Ids are
/// renumbered densely from 1; samples from a `--diff-base` keep their
/// (negated) values but, like any merge result, no base label.
pub fn encode(profile: &Profile, out: &mut dyn Write) -> io::Result<()> {
    let mut strings = Strings::new(profile);
    let value_type = |s: &mut Strings, t: &ValueType| pb::ValueType {
        r#type: s.add(&t.name),
        unit: s.add(&t.unit),
    };
    let sample_type = profile
        .sample_types
        .iter()
        .map(|t| value_type(&mut strings, t))
        .collect();
    let period_type = profile
        .period_type
        .as_ref()
        .map(|t| value_type(&mut strings, t));
    let optional = |s: &mut Strings, v: &Option<String>| v.as_deref().map_or(0, |v| s.add(v));
    let drop_frames = optional(&mut strings, &profile.drop_frames);
    let keep_frames = optional(&mut strings, &profile.keep_frames);
    let default_sample_type = optional(&mut strings, &profile.default_sample_type);
    // MemStats travel as one more comment (`MemStats::to_comment`).
    let mut comment: Vec<i64> = profile.comments.iter().map(|&c| index(c)).collect();
    if let Some(stats) = &profile.memstats {
        comment.push(strings.add(&stats.to_comment()));
    }
    let id = |i: usize| i as u64 + 1;
    let mapping = profile
        .mappings
        .iter()
        .enumerate()
        .map(|(i, m)| pb::Mapping {
            id: id(i),
            memory_start: m.memory_start,
            memory_limit: m.memory_limit,
            file_offset: m.file_offset,
            filename: index(m.file),
            build_id: index(m.build_id),
            has_functions: m.has_functions,
            has_filenames: m.has_filenames,
            has_line_numbers: m.has_line_numbers,
            has_inline_frames: m.has_inline_frames,
        })
        .collect();
    let function = profile
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| pb::Function {
            id: id(i),
            name: index(f.name),
            system_name: index(f.system_name),
            filename: index(f.filename),
            start_line: f.start_line,
        })
        .collect();
    let location = profile
        .locations()
        .iter()
        .enumerate()
        .map(|(i, l)| pb::Location {
            id: id(i),
            mapping_id: l.mapping.map_or(0, |m| id(m.index())),
            address: l.address,
            // pprof refuses a line with no function ("has a line with nil
            // function"); decoding drops them, and so does writing.
            line: (l.lines.start as usize..)
                .zip(profile.lines(l))
                .filter_map(|(i, line)| {
                    Some(pb::Line {
                        function_id: id(line.function?.index()),
                        line: line.line,
                        column: profile.column(i),
                    })
                })
                .collect(),
            is_folded: l.is_folded,
        })
        .collect();
    let header = pb::Profile {
        sample_type,
        mapping,
        location,
        function,
        string_table: strings.into_table(),
        drop_frames,
        keep_frames,
        time_nanos: profile.time_nanos,
        duration_nanos: profile.duration_nanos,
        period_type,
        period: profile.period,
        comment,
        default_sample_type,
        ..Default::default()
    };
    out.write_all(&header.encode_to_vec())?;

    let samples = profile.samples();
    let mut sample = pb::Sample::default();
    let mut buf = Vec::new();
    for i in 0..samples.len() {
        sample.location_id.clear();
        sample
            .location_id
            .extend(samples.stack_raw(i).iter().map(|&l| u64::from(l) + 1));
        sample.value.clear();
        sample.value.extend_from_slice(samples.values(i));
        sample.label.clear();
        sample
            .label
            .extend(samples.labels(i).iter().map(|l| pb::Label {
                key: index(l.key),
                str: index(l.str),
                num: l.num,
                num_unit: index(l.num_unit),
            }));
        buf.clear();
        prost::encoding::message::encode(SAMPLE_FIELD, &sample, &mut buf);
        out.write_all(&buf)?;
    }
    Ok(())
}

/// [`encode`], gzip-compressed: the form `/debug/pprof` serves and every
/// pprof reader expects.
pub fn encode_gzip(profile: &Profile, out: &mut dyn Write) -> io::Result<()> {
    let mut gz = gzip(out);
    encode(profile, &mut gz)?;
    gz.finish()?;
    Ok(())
}

/// A gzip stream into `out`, at the level pprof-tui writes profiles at.
pub(crate) fn gzip<W: Write>(out: W) -> flate2::write::GzEncoder<W> {
    flate2::write::GzEncoder::new(out, flate2::Compression::new(GZIP_LEVEL))
}

/// The gzip level profiles are written at. Compressing took 60% of the CPU
/// of `convert` at the default level (6); level 4 writes files within about
/// 1% of its size (on the 80 MB synthetic profile, the 100 MB legacy text and
/// the profiles of `testdata/compile`) and `convert` of the first two runs in
/// 0.90× the time. Level 1 compressed in half the time, for files 20–40%
/// larger.
const GZIP_LEVEL: u32 = 4;

fn index(id: StrId) -> i64 {
    i64::from(id.0)
}

/// The profile's string table, plus the strings the model keeps as text
/// (sample type names, drop_frames …) appended after it.
struct Strings<'p> {
    profile: &'p Profile,
    extra: Vec<String>,
}

impl<'p> Strings<'p> {
    fn new(profile: &'p Profile) -> Self {
        Strings {
            profile,
            extra: Vec::new(),
        }
    }

    fn add(&mut self, s: &str) -> i64 {
        if s.is_empty() {
            return 0;
        }
        let base = self.profile.strings.len();
        let at = match self.extra.iter().position(|e| e == s) {
            Some(at) => at,
            None => {
                self.extra.push(s.to_owned());
                self.extra.len() - 1
            }
        };
        (base + at) as i64
    }

    fn into_table(self) -> Vec<String> {
        let table = &self.profile.strings;
        let mut out: Vec<String> = Vec::with_capacity(table.len() + self.extra.len() + 1);
        out.extend((0..table.len()).map(|i| table.get(StrId(i as u32)).to_owned()));
        if out.is_empty() {
            // Index 0 must be the empty string.
            out.push(String::new());
        }
        out.extend(self.extra);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{DecodeOptions, decode};

    #[test]
    fn a_profile_survives_the_round_trip() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/legacy/heap-2.debug1.txt"
        );
        let p = decode(&std::fs::read(path).unwrap(), &DecodeOptions::default()).unwrap();
        let mut bytes = Vec::new();
        encode_gzip(&p, &mut bytes).unwrap();
        let q = decode(&bytes, &DecodeOptions::default()).unwrap();
        assert_eq!(q.sample_types, p.sample_types);
        assert_eq!(
            (q.period, q.period_type.clone()),
            (p.period, p.period_type.clone())
        );
        assert_eq!(q.drop_frames, p.drop_frames);
        // MemStats come back from their comment, and only there.
        assert!(p.memstats.is_some());
        assert_eq!(q.memstats, p.memstats);
        assert_eq!(q.comments.len(), p.comments.len());
        assert_eq!(q.samples().len(), p.samples().len());
        for i in 0..p.samples().len() {
            assert_eq!(q.samples().values(i), p.samples().values(i));
            assert_eq!(q.samples().stack_raw(i), p.samples().stack_raw(i));
            // A zero `bytes` label of the text does not survive: a proto
            // reader (pprof's too) drops a label without a value.
            let nums = |p: &Profile| -> Vec<i64> {
                let labels = p.samples().labels(i).iter();
                labels.map(|l| l.num).filter(|&n| n != 0).collect()
            };
            assert_eq!(nums(&q), nums(&p));
        }
        let names = |p: &Profile| -> Vec<String> {
            p.functions
                .iter()
                .map(|f| p.string(f.name).to_owned())
                .collect()
        };
        assert_eq!(names(&q), names(&p));
    }
}
