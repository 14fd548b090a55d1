//! [`Profile`] back to protobuf: what `convert` writes, so that other tools
//! (`go tool pprof`, speedscope, Pyroscope …) read what pprof-tui read.
//! The protobuf types stay inside the profile layer, as in decoding.
//!
//! Samples are encoded one at a time straight into the output, each as one
//! `sample` field, instead of building the whole message first: a decoded
//! profile is a few bytes per frame, and a `Vec<pb::Sample>` would cost a
//! struct and two vectors per sample.

use std::io::{self, Write};
use std::sync::mpsc;

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
/// pprof reader expects. Compressing is most of the work, so it runs on a
/// second thread as the encoder writes: one gzip stream, the same bytes a
/// single thread would write.
pub fn encode_gzip(profile: &Profile, out: &mut dyn Write) -> io::Result<()> {
    std::thread::scope(|scope| {
        // Encoded pieces to the compressor, and back once compressed from
        // (to be filled again); compressed pieces to this thread.
        let (to_compress, pieces) = mpsc::sync_channel::<Vec<u8>>(PIECES_AHEAD);
        let (spent, spares) = mpsc::sync_channel::<Vec<u8>>(PIECES_AHEAD + 1);
        let (compressed_tx, compressed) = mpsc::channel::<Vec<u8>>();
        let compressor = scope.spawn(move || -> io::Result<()> {
            let mut gz = gzip(Pieces(compressed_tx));
            for piece in pieces {
                gz.write_all(&piece)?;
                // A full or closed queue: the piece is freed.
                let _ = spent.try_send(piece);
            }
            gz.finish().map(drop)
        });
        let mut encoded = Encoded {
            piece: Vec::with_capacity(PIECE),
            to_compress,
            spares,
            compressed: &compressed,
            out: &mut *out,
        };
        let written = encode(profile, &mut encoded).and_then(|()| encoded.send());
        // Closing the queue ends the compressor's loop, also on an error.
        drop(encoded);
        let compressing = compressor
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // The compressor's error first: it explains the encoder's (its
        // queue closed under it).
        compressing?;
        written?;
        compressed
            .try_iter()
            .try_for_each(|piece| out.write_all(&piece))
    })
}

/// The size of the encoded pieces handed to the compressor.
const PIECE: usize = 1 << 18;

/// Encoded pieces that may wait for the compressor.
const PIECES_AHEAD: usize = 2;

/// Where the encoder writes: pieces of [`PIECE`] bytes for the compressor,
/// and what came back compressed written out on the way.
struct Encoded<'a> {
    piece: Vec<u8>,
    to_compress: mpsc::SyncSender<Vec<u8>>,
    spares: mpsc::Receiver<Vec<u8>>,
    compressed: &'a mpsc::Receiver<Vec<u8>>,
    out: &'a mut dyn Write,
}

impl Encoded<'_> {
    /// Hands the piece to the compressor, then writes out what it has
    /// compressed so far.
    fn send(&mut self) -> io::Result<()> {
        let mut next = self.spares.try_recv().unwrap_or_default();
        next.clear();
        let piece = std::mem::replace(&mut self.piece, next);
        self.to_compress
            .send(piece)
            .map_err(|_| io::Error::other("the compressor stopped"))?;
        for compressed in self.compressed.try_iter() {
            self.out.write_all(&compressed)?;
        }
        Ok(())
    }
}

impl Write for Encoded<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.piece.len() >= PIECE {
            self.send()?;
        }
        self.piece.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The compressor's output, handed on in the pieces it writes.
struct Pieces(mpsc::Sender<Vec<u8>>);

impl Write for Pieces {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .send(bytes.to_vec())
            .map_err(|_| io::Error::other("the output stopped"))?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
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

    fn compile_heap() -> Profile {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/compile/compile-heap.pb.gz"
        );
        decode(&std::fs::read(path).unwrap(), &DecodeOptions::default()).unwrap()
    }

    #[test]
    fn compressing_on_a_second_thread_writes_the_bytes_of_one() {
        let p = compile_heap();
        let mut raw = Vec::new();
        encode(&p, &mut raw).unwrap();
        assert!(raw.len() > 8 * PIECE, "many pieces: {} bytes", raw.len());
        let mut gz = gzip(Vec::new());
        gz.write_all(&raw).unwrap();
        let one_thread = gz.finish().unwrap();
        let mut two_threads = Vec::new();
        encode_gzip(&p, &mut two_threads).unwrap();
        assert!(two_threads == one_thread, "the same gzip stream");
    }

    /// Takes `room` bytes, then fails.
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "full"));
            }
            let n = bytes.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_output_that_fails_fails_the_encoding() {
        let p = compile_heap();
        for room in [0, 1, 100_000, 1_000_000] {
            let err = encode_gzip(&p, &mut Full { room }).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::StorageFull, "room {room}");
        }
    }

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
