//! A string table that gives each distinct string one id, for the readers
//! that build a profile from text (legacy profiles, goroutine dumps).

use foldhash::HashMap;

use super::error::ProfileError;
use super::model::{StrId, StringTable};

/// The table being built and the id of each string in it.
#[derive(Debug)]
pub(crate) struct Interner {
    table: StringTable,
    /// Seeded at random: a text's names are its own to choose, and names
    /// chosen to share a hash would make every lookup walk them.
    index: HashMap<String, StrId>,
}

impl Interner {
    /// A table holding the empty string at id 0, as a profile's must.
    pub(crate) fn new() -> Result<Interner, ProfileError> {
        let mut interner = Interner {
            table: StringTable::default(),
            index: HashMap::default(),
        };
        interner.intern("")?;
        Ok(interner)
    }

    /// The id of `s`, added when new.
    pub(crate) fn intern(&mut self, s: &str) -> Result<StrId, ProfileError> {
        if let Some(&id) = self.index.get(s) {
            return Ok(id);
        }
        let id = StrId(
            u32::try_from(self.table.len()).map_err(|_| ProfileError::TooMany {
                what: "strings",
                max: u32::MAX as usize,
            })?,
        );
        self.table.push(s)?;
        self.index.insert(s.to_owned(), id);
        Ok(id)
    }

    /// The id of `s`, if it was added.
    pub(crate) fn find(&self, s: &str) -> Option<StrId> {
        self.index.get(s).copied()
    }

    pub(crate) fn get(&self, id: StrId) -> &str {
        self.table.get(id)
    }

    pub(crate) fn into_table(self) -> StringTable {
        self.table
    }
}
