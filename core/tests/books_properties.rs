//! Invariants of the books over random loan and savings histories: every entry balances; the
//! trial balance nets to zero and the sub-ledgers agree with the general ledger whatever the
//! arrival order; member ledgers do not depend on arrival order; reversals return every
//! account to the balance it would have had without the reversed events.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use serde_json::{Value, json};
use windeep_core::{
    books::Books, books::journal, books::member_ledger, ledger::JournalEntry,
    reconcile::AlertConfig, reconcile::check_books,
};

fn d(s: &str) -> NaiveDate {
    windeep_core::parse_date(s).unwrap()
}

fn money(paise: i64) -> String {
    format!("{}.{:02}", paise / 100, paise % 100)
}

/// Accounts of a snapshot: (member, events) of each.
type Accounts = Vec<(String, Vec<Value>)>;

/// One loan history step: a gap in days, a kind and an amount.
type Step = (u64, u8, i64);

/// Events of a loan in date order (sequence assigned later).
fn loan_events(loan: &str, principal: i64, tenure: u32, steps: &[Step]) -> Vec<Value> {
    let mut out = vec![
        json!({"id": format!("{loan}-d"), "value_date": "2026-01-05",
        "body": {"type": "disbursed", "loan_id": loan, "terms": {
            "principal": principal.to_string(), "annual_rate": "12", "tenure": tenure,
            "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05",
            "processing_fee": {"kind": "percentage", "value": "1"}},
          "guarantors": []}}),
    ];
    let mut date = d("2026-01-05");
    let mut payments: Vec<String> = Vec::new();
    for (i, (gap, kind, amount)) in steps.iter().enumerate() {
        date = date + Days::new(*gap);
        let id = format!("{loan}-e{i}");
        let inst = 1 + (*amount as u32 % tenure);
        let body = match kind % 12 {
            0..=2 | 6 => {
                payments.push(id.clone());
                json!({"type": "payment_received", "amount": money(*amount)})
            }
            7 => json!({"type": "installment_skipped", "installment": inst}),
            8 => {
                payments.push(id.clone());
                json!({"type": "part_payment", "amount": money(*amount), "mode": "reduce_emi"})
            }
            9 => json!({"type": "rate_changed", "annual_rate": "13.5", "mode": "keep_emi"}),
            10 => json!({"type": "fine_waived", "installment": inst, "rule_id": "7",
                         "amount": "1.00", "reason": "goodwill"}),
            11 if amount % 7 == 0 => json!({"type": "written_off", "reason": "deceased"}),
            11 => json!({"type": "waiver", "installment": inst, "component": "principal",
                         "amount": "1.00", "reason": "goodwill"}),
            3 => json!({"type": "fine_levied", "installment": inst,
                        "rule_id": "7", "amount": money(100 + amount % 5_000)}),
            4 => match payments.last() {
                Some(target) => {
                    json!({"type": "payment_reversed", "event_id": target, "reason": "returned"})
                }
                None => json!({"type": "payment_received", "amount": money(*amount)}),
            },
            _ => json!({"type": "waiver", "installment": inst,
                        "component": "interest", "amount": "1.00", "reason": "goodwill"}),
        };
        let reversal = body["type"] == "payment_reversed";
        out.push(json!({"id": id, "value_date": date.to_string(), "body": body}));
        if valid(&out) {
            if reversal {
                payments.pop();
            }
        } else {
            out.pop();
            if payments.last() == Some(&id) {
                payments.pop();
            }
        }
    }
    out
}

/// Whether the fold accepts the events (sequences in date order).
fn valid(events: &[Value]) -> bool {
    let mut v = events.to_vec();
    for (i, e) in v.iter_mut().enumerate() {
        e["sequence"] = json!(i + 1);
        e["idempotency_key"] = e["id"].clone();
    }
    let Ok(parsed) = serde_json::from_value::<Vec<windeep_core::account::LoanEvent>>(json!(v))
    else {
        return false;
    };
    windeep_core::account::replay(&parsed, d("2099-12-31")).is_ok()
}

fn savings_events(account: &str, steps: &[Step]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut date = d("2026-01-01");
    let mut balance = 0_i64;
    let mut deposits: Vec<(String, i64)> = Vec::new();
    for (i, (gap, kind, amount)) in steps.iter().enumerate() {
        date = date + Days::new(*gap);
        let id = format!("{account}-e{i}");
        let body = match kind % 5 {
            0..=2 => {
                balance += amount;
                deposits.push((id.clone(), *amount));
                json!({"type": "deposit", "amount": money(*amount),
                       "mode": if kind % 2 == 0 { "cash" } else { "bank" }})
            }
            3 if balance > 100 => {
                let w = amount % balance + 1;
                balance -= w;
                json!({"type": "withdrawal", "amount": money(w)})
            }
            _ => {
                let a = 1 + amount % 50_000;
                balance += a;
                json!({"type": "bonus_credited", "bonus_id": format!("B{i}"), "amount": money(a)})
            }
        };
        out.push(json!({"id": id, "value_date": date.to_string(), "body": body}));
    }
    out
}

/// Gives events sequences in a random arrival order, keeping the first event first, the
/// events of one day in their order and every reversal after its target.
fn arrive(mut events: Vec<Value>, shuffle: u64) -> Vec<Value> {
    let n = events.len();
    if n == 0 {
        return events;
    }
    let mut order: Vec<usize> = (1..n).collect();
    let mut s = shuffle;
    for i in (1..order.len()).rev() {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = usize::try_from(s >> 33).unwrap() % (i + 1);
        order.swap(i, j);
    }
    order.insert(0, 0);
    let mut seq = vec![0_u64; n];
    for (k, &i) in order.iter().enumerate() {
        seq[i] = k as u64 + 1;
    }
    // Events of the same day keep their relative order (it decides the fold's order, so it is
    // part of the history, not of the arrival).
    let dates: Vec<String> = events
        .iter()
        .map(|e| e["value_date"].as_str().unwrap().to_owned())
        .collect();
    for day in dates.iter().collect::<std::collections::BTreeSet<_>>() {
        let idx: Vec<usize> = (0..n).filter(|&i| &dates[i] == day).collect();
        let mut seqs: Vec<u64> = idx.iter().map(|&i| seq[i]).collect();
        seqs.sort_unstable();
        for (&i, s) in idx.iter().zip(seqs) {
            seq[i] = s;
        }
    }
    // A reversal arrives after the payment it reverses.
    let ids: Vec<String> = events
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    for i in 0..n {
        if let Some(target) = events[i]["body"]["event_id"].as_str() {
            let t = ids.iter().position(|x| x == target).unwrap();
            if seq[t] > seq[i] {
                seq.swap(t, i);
            }
        }
    }
    for (e, s) in events.iter_mut().zip(seq) {
        e["sequence"] = json!(s);
        e["idempotency_key"] = e["id"].clone();
    }
    events
}

fn books(loans: &[(String, Vec<Value>)], savings: &[(String, Vec<Value>)], basis: &str) -> Value {
    // The books derive NPA periods from each loan's DPD; a short threshold makes random
    // histories go NPA and be upgraded often.
    json!({
        "as_of": "2027-12-31",
        "config": {"basis": basis, "npa_after_days": 30},
        "loans": loans.iter()
            .map(|(m, e)| json!({"member": m, "events": e}))
            .collect::<Vec<_>>(),
        "savings": savings.iter().enumerate().map(|(i, (m, e))| json!({
            "account_id": format!("SAV{i}"), "member": m, "opened_on": "2026-01-01",
            "scheme": {"monthly_amount": "1000", "due_day": 10, "annual_rate": "4"},
            "events": e})).collect::<Vec<_>>(),
        "journal": [{"id": "capital", "date": "2026-01-01",
            "lines": [{"account": "1102", "debit": "10000000"}, {"account": "5100", "credit": "10000000"}]}]
    })
}

fn parse(v: &Value) -> Books {
    serde_json::from_value(v.clone()).unwrap()
}

/// Net debit − credit per account over the entries dated on or before `on`.
fn net(entries: &[JournalEntry], on: NaiveDate) -> BTreeMap<String, i128> {
    let mut out = BTreeMap::new();
    for e in entries.iter().filter(|e| e.date() <= on) {
        for l in e.lines() {
            *out.entry(l.account().to_owned()).or_insert(0) += l.signed();
        }
    }
    out.retain(|_, v| *v != 0);
    out
}

fn scenario() -> impl Strategy<Value = (Vec<Vec<Step>>, Vec<Vec<Step>>, u64, bool)> {
    let step = (0_u64..40, any::<u8>(), 1_i64..2_000_000);
    (
        proptest::collection::vec(proptest::collection::vec(step.clone(), 0..14), 1..3),
        proptest::collection::vec(proptest::collection::vec(step, 0..10), 0..3),
        any::<u64>(),
        any::<bool>(),
    )
}

fn build(
    loans: &[Vec<Step>],
    savings: &[Vec<Step>],
    shuffle: u64,
    accrual: bool,
) -> (Value, Accounts, Accounts) {
    let member = |i: usize| format!("M{}", i % 2);
    let l: Vec<(String, Vec<Value>)> = loans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let events = loan_events(&format!("LN{i}"), 50_000 + 10_000 * i as i64, 12, s);
            (member(i), arrive(events, shuffle.wrapping_add(i as u64)))
        })
        .collect();
    let sv: Vec<(String, Vec<Value>)> = savings
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                member(i + 1),
                arrive(savings_events(&format!("S{i}"), s), shuffle ^ 7),
            )
        })
        .collect();
    let basis = if accrual { "accrual" } else { "cash" };
    (books(&l, &sv, basis), l, sv)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every entry balances, the trial balance nets to zero and every sub-ledger agrees with
    /// the general ledger, whatever the arrival order and the basis.
    #[test]
    fn books_balance_and_sub_ledgers_agree((loans, savings, shuffle, accrual) in scenario()) {
        let (v, _, _) = build(&loans, &savings, shuffle, accrual);
        let b = parse(&v);
        let Ok(entries) = journal(&b) else { return Ok(()); };
        for e in &entries {
            let dr: i128 = e.lines().iter().map(|l| l.debit()).sum();
            let cr: i128 = e.lines().iter().map(|l| l.credit()).sum();
            prop_assert_eq!(dr, cr, "{}", e.id());
        }
        let total: i128 = net(&entries, d("2099-12-31")).values().sum();
        prop_assert_eq!(total, 0);
        for on in ["2026-03-31", "2026-09-30", "2027-12-31"] {
            let mut at = b.clone();
            at.as_of = d(on);
            let report = check_books(&at, &AlertConfig::default()).unwrap();
            prop_assert!(report.violations.is_empty(), "{on}: {:?}", report.violations);
        }
        let ids: std::collections::BTreeSet<&str> = entries.iter().map(JournalEntry::id).collect();
        prop_assert_eq!(ids.len(), entries.len(), "entry ids are unique");
        // Deferred (capitalised) interest income is never negative at any date's end.
        let dates: std::collections::BTreeSet<NaiveDate> = entries.iter().map(JournalEntry::date).collect();
        for on in dates {
            let deferred = -net(&entries, on).get("2600").copied().unwrap_or(0);
            prop_assert!(deferred >= 0, "deferred interest {deferred} on {on}");
        }
        // The output of `postings` is accepted back as the stored journal and agrees.
        let mut echoed = b.clone();
        echoed.as_of = d("2027-12-31");
        let written = serde_json::to_value(journal(&echoed).unwrap()).unwrap();
        echoed.stored_journal = Some(serde_json::from_value(written).unwrap());
        let report = check_books(&echoed, &AlertConfig::default()).unwrap();
        prop_assert!(report.violations.is_empty(), "{:?}", report.violations);
    }

    /// Posting is deterministic and does not depend on arrival order: the same events arriving
    /// in another order leave every account with the same balance (corrections included).
    #[test]
    fn arrival_order_does_not_change_the_balances((loans, savings, shuffle, accrual) in scenario(), other in any::<u64>()) {
        let (v1, _, _) = build(&loans, &savings, shuffle, accrual);
        let (v2, _, _) = build(&loans, &savings, other, accrual);
        let (Ok(a), Ok(b)) = (journal(&parse(&v1)), journal(&parse(&v2))) else { return Ok(()); };
        prop_assert_eq!(net(&a, d("2099-12-31")), net(&b, d("2099-12-31")));
        prop_assert_eq!(journal(&parse(&v1)).unwrap(), a, "a replay gives the same entries");
    }

    /// A member's running balances are a fold over (date, account, place in the account's
    /// journal): the order of the accounts and of the events in the snapshot changes nothing.
    #[test]
    fn member_ledgers_do_not_depend_on_arrival_order((loans, savings, shuffle, accrual) in scenario()) {
        let (v, _, _) = build(&loans, &savings, shuffle, accrual);
        let b = parse(&v);
        let Ok(_) = journal(&b) else { return Ok(()); };
        let mut flipped = b.clone();
        flipped.loans.reverse();
        flipped.savings.reverse();
        for l in &mut flipped.loans { l.events.reverse(); }
        for a in &mut flipped.savings { a.events.reverse(); }
        for m in ["M0", "M1"] {
            let x = member_ledger(&b, m, None, None).unwrap();
            let y = member_ledger(&flipped, m, None, None).unwrap();
            prop_assert_eq!(&x, &y);
            let debit: i128 = x.rows.iter().map(|r| (r.debit.value() * rust_decimal::Decimal::ONE_HUNDRED).mantissa()).sum();
            let credit: i128 = x.rows.iter().map(|r| (r.credit.value() * rust_decimal::Decimal::ONE_HUNDRED).mantissa()).sum();
            let closing = (x.closing.value() * rust_decimal::Decimal::ONE_HUNDRED).mantissa();
            prop_assert_eq!(debit - credit, closing);
        }
    }

    /// Reversing every payment and deposit returns every account to the balance the history
    /// without them gives.
    #[test]
    fn reversing_everything_returns_every_account((loans, savings, shuffle, accrual) in scenario()) {
        let (v, l, s) = build(&loans, &savings, shuffle, accrual);
        let Ok(_) = journal(&parse(&v)) else { return Ok(()); };
        let reverse_all = |events: &[Value], kinds: &[&str], reversal: &str| -> Vec<Value> {
            let mut out = events.to_vec();
            let mut seq = events.iter().map(|e| e["sequence"].as_u64().unwrap()).max().unwrap_or(0);
            let reversed: Vec<&str> = events.iter().filter_map(|e| e["body"]["event_id"].as_str()).collect();
            for e in events {
                let kind = e["body"]["type"].as_str().unwrap();
                let id = e["id"].as_str().unwrap();
                if kinds.contains(&kind) && !reversed.contains(&id) {
                    seq += 1;
                    out.push(json!({"id": format!("{id}-rev"), "sequence": seq,
                        "value_date": "2027-12-31", "idempotency_key": format!("{id}-rev"),
                        "body": {"type": reversal, "event_id": id, "reason": "undo"}}));
                }
            }
            out
        };
        // Without them: the reversed kinds, every reversal and every event already reversed.
        let keep_only = |events: &[Value], kinds: &[&str]| -> Vec<Value> {
            let reversed: Vec<&str> = events.iter().filter_map(|e| e["body"]["event_id"].as_str()).collect();
            events.iter().filter(|e| {
                let kind = e["body"]["type"].as_str().unwrap();
                !kinds.contains(&kind) && !reversed.contains(&e["id"].as_str().unwrap())
                    && kind != "payment_reversed" && kind != "reversed"
            }).cloned().collect()
        };
        let pay = ["payment_received", "part_payment", "interest_only_payment"];
        let money_in = ["deposit", "withdrawal"];
        let l_rev: Vec<(String, Vec<Value>)> = l.iter().map(|(m, e)| (m.clone(), reverse_all(e, &pay, "payment_reversed"))).collect();
        let s_rev: Vec<(String, Vec<Value>)> = s.iter().map(|(m, e)| (m.clone(), reverse_all(e, &money_in, "reversed"))).collect();
        let l_none: Vec<(String, Vec<Value>)> = l.iter().map(|(m, e)| (m.clone(), keep_only(e, &pay))).collect();
        let s_none: Vec<(String, Vec<Value>)> = s.iter().map(|(m, e)| (m.clone(), keep_only(e, &money_in))).collect();
        let basis = if accrual { "accrual" } else { "cash" };
        let (Ok(with), Ok(without)) = (
            journal(&parse(&books(&l_rev, &s_rev, basis))),
            journal(&parse(&books(&l_none, &s_none, basis))),
        ) else { return Ok(()); };
        prop_assert_eq!(net(&with, d("2099-12-31")), net(&without, d("2099-12-31")));
    }
}

#[test]
fn two_same_day_payments_give_the_same_balance_in_either_order() {
    let base = loan_events("LN9", 100_000, 12, &[]);
    let pay = |id: &str, amount: &str| {
        json!({"id": id, "value_date": "2026-03-05",
               "body": {"type": "payment_received", "amount": amount}})
    };
    let mut ab = base.clone();
    ab.push(pay("a", "8000.00"));
    ab.push(pay("b", "2000.00"));
    let mut ba = base;
    ba.push(pay("b", "2000.00"));
    ba.push(pay("a", "8000.00"));
    let seq = |mut v: Vec<Value>| {
        for (i, e) in v.iter_mut().enumerate() {
            e["sequence"] = json!(i + 1);
            e["idempotency_key"] = e["id"].clone();
        }
        v
    };
    let b1 = parse(&books(&[("M".into(), seq(ab))], &[], "cash"));
    let b2 = parse(&books(&[("M".into(), seq(ba))], &[], "cash"));
    let x = member_ledger(&b1, "M", None, None).unwrap();
    let y = member_ledger(&b2, "M", None, None).unwrap();
    assert_eq!(x.closing, y.closing);
    assert_eq!(
        x.rows.last().unwrap().balance,
        y.rows.last().unwrap().balance
    );
    assert_eq!(
        net(&journal(&b1).unwrap(), d("2099-12-31")),
        net(&journal(&b2).unwrap(), d("2099-12-31"))
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Savings money only moves by deposits and withdrawals: reversing all of them returns
    /// every account of the books to zero, whatever the order the reversals arrive in.
    #[test]
    fn reversing_every_deposit_and_withdrawal_returns_every_account_to_zero(
        steps in proptest::collection::vec((0_u64..40, any::<u8>(), 1_i64..2_000_000), 1..12),
        shuffle in any::<u64>(),
    ) {
        let only_money: Vec<Step> = steps.into_iter().map(|(g, k, a)| (g, k % 4, a)).collect();
        let events = savings_events("S0", &only_money);
        let mut all = events.clone();
        let n = all.len();
        // Reversals in the reverse order of the money they undo, so that no balance dips below
        // zero on the way.
        for (i, e) in events.iter().rev().enumerate() {
            let id = e["id"].as_str().unwrap();
            all.push(json!({"id": format!("{id}-rev"), "value_date": format!("2028-01-{:02}", 1 + i % 28),
                "body": {"type": "reversed", "event_id": id, "reason": "undo"}}));
        }
        let mut seq_events = arrive(all[..n].to_vec(), shuffle);
        for (k, e) in all[n..].iter().enumerate() {
            let mut e = e.clone();
            e["sequence"] = json!(n + k + 1);
            e["idempotency_key"] = e["id"].clone();
            seq_events.push(e);
        }
        let b = parse(&books(&[], &[("M1".to_owned(), seq_events)], "cash"));
        let mut b = b;
        b.journal.clear();
        b.as_of = d("2028-12-31");
        let Ok(entries) = journal(&b) else { return Ok(()); };
        prop_assert!(net(&entries, d("2099-12-31")).is_empty(), "{:?}", net(&entries, d("2099-12-31")));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    /// Provisioning runs at successive dates (with some loans secured): every entry a run
    /// returns balances and is what `postings` posts once its records are in the books; the
    /// provision each loan's entries then hold is what it needs; a second run of the same day
    /// posts nothing; the provision account is never overdrawn, write-offs included.
    #[test]
    fn provision_runs_balance_and_a_second_run_is_a_no_op(
        (loans, _savings, shuffle, accrual) in scenario(),
        security in proptest::collection::vec(proptest::option::of(0_i64..8_000_000), 3),
    ) {
        let (mut v, _, _) = build(&loans, &[], shuffle, accrual);
        for (l, s) in v["loans"].as_array_mut().unwrap().iter_mut().zip(&security) {
            if let Some(s) = s {
                l["security_value"] = json!(money(*s));
            }
        }
        let mut b = parse(&v);
        if journal(&b).is_err() {
            return Ok(());
        }
        for on in ["2026-04-30", "2026-09-30", "2027-03-31", "2027-12-31"] {
            b.as_of = d(on);
            let policy = windeep_core::classification::ClassificationPolicy::default();
            let run = windeep_core::provisioning::provisions(&b, &policy, &[], &[]).unwrap();
            for e in &run.entries {
                let dr: i128 = e.lines().iter().map(|l| l.debit()).sum();
                let cr: i128 = e.lines().iter().map(|l| l.credit()).sum();
                prop_assert_eq!(dr, cr, "{}", e.id());
                prop_assert_eq!(e.date(), d(on));
            }
            prop_assert_eq!(run.records.len(), run.entries.len());
            b.provisions.extend(run.records.iter().cloned());
            let entries = journal(&b).unwrap();
            for e in &run.entries {
                let posted = entries.iter().find(|x| x.id() == e.id());
                prop_assert_eq!(posted, Some(e), "{} is posted as returned", e.id());
            }
            let total: i128 = net(&entries, d("2099-12-31")).values().sum();
            prop_assert_eq!(total, 0);
            let again = windeep_core::provisioning::provisions(&b, &policy, &[], &[]).unwrap();
            prop_assert!(again.records.is_empty() && again.entries.is_empty(), "{on}: {:?}", again.records);
            for line in &again.loans {
                prop_assert_eq!(line.held, line.required, "{} on {}", &line.loan_id, on);
            }
            let report = check_books(&b, &AlertConfig::default()).unwrap();
            prop_assert!(report.violations.is_empty(), "{on}: {:?}", report.violations);
        }
        // The write-offs after the last run used only what was held: never overdrawn.
        b.as_of = d("2099-12-31");
        let entries = journal(&b).unwrap();
        let dates: std::collections::BTreeSet<NaiveDate> = entries.iter().map(JournalEntry::date).collect();
        for on in dates {
            let held = -net(&entries, on).get("2700").copied().unwrap_or(0);
            prop_assert!(held >= 0, "provision {held} on {on}");
        }
    }
}
