//! The journal of one account as its events arrive: new entries are appended; when a
//! back-dated event or a reversal changes history, every entry whose content changed is
//! reversed by a mirrored entry and replaced, and every entry that no longer applies is
//! reversed. Nothing posted is ever edited or deleted.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::error::{CoreError, Result};
use crate::ledger::{EntryHeader, FinancialYear, JournalEntry, closed_year};
use crate::money::format_date;

/// The journal of one account.
pub(crate) struct Keeper<'y> {
    /// Every entry posted, in posting order.
    pub(crate) out: Vec<JournalEntry>,
    /// Ideal id → (the ideal entry, the version of it currently in force); None once
    /// reversed away.
    effective: Vec<(String, Option<(JournalEntry, JournalEntry)>)>,
    index: HashMap<String, usize>,
    used: HashSet<String>,
    years: &'y [FinancialYear],
    /// When set, an entry dated in a closed year is refused (`E_PERIOD_CLOSED`).
    pub(crate) guard: bool,
}

impl<'y> Keeper<'y> {
    pub(crate) fn new(years: &'y [FinancialYear]) -> Self {
        Self {
            out: Vec::new(),
            effective: Vec::new(),
            index: HashMap::new(),
            used: HashSet::new(),
            years,
            guard: false,
        }
    }

    fn emit(&mut self, e: JournalEntry) -> Result<()> {
        if self.guard
            && let Some(y) = closed_year(self.years, e.date())
        {
            return Err(CoreError::PeriodClosed {
                year: y.code.clone(),
                date: format_date(e.date()),
            });
        }
        self.used.insert(e.id().to_owned());
        self.out.push(e);
        Ok(())
    }

    /// Posts an ideal entry that did not exist before, dated no earlier than `not_before`.
    fn post_new(&mut self, e: JournalEntry, trigger: &str, not_before: NaiveDate) -> Result<()> {
        let id = e.id().to_owned();
        let ideal = e.clone();
        let actual = if self.used.contains(&id) || e.date() < not_before {
            let mut h = e.header().clone();
            h.date = h.date.max(not_before);
            if self.used.contains(&id) {
                h.id = format!("{id}/re/{trigger}");
                h.replaces = Some(id.clone());
            }
            e.with_header(h)
        } else {
            e
        };
        match self.index.get(&id) {
            Some(&i) => {
                if let Some(slot) = self.effective.get_mut(i) {
                    slot.1 = Some((ideal, actual.clone()));
                }
            }
            None => {
                self.index.insert(id.clone(), self.effective.len());
                self.effective.push((id, Some((ideal, actual.clone()))));
            }
        }
        self.emit(actual)
    }

    /// Appends entries produced in order (their ids are new).
    pub(crate) fn append(&mut self, ideal: Vec<JournalEntry>, trigger: &str) -> Result<()> {
        for e in ideal {
            let date = e.date();
            self.post_new(e, trigger, date)?;
        }
        Ok(())
    }

    fn mirror(&mut self, current: &JournalEntry, trigger: &str, on: NaiveDate) -> Result<()> {
        let h = current.header();
        let m = current.mirrored(EntryHeader {
            id: format!("{}/rev/{trigger}", h.id),
            date: h.date.max(on),
            reverses: Some(h.id.clone()),
            replaces: None,
            ..h.clone()
        });
        self.emit(m)
    }

    /// Brings the journal in line with the ideal journal of the events so far, after the
    /// arrival of `trigger` (value date `on`): corrections are dated no earlier than `on`.
    pub(crate) fn reconcile(
        &mut self,
        ideal: Vec<JournalEntry>,
        trigger: &str,
        on: NaiveDate,
    ) -> Result<()> {
        let mut seen = HashSet::with_capacity(ideal.len());
        for e in ideal {
            let id = e.id().to_owned();
            seen.insert(id.clone());
            let current = self
                .index
                .get(&id)
                .and_then(|&i| self.effective.get(i))
                .and_then(|(_, c)| c.clone());
            match current {
                Some((was, _)) if was.date() == e.date() && was.same_lines(&e) => {}
                Some((_, c)) => {
                    self.mirror(&c, trigger, on)?;
                    let mut h = e.header().clone();
                    h.id = format!("{id}/re/{trigger}");
                    h.replaces = Some(id.clone());
                    h.date = h.date.max(on);
                    let r = e.with_header(h);
                    if let Some(&i) = self.index.get(&id)
                        && let Some(slot) = self.effective.get_mut(i)
                    {
                        slot.1 = Some((e, r.clone()));
                    }
                    self.emit(r)?;
                }
                None => self.post_new(e, trigger, on)?,
            }
        }
        let gone: Vec<JournalEntry> = self
            .effective
            .iter_mut()
            .filter(|(id, c)| c.is_some() && !seen.contains(id))
            .filter_map(|(_, c)| c.take().map(|(_, current)| current))
            .collect();
        for c in gone {
            self.mirror(&c, trigger, on)?;
        }
        Ok(())
    }
}
