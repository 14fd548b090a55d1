//! A text profile as it arrives: the pieces a stream is read in (inflated
//! ones for a gzip file), within the decode's size limit. The header is
//! read from the first bytes; the records are then cut from the rest as it
//! comes ([`super::records`]), so a text of any size is never held whole.

use crate::profile::ProfileError;

/// The pieces of a stream, in order.
pub(crate) type Chunks<'a> = Box<dyn Iterator<Item = Result<Vec<u8>, ProfileError>> + 'a>;

/// Bytes read before the header is looked at: enough for any real header
/// (a contention profile's attributes are a few short lines).
const HEAD: usize = 1 << 16;

/// The text being read.
pub(crate) struct Input<'a> {
    /// What was read and not yet handed on.
    buf: Vec<u8>,
    chunks: Chunks<'a>,
    /// Gives a piece back to whoever made it, to be filled again.
    spent: Box<dyn FnMut(Vec<u8>) + 'a>,
    limit: u64,
    /// Bytes read so far.
    read: u64,
    ended: bool,
}

impl<'a> Input<'a> {
    /// A stream read in `chunks`, refused past `limit` bytes; each piece,
    /// once copied, goes to `spent`.
    pub(crate) fn new(chunks: Chunks<'a>, limit: u64, spent: impl FnMut(Vec<u8>) + 'a) -> Self {
        Input {
            buf: Vec::new(),
            chunks,
            spent: Box::new(spent),
            limit,
            read: 0,
            ended: false,
        }
    }

    /// A text held whole.
    pub(crate) fn whole(text: Vec<u8>) -> Input<'a> {
        let mut input = Input::new(Box::new(std::iter::empty()), u64::MAX, drop);
        input.buf = text;
        input.read = input.buf.len() as u64;
        input.ended = true;
        input
    }

    /// The next piece of the stream past what was read (`None` at its
    /// end), counted against the limit.
    pub(super) fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ProfileError> {
        if self.ended {
            return Ok(None);
        }
        match self.chunks.next().transpose()? {
            None => {
                self.ended = true;
                Ok(None)
            }
            Some(chunk) => {
                self.read += chunk.len() as u64;
                if self.read > self.limit {
                    self.ended = true;
                    return Err(ProfileError::TooLarge { limit: self.limit });
                }
                Ok(Some(chunk))
            }
        }
    }

    /// Gives a piece from [`Input::next_chunk`] back once copied.
    pub(super) fn give_back(&mut self, chunk: Vec<u8>) {
        (self.spent)(chunk);
    }

    /// Reads one more piece into the held bytes; `false` at the end.
    fn pull(&mut self) -> Result<bool, ProfileError> {
        let Some(chunk) = self.next_chunk()? else {
            return Ok(false);
        };
        append(&mut self.buf, &chunk)?;
        self.give_back(chunk);
        Ok(true)
    }

    /// Reads [`HEAD`] bytes at least (or the whole stream), for a header
    /// to be read from [`Input::complete`].
    pub(crate) fn read_head(&mut self) -> Result<(), ProfileError> {
        while self.buf.len() < HEAD && self.pull()? {}
        Ok(())
    }

    /// Reads the whole stream into the held bytes.
    pub(super) fn read_all(&mut self) -> Result<(), ProfileError> {
        while self.pull()? {}
        Ok(())
    }

    /// Whether the whole stream was read.
    pub(super) fn ended(&self) -> bool {
        self.ended
    }

    /// The held bytes up to the end of their last whole line (all of
    /// them once the stream ended): what a header may be read from.
    pub(crate) fn complete(&self) -> &[u8] {
        if self.ended {
            return &self.buf;
        }
        let end = memchr::memrchr(b'\n', &self.buf).map_or(0, |i| i + 1);
        &self.buf[..end]
    }

    /// Takes the held bytes, leaving none held.
    pub(super) fn take_held(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// The whole text: the held bytes and the rest of the stream.
    pub(crate) fn into_text(mut self) -> Result<Vec<u8>, ProfileError> {
        self.read_all()?;
        Ok(std::mem::take(&mut self.buf))
    }
}

/// Appends `bytes` to `text`, an error rather than an abort when memory
/// runs out.
pub(super) fn append(text: &mut Vec<u8>, bytes: &[u8]) -> Result<(), ProfileError> {
    crate::profile::decode::reserve(text, bytes.len())?;
    text.extend_from_slice(bytes);
    Ok(())
}
