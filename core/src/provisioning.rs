//! Provisioning runs (decisions §14, revised): the provision each loan needs as of the books
//! date, from its classification and its secured / unsecured split, against the provision its
//! entries already hold; the difference is posted (Dr provision expense / Cr provision for NPA,
//! or the release) and recorded so that a second run of the same day posts nothing.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::books::{Books, ProvisionRecord, derive, held_in, provision_entry};
use crate::classification::{AssetClass, ClassificationPolicy, PreviousClass, classify};
use crate::error::Result;
use crate::ledger::JournalEntry;
use crate::money::Money;

/// One loan's line of a provisioning run.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvisionLine {
    /// The loan.
    pub loan_id: String,
    /// The borrower.
    pub member: String,
    /// The loan's class as of the date; none for a loan that is not active (closed, written
    /// off): it needs no provision.
    pub asset_class: Option<AssetClass>,
    /// The provision the loan needs (`classify`'s `provision`; 0 when not active).
    pub required: Money,
    /// The provision its entries held through the date, before this run.
    pub held: Money,
    /// `required − held` as posted by this run (0 when nothing is posted, or when the loan was
    /// already provisioned on this date).
    pub change: Money,
    /// The loan already has a provision record on this date: the run posts nothing for it.
    pub already_recorded: bool,
}

/// A provisioning run: every loan's line, the records to add to `Books::provisions` and the
/// entries they post.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvisionRun {
    /// The books date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// Per loan disbursed on or before the date, in snapshot order.
    pub loans: Vec<ProvisionLine>,
    /// The new records (one per loan whose provision changes), to append to the books'
    /// `provisions`.
    pub records: Vec<ProvisionRecord>,
    /// The entries the new records post (`<loan>/provision/<as_of>`), as `postings` will show
    /// them once the records are in the books.
    pub entries: Vec<JournalEntry>,
    /// Σ required.
    pub total_required: Money,
    /// Σ change (positive: provision made; negative: released).
    pub total_change: Money,
}

/// The provisioning run of the books as of their date (the `provisions` operation).
///
/// Each loan disbursed on or before `books.as_of` needs the provision of its classification
/// (`classify` with `policy`, `previous` and `loss`: the band's percentage of the outstanding
/// principal, for a doubtful class the secured portion at the band's percentage and the
/// unsecured at `unsecured_doubtful_provision_pct`); a loan that is not active needs none.
/// Against it stands what the loan's entries hold through the day (earlier runs, less what a
/// write-off used). The difference is one entry dated `as_of`: a provision, Dr
/// provision_expense / Cr provision_for_npa, or a release, the reverse. A loan that already
/// has a record on `as_of` is left alone, and a loan that holds what it needs gets no record,
/// so running twice (with the records of the first run added to the books) posts nothing new.
///
/// # Errors
/// As `postings` and `classify`.
///
/// # Example
/// ```
/// let books: windeep_core::books::Books = serde_json::from_str(r#"{"as_of": "2026-03-31"}"#).unwrap();
/// let run = windeep_core::provisioning::provisions(&books, &Default::default(), &[], &[]).unwrap();
/// assert!(run.entries.is_empty());
/// ```
pub fn provisions(
    books: &Books,
    policy: &ClassificationPolicy,
    previous: &[PreviousClass],
    loss: &[String],
) -> Result<ProvisionRun> {
    let derived = derive(books, None)?;
    let ctx = &derived.ctx;
    let as_of = books.as_of;
    let classes = classify(&books.loans, as_of, policy, previous, loss, &books.currency)?;
    let mut need: BTreeMap<&str, (AssetClass, i128)> = BTreeMap::new();
    for l in &classes.loans {
        need.insert(
            l.loan_id.as_str(),
            (l.asset_class, books.currency.minor(l.provision)?),
        );
    }
    let recorded: BTreeSet<(&str, NaiveDate)> = books
        .provisions
        .iter()
        .map(|r| (r.loan_id.as_str(), r.as_of))
        .collect();
    // Each loan's entries, in the journal order (loans first, then provision entries).
    let mut by_loan: BTreeMap<&str, Vec<&JournalEntry>> = BTreeMap::new();
    for e in &derived.entries {
        if let Some(a) = e.header().account.as_deref() {
            by_loan.entry(a).or_default().push(e);
        }
    }
    let money = |v: i128| books.currency.money(v);
    let mut run = ProvisionRun {
        as_of,
        loans: Vec::new(),
        records: Vec::new(),
        entries: Vec::new(),
        total_required: money(0)?,
        total_change: money(0)?,
    };
    let (mut total_required, mut total_change) = (0_i128, 0_i128);
    for loan in &books.loans {
        let id = loan.loan_id()?;
        let disbursed_later = loan
            .events
            .iter()
            .min_by_key(|e| e.sequence)
            .is_some_and(|e| e.value_date > as_of);
        if disbursed_later {
            continue;
        }
        let (class, required) = need.get(id).map_or((None, 0), |(c, p)| (Some(*c), *p));
        let held = held_in(by_loan.get(id).into_iter().flatten().copied(), id, as_of);
        let already = recorded.contains(&(id, as_of));
        let change = if already { 0 } else { required - held };
        if let Some(e) = provision_entry(ctx, id, &loan.member, as_of, change)? {
            run.entries.push(e);
            run.records.push(ProvisionRecord {
                loan_id: id.to_owned(),
                as_of,
                held: money(required)?,
            });
        }
        total_required += required;
        total_change += change;
        run.loans.push(ProvisionLine {
            loan_id: id.to_owned(),
            member: loan.member.clone(),
            asset_class: class,
            required: money(required)?,
            held: money(held)?,
            change: money(change)?,
            already_recorded: already,
        });
    }
    run.total_required = money(total_required)?;
    run.total_change = money(total_change)?;
    Ok(run)
}
