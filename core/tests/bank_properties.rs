//! Properties of bank import and mapping: a re-import finds every row again, a split always
//! conserves the amount, unmapping restores the status; and no bytes make a parser panic.

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::json;
use windeep_core::bank::{
    self, Format, ImportedRow, Mapping, MappingStatus, PartInput, StatementOptions, Target,
    import_statement,
};
use windeep_core::{CoreError, Currency, Money};

/// One statement row: day, narration kind, amount in paise, credit?
fn row() -> impl Strategy<Value = (u32, u8, u64, bool, u32)> {
    (
        1_u32..29,
        0_u8..6,
        1_u64..10_000_000,
        any::<bool>(),
        0_u32..1000,
    )
}

fn render(rows: &[(u32, u8, u64, bool, u32)]) -> String {
    let mut text = String::from("Preamble line\n\nTxn Date,Description,Debit,Credit\n");
    for (day, kind, paise, credit, n) in rows {
        let narration = match kind {
            0 => format!("UPI/CR/6015{n:08}/MEMBER"),
            1 => format!("NEFT*SBIN0001*SBINN26005{n:06}*X"),
            2 => format!("RTGS UTIBR5202601050{n:07}"),
            3 => "CASH DEPOSIT".to_owned(),
            4 => format!("CHQ DEP {n}"),
            _ => "not a row, bad amount".to_owned(),
        };
        let amount = if *kind == 5 {
            "12.3.4".to_owned()
        } else {
            format!("{}.{:02}", paise / 100, paise % 100)
        };
        let (debit, credit) = if *credit {
            (String::new(), amount)
        } else {
            (amount, String::new())
        };
        text += &format!("{day:02}/01/2026,{narration},{debit},{credit}\n");
    }
    text
}

fn parts_of(total: u64, cuts: &[u64]) -> Vec<u64> {
    let mut points: Vec<u64> = cuts.iter().map(|c| 1 + c % total.max(1)).collect();
    points.push(0);
    points.push(total);
    points.sort_unstable();
    points.dedup();
    points
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|p| *p > 0)
        .collect()
}

fn paise(p: u64) -> Money {
    Money::from_decimal(Decimal::new(i64::try_from(p).unwrap(), 2))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_reimport_finds_every_row_as_a_duplicate(rows in prop::collection::vec(row(), 0..40)) {
        let text = render(&rows);
        let options = StatementOptions::default();
        let first = import_statement(text.as_bytes(), Format::Csv, &options, "ACC", None, &[]).unwrap();
        let s = &first.summary;
        prop_assert_eq!(s.rows, u64::try_from(rows.len()).unwrap());
        prop_assert_eq!(s.new + s.duplicates + s.conflicts + s.rejected + s.skipped + s.blank, s.rows);
        let prior = first.prior_keys("IMP-1");
        let again = import_statement(text.as_bytes(), Format::Csv, &options, "ACC", None, &prior).unwrap();
        prop_assert_eq!(again.summary.new, 0);
        prop_assert_eq!(again.summary.duplicates, s.new + s.duplicates);
        // a UTR seen with another date or amount stays a conflict, never a duplicate
        prop_assert_eq!(again.summary.conflicts, s.conflicts);
        prop_assert_eq!(again.summary.rejected, s.rejected);
        for (a, b) in first.rows.iter().zip(&again.rows) {
            if let (ImportedRow::New { row, transaction: t1, .. }, ImportedRow::Duplicate { transaction: t2, duplicate_of, .. }) = (a, b) {
                prop_assert_eq!(&t1.key, &t2.key);
                prop_assert_eq!(duplicate_of.row, *row, "a re-imported row repeats itself");
                prop_assert_eq!(duplicate_of.import_id.as_deref(), Some("IMP-1"));
            }
        }
    }

    #[test]
    fn a_split_conserves_the_amount_and_unmapping_restores_the_status(
        total in 1_u64..100_000_000,
        cuts in prop::collection::vec(any::<u64>(), 0..6),
        unmap_mask in any::<u8>(),
    ) {
        let inr = Currency::inr();
        let txn: bank::BankTransaction = serde_json::from_value(json!({
            "key": "utr:601512345678", "date": "2026-01-05", "direction": "credit",
            "amount": paise(total).to_string()})).unwrap();
        let pieces = parts_of(total, &cuts);
        let parts: Vec<PartInput> = pieces.iter().enumerate().map(|(i, p)| PartInput {
            target: Target::LoanPayment { loan_id: format!("LN{i}"), installment: None },
            amount: paise(*p),
        }).collect();
        let out = bank::split(Mapping::new("ACC", txn), &parts, &inr).unwrap();
        let sum: Decimal = out.events.iter().map(|e| e.amount.value()).sum();
        prop_assert_eq!(sum, paise(total).value());
        let want = if pieces.len() == 1 { MappingStatus::Mapped } else { MappingStatus::Split };
        prop_assert_eq!(out.mapping.status, Some(want));
        // unmap some parts: the status follows, the reversals mirror the applications
        let chosen: Vec<u32> = (1..=u32::try_from(pieces.len()).unwrap())
            .filter(|n| unmap_mask & (1 << ((n - 1) % 8)) != 0).collect();
        if chosen.is_empty() {
            return Ok(());
        }
        let after = bank::unmap(out.mapping.clone(), Some(&chosen), &inr).unwrap();
        let expected = if chosen.len() == pieces.len() { MappingStatus::Unmapped } else { MappingStatus::Partial };
        prop_assert_eq!(after.mapping.status, Some(expected));
        for e in &after.events {
            let original = out.events.iter().find(|o| o.part == e.part).unwrap();
            prop_assert_eq!(e.amount, original.amount);
            prop_assert_eq!(&e.idempotency_key, &format!("{}/reverse", original.idempotency_key));
        }
        // mapping the freed amount again completes it
        let freed: u64 = chosen.iter().map(|n| pieces[usize::try_from(*n).unwrap() - 1]).sum();
        let again = bank::split(after.mapping, &[PartInput {
            target: Target::SavingsDeposit { account_no: "SAV1".into() }, amount: paise(freed) }], &inr).unwrap();
        prop_assert!(matches!(again.mapping.status, Some(MappingStatus::Mapped | MappingStatus::Split)));
        prop_assert_eq!(again.mapping.mapped_amount().unwrap(), paise(total).value());
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_csv_parser(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes, Format::Csv);
    }

    #[test]
    fn statement_like_text_never_panics(lines in prop::collection::vec(
        prop::collection::vec(prop_oneof![
            Just(String::new()), Just("Date".to_owned()), Just("Narration".to_owned()),
            Just("Amount".to_owned()), Just("Debit".to_owned()), Just("Credit".to_owned()),
            Just("Balance".to_owned()), Just("Dr / Cr".to_owned()), Just("Total".to_owned()),
            "[0-9]{1,2}[/.-][0-9A-Za-z]{1,4}[/.-][0-9]{2,4}( [0-9:]{4,8})?",
            "[-+(₹]?[0-9,]{0,9}(\\.[0-9]{0,4})?( ?[CcDd][Rr])?\\)?",
            "[A-Z0-9/@* -]{0,30}",
            ".{0,8}",
        ], 0..9), 0..20)) {
        let text: String = lines.iter().map(|l| l.join(",") + "\n").collect();
        check(text.as_bytes(), Format::Csv);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_xlsx_reader(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes, Format::Xlsx);
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend_from_slice(&bytes);
        check(&zip, Format::Xlsx);
    }
}

fn check(bytes: &[u8], format: Format) {
    match import_statement(
        bytes,
        format,
        &StatementOptions::default(),
        "ACC",
        None,
        &[],
    ) {
        Ok(report) => {
            let s = report.summary;
            assert_eq!(
                s.new + s.duplicates + s.rejected + s.skipped + s.blank,
                s.rows
            );
        }
        Err(e) => assert!(CoreError::CODES.contains(&e.code()), "{}", e.code()),
    }
}
