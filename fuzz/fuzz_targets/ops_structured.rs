//! Every operation on structure-aware inputs: `arbitrary` builds a JSON document from the
//! operations' own vocabulary (field names, money, rates, dates, event kinds, statement text)
//! nested as the operations nest them, so that mutations reach the checks behind the parser.
//! Each document runs through `call` and `call_typed`; any answer is fine but a panic, an error
//! code outside `CoreError::CODES`, or the two disagreeing.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use windeep_core::CoreError;
use windeep_ops::{OPERATIONS, call, call_typed};

const KEYS: &[&str] = &[
    "principal", "annual_rate", "tenure", "disbursed_on", "first_due_on", "method", "frequency",
    "interest_basis", "rounding", "emi_rounding", "processing_fee", "kind", "value", "events",
    "event", "as_of", "id", "seq", "idempotency_key", "body", "terms", "policy", "amount",
    "paid_on", "on", "date", "dues", "installment", "interest", "fine", "currency", "code",
    "minor_units", "rules", "product", "account_id", "content", "format", "preset", "columns",
    "prior", "key", "import_id", "row", "mapping", "parts", "transaction", "direction", "books",
    "loans", "loan_id", "member_code", "settlement_on", "foreclosure", "rule", "pct", "target",
    "reason", "alerts", "bank_transactions", "chart", "config", "year", "accounts",
];

const STRINGS: &[&str] = &[
    "100000", "8884.88", "0", "-1", "12", "12.5", "0.01", "1000000000000", "1e3", "",
    "2026-01-05", "2026-02-05", "2026-02-30", "0001-01-01", "9999-12-31", "reducing", "flat",
    "monthly", "actual_365", "half_up", "bankers", "payment", "disbursement", "reversal",
    "part_payment", "foreclosed", "fixed", "percentage", "csv", "xlsx", "sbi", "INR", "JPY",
    "credit", "debit", "utr:601512345678:credit", "LN2026000001",
    "Txn Date,Description,Debit,Credit\n05/01/2026,UPI/CR/601512345678/A,,500.00\n",
];

#[derive(Arbitrary, Debug)]
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Known(u8),
    Text(String),
    Array(Vec<Json>),
    Object(Vec<(u8, Json)>),
}

impl Json {
    fn value(&self, depth: usize) -> Value {
        if depth > 12 {
            return Value::Null;
        }
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Int(i) => Value::from(*i),
            Self::Known(i) => Value::from(STRINGS[usize::from(*i) % STRINGS.len()]),
            Self::Text(s) => Value::from(s.clone()),
            Self::Array(items) => items.iter().map(|j| j.value(depth + 1)).collect(),
            Self::Object(fields) => {
                let mut map = Map::new();
                for (k, v) in fields {
                    map.insert(KEYS[usize::from(*k) % KEYS.len()].to_owned(), v.value(depth + 1));
                }
                Value::Object(map)
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    operation: u8,
    document: Json,
}

fuzz_target!(|input: Input| {
    let name = OPERATIONS[usize::from(input.operation) % OPERATIONS.len()];
    let text = input.document.value(0).to_string();
    let plain = call(name, &text);
    let typed = call_typed(name, &text);
    match (&plain, &typed) {
        (Ok(v), Ok(t)) => assert_eq!(&t.to_json(), v, "{name}"),
        (Err(a), Err(b)) => {
            assert_eq!(a.code(), b.code(), "{name}");
            assert!(CoreError::CODES.contains(&a.code()), "{a}");
        }
        _ => panic!("{name}: call and call_typed disagree: {plain:?} / {typed:?}"),
    }
});
