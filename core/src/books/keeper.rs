//! The journal of one account as its events arrive: new entries are appended; when a
//! back-dated event or a reversal changes history, every entry whose content changed is
//! reversed by a mirrored entry and replaced, and every entry that no longer applies is
//! reversed. Nothing posted is ever edited or deleted.

use chrono::NaiveDate;

use super::{FxMap, FxSet};
use crate::error::{CoreError, Result};
use crate::ledger::{EntryHeader, FinancialYear, JournalEntry, closed_year};
use crate::money::format_date;

/// What the journal holds for one ideal entry.
struct Slot {
    /// The ideal entry, when it differs from the version in force (a correction or a renamed
    /// entry); otherwise the version in force is the ideal entry.
    ideal: Option<JournalEntry>,
    /// The version in force (an index into `out`); none once reversed away.
    current: Option<usize>,
}

/// The journal of one account.
pub(crate) struct Keeper<'y> {
    /// Every entry posted, in posting order.
    pub(crate) out: Vec<JournalEntry>,
    slots: Vec<Slot>,
    /// Ideal id → slot. Entries appended in order are indexed lazily, when a correction needs
    /// them.
    index: FxMap<String, usize>,
    indexed: usize,
    /// Ids posted that are not their ideal entry's own id (mirrors, replacements).
    extra: FxSet<String>,
    years: &'y [FinancialYear],
    /// When set, an entry dated in a closed year is refused (`E_PERIOD_CLOSED`).
    pub(crate) guard: bool,
}

impl<'y> Keeper<'y> {
    pub(crate) fn new(years: &'y [FinancialYear]) -> Self {
        Self {
            out: Vec::new(),
            slots: Vec::new(),
            index: FxMap::default(),
            indexed: 0,
            extra: FxSet::default(),
            years,
            guard: false,
        }
    }

    fn emit(&mut self, e: JournalEntry) -> Result<usize> {
        if self.guard
            && let Some(y) = closed_year(self.years, e.date())
        {
            return Err(CoreError::PeriodClosed {
                year: y.code.clone(),
                date: format_date(e.date()),
            });
        }
        self.out.push(e);
        Ok(self.out.len() - 1)
    }

    /// Appends entries produced in order (their ids are new), leaving `ideal` empty.
    pub(crate) fn append(&mut self, ideal: &mut Vec<JournalEntry>) -> Result<()> {
        for e in ideal.drain(..) {
            self.emit(e)?;
        }
        Ok(())
    }

    /// Indexes the entries appended since the last correction.
    fn catch_up(&mut self) {
        while let Some(e) = self.out.get(self.indexed) {
            self.index.insert(e.id().to_owned(), self.slots.len());
            self.slots.push(Slot {
                ideal: None,
                current: Some(self.indexed),
            });
            self.indexed += 1;
        }
    }

    fn used(&self, id: &str) -> bool {
        self.index.contains_key(id) || self.extra.contains(id)
    }

    /// Reverses the entry in force (`current`, whose content is `content` when a correction
    /// moved it since).
    fn mirror(
        &mut self,
        current: usize,
        content: Option<&JournalEntry>,
        trigger: &str,
        on: NaiveDate,
    ) -> Result<()> {
        let Some(c) = self.out.get(current) else {
            return Ok(());
        };
        let h = c.header();
        let m = content.unwrap_or(c).mirrored(EntryHeader {
            id: format!("{}/rev/{trigger}", h.id),
            date: h.date.max(on),
            reverses: Some(h.id.as_str().into()),
            replaces: None,
            ..h.clone()
        });
        self.extra.insert(m.id().to_owned());
        self.emit(m)?;
        Ok(())
    }

    /// Brings the journal in line with the ideal journal of the events so far, after the
    /// arrival of `trigger` (value date `on`): corrections are dated no earlier than `on`.
    pub(crate) fn reconcile(
        &mut self,
        ideal: Vec<JournalEntry>,
        trigger: &str,
        on: NaiveDate,
    ) -> Result<()> {
        self.catch_up();
        let mut seen = vec![false; self.slots.len()];
        for e in ideal {
            let id = e.id().to_owned();
            let slot = self.index.get(&id).copied();
            if let Some(i) = slot
                && let Some(s) = seen.get_mut(i)
            {
                *s = true;
            }
            let current = slot
                .and_then(|i| self.slots.get(i))
                .and_then(|s| s.current.map(|c| (c, s.ideal.as_ref())));
            match current {
                Some((c, was)) => {
                    let was = was.or_else(|| self.out.get(c));
                    if was.is_some_and(|w| w.date() == e.date() && w.same_lines(&e)) {
                        continue;
                    }
                    let was = was.cloned();
                    let date = e.date().max(on);
                    if let Some(w) = &was
                        && self.out.get(c).is_some_and(|x| x.date().max(on) == date)
                    {
                        // Reversal and replacement would fall on one day: one entry posts
                        // the move between the accounts (a re-allocation moves money between
                        // receivables, not through the bank twice).
                        let mut h = e.header().clone();
                        h.id = format!("{id}/re/{trigger}");
                        h.replaces = Some(id.as_str().into());
                        h.date = date;
                        let at = match e.moved_from(w, h)? {
                            Some(r) => {
                                self.extra.insert(r.id().to_owned());
                                self.emit(r)?
                            }
                            None => c,
                        };
                        if let Some(s) = slot.and_then(|i| self.slots.get_mut(i)) {
                            *s = Slot {
                                ideal: Some(e),
                                current: Some(at),
                            };
                        }
                        continue;
                    }
                    self.mirror(c, was.as_ref(), trigger, on)?;
                    let mut h = e.header().clone();
                    h.id = format!("{id}/re/{trigger}");
                    h.replaces = Some(id.as_str().into());
                    h.date = h.date.max(on);
                    let r = e.with_header(h);
                    self.extra.insert(r.id().to_owned());
                    let at = self.emit(r)?;
                    if let Some(s) = slot.and_then(|i| self.slots.get_mut(i)) {
                        *s = Slot {
                            ideal: Some(e),
                            current: Some(at),
                        };
                    }
                }
                None => {
                    let mut h = e.header().clone();
                    if self.used(&id) {
                        h.id = format!("{id}/re/{trigger}");
                        h.replaces = Some(id.as_str().into());
                        self.extra.insert(h.id.clone());
                    }
                    h.date = h.date.max(on);
                    let at = self.emit(e.with_header(h))?;
                    let new = Slot {
                        ideal: Some(e),
                        current: Some(at),
                    };
                    match slot.and_then(|i| self.slots.get_mut(i)) {
                        Some(s) => *s = new,
                        None => {
                            self.index.insert(id, self.slots.len());
                            self.slots.push(new);
                            seen.push(true);
                        }
                    }
                }
            }
        }
        let gone: Vec<(usize, usize, Option<JournalEntry>)> = self
            .slots
            .iter()
            .enumerate()
            .filter(|(i, s)| s.current.is_some() && !seen.get(*i).copied().unwrap_or(false))
            .filter_map(|(i, s)| s.current.map(|c| (i, c, s.ideal.clone())))
            .collect();
        for (i, c, content) in gone {
            self.mirror(c, content.as_ref(), trigger, on)?;
            if let Some(s) = self.slots.get_mut(i) {
                s.current = None;
            }
        }
        self.indexed = self.out.len();
        Ok(())
    }
}
