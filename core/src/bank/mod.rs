//! Bank statements: import, UTR de-duplication, matching suggestions, split mapping and
//! reconciliation.
//!
//! Members pay by NEFT, RTGS, IMPS and UPI; the society downloads its bank's statement and maps
//! each credit to an EMI, a savings deposit or a fine. This module turns statement bytes into
//! [`BankTransaction`]s, gives each a stable key (its normalised UTR, or a content fingerprint
//! plus an ordinal) so that the same transfer is never counted twice, suggests what a credit
//! pays, turns a mapping into plain loan / savings / fine instructions carrying idempotency
//! keys, and reconciles the bank balance with the books.
//!
//! Everything is pure: statements arrive as bytes or any [`std::io::Read`], earlier imports'
//! keys are an explicit input, and nothing reads a clock. The rules are written down in
//! `docs/bank.md`.

mod columns;
mod dedup;
mod fields;
mod index;
pub mod limits;
mod mapping;
mod matching;
mod statement;
mod utr;

pub use crate::bank_reconciliation::{
    BankItem, BookEntry, BookItem, BookSide, Items, Mismatch, ReconcileInput, Reconciliation,
    reconcile,
};
pub use crate::reference::normalise_utr;
pub use columns::{AmountColumns, ColumnSpec, Columns, LayoutReport, PRESETS, Preset};
pub use dedup::{
    DuplicateOf, ImportReport, ImportSummary, ImportedRow, Importer, PriorKey, Tally, fingerprint,
    import_statement, stream_statement,
};
pub use fields::{
    AmountCell, AmountProblem, normalise_narration, parse_statement_amount, parse_statement_date,
};
pub use mapping::{
    EventAction, Mapping, MappingEvent, MappingOutcome, MappingPart, MappingStatus, PartInput,
    Target, ignore, split, unmap,
};
pub use matching::{
    DueInstallment, Fine, Loan, MatchInput, MatchPolicy, MatchResult, Member, SavingsCandidate,
    Suggestion, suggest,
};
pub use statement::{
    Format, HEADER_SEARCH_ROWS, ImportLine, LayoutChoice, ParsedRow, Problem, StatementOptions,
    StatementReader, csv_reader, xlsx_reader,
};
pub use utr::extract_utr;

pub use crate::bank_line::{BankTransaction, Channel, Direction};
pub(crate) use crate::bank_line::{opt_date, positive_amount};

pub(crate) use crate::bank_line::check_id;
