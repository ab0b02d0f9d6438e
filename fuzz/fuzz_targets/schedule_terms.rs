//! Well-formed but arbitrary terms: every field present with an arbitrary value, so the fuzzer
//! reaches the arithmetic (huge rates, tiny principals, odd dates, every policy and rule).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::json;

#[derive(Debug, Arbitrary)]
struct Terms {
    principal_minor: i64,
    principal_scale: u8,
    rate_mantissa: u64,
    rate_scale: u8,
    tenure: u16,
    disbursed: (u16, u8, u8),
    first_due: (u16, u8, u8),
    method: u8,
    frequency: u8,
    basis: u8,
    broken: u8,
    fixed_due_day: Option<u8>,
    principal_grace: u16,
    interest_grace: u16,
    increment_minor: u32,
    mode: u8,
    emi: Option<(u32, u8)>,
    fee: Option<(bool, u32)>,
    minor_units: u8,
    max_tenure: u16,
    max_rate: u64,
    gap: (u16, u16),
    apr_decimals: u8,
}

fn pick<'a>(options: &[&'a str], i: u8) -> &'a str {
    options[usize::from(i) % options.len()]
}

fn decimal(mantissa: i128, scale: u8) -> String {
    rust_like_decimal(mantissa, u32::from(scale % 30))
}

fn rust_like_decimal(m: i128, scale: u32) -> String {
    let digits = m.unsigned_abs().to_string();
    let sign = if m < 0 { "-" } else { "" };
    let scale = scale as usize;
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
}

fn date((y, m, d): (u16, u8, u8)) -> String {
    format!("{:04}-{:02}-{:02}", 1 + y % 9999, 1 + m % 12, 1 + d % 31)
}

const MODES: &[&str] = &["half_up", "half_even", "up", "down"];

fn policy(increment_minor: u32, mode: u8, minor_units: u8) -> serde_json::Value {
    json!({ "increment": decimal(i128::from(increment_minor), minor_units % 5), "mode": pick(MODES, mode) })
}

fuzz_target!(|t: Terms| {
    let mu = t.minor_units % 5;
    let input = json!({
        "principal": decimal(i128::from(t.principal_minor), t.principal_scale),
        "annual_rate": decimal(i128::from(t.rate_mantissa), t.rate_scale),
        "tenure": t.tenure,
        "disbursed_on": date(t.disbursed),
        "first_due_on": date(t.first_due),
        "method": pick(&["reducing", "flat", "equal_principal", "bullet"], t.method),
        "frequency": pick(&["monthly", "quarterly", "fortnightly", "weekly"], t.frequency),
        "interest_basis": pick(&["30_360", "actual_365", "actual_actual"], t.basis),
        "broken_period": pick(&["none", "add_to_first", "amortize", "deduct_upfront"], t.broken),
        "fixed_due_day": t.fixed_due_day,
        "principal_grace": t.principal_grace,
        "interest_grace": t.interest_grace,
        "rounding": policy(t.increment_minor, t.mode, mu),
        "emi_rounding": t.emi.map(|(inc, mode)| policy(inc, mode, mu)),
        "processing_fee": t.fee.map(|(pct, v)| if pct {
            json!({ "kind": "percentage", "value": decimal(i128::from(v), 2) })
        } else {
            json!({ "kind": "fixed", "value": decimal(i128::from(v), mu) })
        }),
        "currency": { "code": "INR", "minor_units": mu },
        "policy": {
            "max_tenure": t.max_tenure,
            "max_annual_rate": decimal(i128::from(t.max_rate), 2),
            "min_first_due_gap_days": t.gap.0,
            "max_first_due_gap_days": t.gap.1,
        },
        "apr_decimals": t.apr_decimals % 8,
    });
    let _ = windeep_ops::call("schedule", &input.to_string());
});
