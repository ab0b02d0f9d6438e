//! Bad or extreme input never panics: it is answered or refused with a known code.
//! (The cargo-fuzz targets in `fuzz/` explore the same space with coverage guidance.)

use proptest::prelude::*;
use serde_json::json;
use windeep_core::CoreError;
use windeep_ops as ops;

fn decimal_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (any::<i64>(), 0_u32..30).prop_map(|(m, s)| {
            let digits = m.unsigned_abs().to_string();
            let sign = if m < 0 { "-" } else { "" };
            let s = s as usize;
            if s == 0 {
                return format!("{sign}{digits}");
            }
            let padded = format!("{digits:0>width$}", width = s + 1);
            let (i, f) = padded.split_at(padded.len() - s);
            format!("{sign}{i}.{f}")
        }),
        "[-0-9.eE+_, ]{0,12}",
        Just("79228162514264337593543950335".to_owned()),
    ]
}

fn date_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (0_u32..10_001, 0_u32..14, 0_u32..33).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        (9_990_u32..10_000, 1_u32..13, 1_u32..29)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        "[0-9-]{0,11}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_terms_never_panic(
        principal in decimal_text(),
        rate in decimal_text(),
        max_rate in decimal_text(),
        tenure in prop_oneof![0_u32..700, any::<u32>()],
        max_tenure in prop_oneof![Just(600_u32), any::<u32>()],
        disbursed in date_text(),
        first_due in date_text(),
        method in 0_usize..4, frequency in 0_usize..4, basis in 0_usize..3, broken in 0_usize..4,
        fixed_due_day in proptest::option::of(0_u32..40),
        grace in (0_u32..50, 0_u32..50),
        increment in decimal_text(), mode in 0_usize..4,
        emi_increment in proptest::option::of(decimal_text()),
        fee in proptest::option::of((any::<bool>(), decimal_text())),
        minor_units in 0_u32..6,
        gap in (0_u32..400, 0_u32..400),
        apr_decimals in 0_u32..9,
    ) {
        let modes = ["half_up", "half_even", "up", "down"];
        let method = ["reducing", "flat", "equal_principal", "bullet"][method];
        let frequency = ["monthly", "quarterly", "fortnightly", "weekly"][frequency];
        let basis = ["30_360", "actual_365", "actual_actual"][basis];
        let broken = ["none", "add_to_first", "amortize", "deduct_upfront"][broken];
        let mode = modes[mode];
        let input = json!({
            "principal": principal, "annual_rate": rate, "tenure": tenure,
            "disbursed_on": disbursed, "first_due_on": first_due,
            "method": method, "frequency": frequency,
            "interest_basis": basis, "broken_period": broken,
            "fixed_due_day": fixed_due_day,
            "principal_grace": grace.0, "interest_grace": grace.1,
            "rounding": {"increment": increment, "mode": mode},
            "emi_rounding": emi_increment.map(|i| json!({"increment": i, "mode": mode})),
            "processing_fee": fee.map(|(pct, v)| json!({"kind": if pct {"percentage"} else {"fixed"}, "value": v})),
            "currency": {"code": "INR", "minor_units": minor_units},
            "policy": {"max_tenure": max_tenure, "max_annual_rate": max_rate,
                       "min_first_due_gap_days": gap.0, "max_first_due_gap_days": gap.1},
            "apr_decimals": apr_decimals,
        });
        match ops::call("schedule", &input.to_string()) {
            Ok(out) => prop_assert!(out["installments"].is_array()),
            Err(e) => prop_assert!(CoreError::CODES.contains(&e.code()), "unknown code {}", e.code()),
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        if let Err(e) = ops::call("schedule", &text) {
            prop_assert!(CoreError::CODES.contains(&e.code()));
        }
    }
}

#[test]
fn extreme_but_valid_terms_are_answered_or_refused_cleanly() {
    // The largest principal at the largest policy rate over the longest tenure.
    let input = json!({"principal": "1000000000000", "annual_rate": "100", "tenure": 600,
        "disbursed_on": "9940-01-01", "first_due_on": "9940-02-01"});
    let result = ops::call("schedule", &input.to_string());
    assert!(result.is_ok() || CoreError::CODES.contains(&result.unwrap_err().code()));
}
