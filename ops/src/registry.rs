//! The registry: every operation declared once, with its name, area, one-line doc, input and
//! output types and the error codes it can return.
//!
//! [`crate::OPERATIONS`], the dispatch behind [`crate::call`] and [`crate::call_typed`], the
//! JSON Schema document and every binding's list of functions derive from the one
//! `operations!` table in `lib.rs`. Adding an operation is one entry there (see
//! `CONTRIBUTING.md`).

/// What the registry knows of one operation.
///
/// # Example
/// ```
/// let op = windeep_ops::operation("schedule").unwrap();
/// assert_eq!(op.area, "schedule");
/// assert!(op.errors().contains(&"E_INVALID_TENURE"));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// The operation's name, as [`crate::call`] takes it.
    pub name: &'static str,
    /// The product area it belongs to (`schedule`, `account`, `fines`, `bank`, `books`, …).
    pub area: &'static str,
    /// One line saying what it does.
    pub doc: &'static str,
    /// The groups of error codes it can return (see [`errors`]); [`Operation::errors`] flattens
    /// them.
    pub error_groups: &'static [&'static [&'static str]],
    /// The Rust type of its input.
    pub input_type: &'static str,
    /// The Rust type of its output.
    pub output_type: &'static str,
    /// The JSON Schema of its input (what it reads).
    pub input_schema: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
    /// The JSON Schema of its output (what it writes).
    pub output_schema: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
}

impl Operation {
    /// Every error code the operation can return, each once, in the order of
    /// [`windeep_core::CoreError::CODES`].
    #[must_use]
    pub fn errors(&self) -> Vec<&'static str> {
        windeep_core::CoreError::CODES
            .iter()
            .copied()
            .filter(|c| self.error_groups.iter().any(|g| g.contains(c)))
            .collect()
    }
}

/// The groups of error codes the registry's entries are made of, and the meaning of each code.
pub mod errors {
    include!(concat!(env!("OUT_DIR"), "/error_meanings.rs"));

    /// What an error code means: the doc comment of its `CoreError` variant (empty for a code
    /// this version does not know).
    ///
    /// # Example
    /// ```
    /// assert!(windeep_ops::errors::meaning("E_INVALID_TENURE").contains("tenure"));
    /// ```
    #[must_use]
    pub fn meaning(code: &str) -> &'static str {
        MEANINGS
            .iter()
            .find(|(c, _)| *c == code)
            .map_or("", |(_, m)| m)
    }

    /// What any operation can return while it reads its input: a JSON shape it does not read,
    /// amounts, rates, dates and currencies that are not valid, arithmetic beyond range.
    pub const INPUT: &[&str] = &[
        "E_INVALID_INPUT",
        "E_INVALID_AMOUNT",
        "E_AMOUNT_SCALE",
        "E_AMOUNT_OUT_OF_RANGE",
        "E_INVALID_RATE",
        "E_INVALID_DATE",
        "E_DATE_OUT_OF_RANGE",
        "E_INVALID_CURRENCY",
        "E_OVERFLOW",
        "E_INPUT_TOO_LARGE",
    ];
    /// A loan's terms and the schedule made from them.
    pub const TERMS: &[&str] = &[
        "E_NON_POSITIVE_PRINCIPAL",
        "E_NEGATIVE_RATE",
        "E_RATE_EXCEEDS_CAP",
        "E_INVALID_ROUNDING",
        "E_INVALID_POLICY",
        "E_INVALID_TENURE",
        "E_TENURE_EXCEEDS_POLICY",
        "E_INVALID_GRACE",
        "E_INVALID_FIXED_DUE_DAY",
        "E_FIRST_DUE_NOT_AFTER_DISBURSEMENT",
        "E_FIRST_DUE_GAP_OUT_OF_POLICY",
        "E_INVALID_FEE",
        "E_EMI_BELOW_INTEREST",
        "E_EMI_ROUNDING_OVERPAYS",
        "E_EMI_ROUNDS_TO_ZERO",
        "E_PERCENT_OUT_OF_RANGE",
        "E_NEGATIVE_INTEREST",
        "E_NET_DISBURSEMENT_NOT_POSITIVE",
    ];
    /// A loan's event log: admission of each event and its effect.
    pub const EVENTS: &[&str] = &[
        "E_UNKNOWN_INSTALLMENT",
        "E_IDEMPOTENCY_CONFLICT",
        "E_INVALID_EVENT",
        "E_UNKNOWN_EVENT",
        "E_LOAN_CLOSED",
        "E_NOT_ELIGIBLE",
        "E_RESTRUCTURE_LIMIT",
        "E_ARREARS_OUTSTANDING",
        "E_PART_PAYMENT_AMOUNT",
        "E_NEGATIVE_AMORTISATION",
        "E_FORECLOSURE_AMOUNT",
        "E_BLANK_IDENTIFIER",
        "E_INVALID_REVERSAL",
        "E_RESTRUCTURE_REQUIRED",
        "E_TOPUP_NOT_ELIGIBLE",
        "E_PERCENT_OUT_OF_RANGE",
    ];
    /// Fine rules and the loan snapshot they are assessed on.
    pub const FINES: &[&str] = &[
        "E_INVALID_FINE_RULE",
        "E_DUPLICATE_FINE_RULE",
        "E_INVALID_FINE_SNAPSHOT",
        "E_FINE_BALANCE_NEGATIVE",
        "E_FINE_LIMIT_EXCEEDED",
        "E_INVALID_ROUNDING",
    ];
    /// A loan application and the overrides recorded on it.
    pub const APPROVAL: &[&str] = &[
        "E_INVALID_APPLICATION",
        "E_INVALID_OVERRIDE",
        "E_OVERRIDE_WITHOUT_REASON",
    ];
    /// Reading a bank statement.
    pub const STATEMENT: &[&str] = &[
        "E_STATEMENT_UNREADABLE",
        "E_STATEMENT_HEADER_NOT_FOUND",
        "E_UNKNOWN_PRESET",
        "E_INVALID_COLUMNS",
        "E_STATEMENT_TOO_LARGE",
        "E_STATEMENT_LINE_TOO_LONG",
        "E_STATEMENT_TOO_MANY_ROWS",
        "E_STATEMENT_TOO_MANY_COLUMNS",
        "E_STATEMENT_CELL_TOO_LONG",
        "E_STATEMENT_DECOMPRESSED_TOO_LARGE",
        "E_STATEMENT_SHEET_TOO_LARGE",
        "E_STATEMENT_ENCODING",
    ];
    /// Mapping bank lines to what they paid.
    pub const MAPPING: &[&str] = &[
        "E_SPLIT_NOT_BALANCED",
        "E_MAPPING_DIRECTION",
        "E_MAPPING_CONFLICT",
        "E_INVALID_MAPPING",
        "E_INVALID_POLICY",
    ];
    /// The books: postings, accounts, periods and savings balances.
    pub const BOOKS: &[&str] = &[
        "E_UNBALANCED_ENTRY",
        "E_UNKNOWN_ACCOUNT",
        "E_PERIOD_CLOSED",
        "E_INSUFFICIENT_BALANCE",
        "E_INVALID_POLICY",
        "E_INVALID_ROUNDING",
        "E_UNKNOWN_INSTALLMENT",
    ];
    /// A policy table (classification, matching, portfolio).
    pub const POLICY: &[&str] = &["E_INVALID_POLICY"];
}

/// Declares the operations: one entry each, from which [`crate::OPERATIONS`], [`REGISTRY`]
/// and the dispatch are made.
///
/// An entry reads
/// `name (area) "one-line doc": InputType => OutputType, errors [GROUP, …], |input| expression;`
/// where the expression turns the parsed input into `Result<OutputType>`.
///
/// One block of entries in the middle of the table may be conditional:
/// `#[cfg(feature = "bank")] { entries }`. Its entries keep their place in the table when the
/// condition holds and are left out of the registry, the operation list and the dispatch when
/// it does not (their names are then unknown operations).
macro_rules! operations {
    (
        $(
            $name:ident ($area:literal) $doc:literal : $input:ty => $output:ty,
                errors [$($group:ident),* $(,)?], |$i:ident| $run:expr;
        )*
        #[cfg($cond:meta)] {
            $(
                $cname:ident ($carea:literal) $cdoc:literal : $cinput:ty => $coutput:ty,
                    errors [$($cgroup:ident),* $(,)?], |$ci:ident| $crun:expr;
            )*
        }
        $(
            $tname:ident ($tarea:literal) $tdoc:literal : $tinput:ty => $toutput:ty,
                errors [$($tgroup:ident),* $(,)?], |$ti:ident| $trun:expr;
        )*
    ) => {
        #[cfg($cond)]
        operations! { @emit
            $( $name ($area) $doc : $input => $output, errors [$($group),*], |$i| $run; )*
            $( $cname ($carea) $cdoc : $cinput => $coutput, errors [$($cgroup),*], |$ci| $crun; )*
            $( $tname ($tarea) $tdoc : $tinput => $toutput, errors [$($tgroup),*], |$ti| $trun; )*
        }
        #[cfg(not($cond))]
        operations! { @emit
            $( $name ($area) $doc : $input => $output, errors [$($group),*], |$i| $run; )*
            $( $tname ($tarea) $tdoc : $tinput => $toutput, errors [$($tgroup),*], |$ti| $trun; )*
        }
    };
    (@emit $(
        $name:ident ($area:literal) $doc:literal : $input:ty => $output:ty,
            errors [$($group:ident),* $(,)?], |$i:ident| $run:expr;
    )*) => {
        /// Every operation name [`call`] knows, in a stable order.
        pub const OPERATIONS: &[&str] = &[$(stringify!($name)),*];

        /// Every operation, in the order of [`OPERATIONS`].
        pub static REGISTRY: &[$crate::registry::Operation] = &[$(
            $crate::registry::Operation {
                name: stringify!($name),
                area: $area,
                doc: $doc,
                error_groups: &[$($crate::registry::errors::$group),*],
                input_type: stringify!($input),
                output_type: stringify!($output),
                input_schema: |g| g.subschema_for::<$input>(),
                output_schema: |g| g.subschema_for::<$output>(),
            }
        ),*];

        /// The operations, over any output sink.
        fn dispatch<S: Sink>(sink: &S, name: &str, input: &str) -> Result<S::Out> {
            match name {
                $(stringify!($name) => {
                    let $i: $input = parse(input)?;
                    let out: $output = $run?;
                    sink.emit(&out)
                })*
                _ => Err(CoreError::UnknownOperation {
                    name: name.to_owned(),
                }),
            }
        }
    };
}
