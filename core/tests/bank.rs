//! Bank statements end to end: every preset, XLSX workbooks written here, re-imports, splits,
//! matching and reconciliation.

use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Workbook};
use serde_json::{Value, json};
use windeep_core::Currency;
use windeep_core::bank::{
    self, Format, ImportReport, ImportedRow, LayoutChoice, Mapping, MappingStatus, PartInput,
    StatementOptions, Target, import_statement,
};
use windeep_ops as ops;

fn import(text: &str, preset: Option<&str>, prior: &[bank::PriorKey]) -> ImportReport {
    let options = StatementOptions {
        layout: preset.map_or(LayoutChoice::Detect, |p| LayoutChoice::Preset(p.to_owned())),
        ..StatementOptions::default()
    };
    import_statement(text.as_bytes(), Format::Csv, &options, "ACC-1", None, prior).unwrap()
}

fn statuses(report: &ImportReport) -> Vec<String> {
    report
        .rows
        .iter()
        .map(|r| match r {
            ImportedRow::New { transaction, .. } => format!(
                "new {} {} {}",
                transaction.direction.as_str(),
                transaction.amount,
                transaction.date
            ),
            ImportedRow::Duplicate { duplicate_of, .. } => {
                format!("duplicate of {}", duplicate_of.row)
            }
            ImportedRow::Rejected { problem, .. } => {
                format!("rejected {}", serde_json::to_value(problem).unwrap())
            }
            ImportedRow::Skipped { reason, .. } => format!("skipped {reason}"),
        })
        .collect()
}

#[test]
fn each_presets_layout_reads_the_same_three_transactions() {
    let statements = [
        (
            "sbi",
            "Account Name :,SOCIETY\nAccount Number :,00000012345678901\n\n\
             Txn Date,Value Date,Description,Ref No./Cheque No.,Branch Code,Debit,Credit,Balance\n\
             5 Jan 2026,5 Jan 2026,BY TRANSFER-UPI/CR/601512345678/RAMESH/SBIN/r@oksbi/UPI--,,0001,,\"5,000.00\",\"15,000.00\"\n\
             6 Jan 2026,6 Jan 2026,TO TRANSFER-BANK CHARGES,,0001,250.00,,\"14,750.00\"\n\
             7 Jan 2026,7 Jan 2026,CASH DEPOSIT SELF,,0001,,\"1,00,000.50\",\"1,14,750.50\"\n",
        ),
        (
            "hdfc",
            "HDFC BANK Ltd.\n\nDate,Narration,Chq./Ref.No.,Value Dt,Withdrawal Amt.,Deposit Amt.,Closing Balance\n\
             05/01/26,UPI-RAMESH-r@okhdfcbank-HDFC0001234-601512345678-EMI,0000601512345678,05/01/26,,5000.00,15000.00\n\
             06/01/26,CHARGES,,06/01/26,250.00,,14750.00\n\
             07/01/26,CASH DEPOSIT SELF,,07/01/26,,100000.50,114750.50\n\
             STATEMENT SUMMARY :-,,,,,,\n\
             Opening Balance,Dr Count,Cr Count,Debits,Credits,Closing Bal,\n\
             \"10,000.00\",1,2,250.00,\"1,05,000.50\",\"1,14,750.50\",\n",
        ),
        (
            "icici",
            "S No.,Value Date,Transaction Date,Cheque Number,Transaction Remarks,Withdrawal Amount (INR ),Deposit Amount (INR ),Balance (INR )\n\
             1,05/01/2026,05/01/2026,,UPI/601512345678/RAMESH/r@okicici,,5000.00,15000.00\n\
             2,06/01/2026,06/01/2026,,CHARGES,250.00,,14750.00\n\
             3,07/01/2026,07/01/2026,,CASH DEPOSIT SELF,,100000.50,114750.50\n",
        ),
        (
            "axis",
            "Tran Date,CHQNO,PARTICULARS,DR,CR,BAL,SOL\n\
             05-01-2026,,UPI/P2A/601512345678/RAMESH,,5000.00,15000.00,123\n\
             06-01-2026,,CHARGES,250.00,,14750.00,123\n\
             07-01-2026,,CASH DEPOSIT SELF,,100000.50,114750.50,123\n",
        ),
        (
            "kotak",
            "Sl. No.,Transaction Date,Value Date,Description,Chq / Ref No.,Amount,Dr / Cr,Balance,Dr / Cr\n\
             1,05-01-2026 10:15:00,05-01-2026,UPI/RAMESH/601512345678/EMI,,5000.00,CR,15000.00,CR\n\
             2,06-01-2026 00:00:00,06-01-2026,CHARGES,,250.00,DR,14750.00,CR\n\
             3,07-01-2026 12:00:00,07-01-2026,CASH DEPOSIT SELF,,100000.50,CR,114750.50,CR\n",
        ),
    ];
    let want = [
        "new credit 5000.00 2026-01-05",
        "new debit 250.00 2026-01-06",
        "new credit 100000.50 2026-01-07",
    ];
    for (preset, text) in statements {
        for choice in [Some(preset), None] {
            let report = import(text, choice, &[]);
            let got = statuses(&report);
            assert_eq!(got.get(..3).unwrap(), want, "{preset} {choice:?}");
            let ImportedRow::New { transaction, .. } = &report.rows[0] else {
                panic!("{preset}")
            };
            assert_eq!(transaction.key, "utr:601512345678", "{preset}");
            assert!(
                got.iter().skip(3).all(|s| s.starts_with("skipped")),
                "{preset}: {got:?}"
            );
        }
    }
}

#[test]
fn the_legacy_template_of_spec_12_19() {
    let text = "TransaDate,Description,Credit,Debit,Reference\n\
        05/01/2026,MEMB000001 Monthly Savings Deposit,5000,,UPI/123456789\n\
        06/01/2026,Loan EMI Payment LNC440DA,3500,,NEFT/987654321\n\
        08/01/2026,UPI Payment from Member 9707502695,2000,,UPI/456789123\n\
        10/01/2026,MEMB000042 Fine Payment,500,,UPI/741852963\n\
        12/01/2026,SAV2025000120 Savings Account Deposit,10000,,RTGS/159357246\n\
        15/01/2026,Bank Charges - SMS Service,,250,CHG/202601\n\
        18/01/2026,Cash Withdrawal from Branch,,50000,WDL/202601001\n";
    let first = import(text, Some("windeep"), &[]);
    assert_eq!(first.summary.new, 7);
    assert_eq!(first.summary.new_credits.total.to_string(), "21000.00");
    assert_eq!(first.summary.new_debits.total.to_string(), "50250.00");
    // the template's references are too short to be UTRs: every row is fingerprinted
    assert!(first.rows.iter().all(|r| matches!(r,
        ImportedRow::New { transaction, .. } if transaction.key.starts_with("fp:") && transaction.key.ends_with(":1"))));
    let again = import(text, Some("windeep"), &first.prior_keys("IMP-1"));
    assert_eq!(again.summary.duplicates, 7);
    assert_eq!(again.summary.new, 0);
}

#[test]
fn identical_rows_are_kept_and_found_again_on_reimport() {
    let text = "Date,Narration,Withdrawal Amt.,Deposit Amt.\n\
        07/01/2026,CASH DEPOSIT,,500.00\n\
        07/01/2026,CASH DEPOSIT,,500.00\n\
        07/01/2026,UPI/601512345678/A,,500.00\n\
        08/01/2026,UPI/601512345678/A,,500.00\n";
    let first = import(text, None, &[]);
    assert_eq!(
        statuses(&first),
        [
            "new credit 500.00 2026-01-07",
            "new credit 500.00 2026-01-07",
            "new credit 500.00 2026-01-07",
            "duplicate of 4",
        ]
    );
    let keys: Vec<String> = first
        .prior_keys("IMP-1")
        .into_iter()
        .map(|k| k.key)
        .collect();
    assert!(keys[0].ends_with(":1") && keys[1].ends_with(":2"));
    assert_eq!(keys[0].get(..35), keys[1].get(..35));
    let again = import(text, None, &first.prior_keys("IMP-1"));
    assert_eq!(
        statuses(&again),
        [
            "duplicate of 2",
            "duplicate of 3",
            "duplicate of 4",
            "duplicate of 4"
        ]
    );
    // an overlapping statement that has only the second of the two identical rows
    let overlap = "Date,Narration,Withdrawal Amt.,Deposit Amt.\n\
        07/01/2026,CASH DEPOSIT,,500.00\n\
        07/01/2026,CASH DEPOSIT,,500.00\n\
        07/01/2026,CASH DEPOSIT,,500.00\n";
    let third = import(overlap, None, &first.prior_keys("IMP-1"));
    assert_eq!(statuses(&third)[2], "new credit 500.00 2026-01-07");
    let ImportedRow::New { review, .. } = &third.rows[2] else {
        panic!()
    };
    assert_eq!(review.as_ref().unwrap().row, 2, "flagged for review");
}

#[test]
fn malformed_rows_are_listed_and_never_abort() {
    let text = "Txn Date,Description,Debit,Credit,Balance\n\
        05/01/2026,ok,,100.00,100.00\n\
        ,no date,,100.00,\n\
        31/02/2026,impossible date,,100.00,\n\
        06/01/2026,both,1.00,2.00,\n\
        06/01/2026,neither,,,\n\
        06/01/2026,scale,,1.005,\n\
        06/01/2026,negative,,-5.00,\n\
        06/01/2026,wrong suffix,5.00 Cr,,\n\
        06/01/2026,bad balance,,5.00,x\n\
        06/01/2026,range,,1000000000001,\n\
        just text\n\
        Opening Balance,,,,100.00\n\
        Txn Date,Description,Debit,Credit,Balance\n\
        07/01/2026,short row\n\
        \"07/01/2026\",\"quoted, with comma\",,\"1,000.00\",\n\
        Total,,1.00,1102.00,\n\
        08/01/2026,after the footer,,1.00,\n";
    let report = import(text, None, &[]);
    assert_eq!(
        statuses(&report),
        [
            "new credit 100.00 2026-01-05",
            "rejected \"missing_date\"",
            "rejected \"invalid_date\"",
            "rejected \"both_amounts\"",
            "rejected \"no_amount\"",
            "rejected \"amount_scale\"",
            "rejected \"invalid_direction\"",
            "rejected \"invalid_direction\"",
            "rejected \"invalid_balance\"",
            "rejected \"amount_out_of_range\"",
            "skipped no date and no amount",
            "skipped balance line",
            "skipped repeated header",
            "rejected \"no_amount\"",
            "new credit 1000.00 2026-01-07",
            "skipped footer",
            "skipped footer",
        ]
    );
    let rows: Vec<u64> = report
        .rows
        .iter()
        .map(|r| match r {
            ImportedRow::New { row, .. }
            | ImportedRow::Duplicate { row, .. }
            | ImportedRow::Rejected { row, .. }
            | ImportedRow::Skipped { row, .. } => *row,
        })
        .collect();
    assert_eq!(rows, (2..=18).collect::<Vec<_>>());
}

#[test]
fn unreadable_statements_are_clear_errors() {
    let options = StatementOptions::default();
    let run = |bytes: &[u8], format| {
        import_statement(bytes, format, &options, "A", None, &[])
            .unwrap_err()
            .code()
    };
    assert_eq!(
        run(b"a,b,c\n1,2,3\n", Format::Csv),
        "E_STATEMENT_HEADER_NOT_FOUND"
    );
    assert_eq!(run(b"", Format::Csv), "E_STATEMENT_HEADER_NOT_FOUND");
    assert_eq!(
        run(b"PK\x03\x04garbage", Format::Xlsx),
        "E_STATEMENT_UNREADABLE"
    );
    assert_eq!(
        run(b"Date,Narration,Amount\n", Format::Xlsx),
        "E_STATEMENT_UNREADABLE"
    );
}

/// A workbook as a bank's export writes it: a title, a header, dates as date cells (and one as
/// text), amounts as numbers and as text.
fn workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Statement").unwrap();
    let date = XFormat::new().set_num_format("dd/mm/yyyy");
    ws.write_string(0, 0, "Statement of account").unwrap();
    for (c, h) in ["Txn Date", "Description", "Debit", "Credit", "Balance"]
        .iter()
        .enumerate()
    {
        ws.write_string(2, u16::try_from(c).unwrap(), *h).unwrap();
    }
    let d = |day| ExcelDateTime::from_ymd(2026, 1, day).unwrap();
    ws.write_datetime_with_format(3, 0, d(5), &date).unwrap();
    ws.write_string(3, 1, "UPI/CR/601512345678/RAMESH").unwrap();
    ws.write_number(3, 3, 5000.5).unwrap();
    ws.write_number(3, 4, 15000.5).unwrap();
    ws.write_datetime_with_format(4, 0, d(6), &date).unwrap();
    ws.write_string(4, 1, "CASH").unwrap();
    ws.write_number(4, 3, 0.30000000000000004).unwrap();
    ws.write_string(5, 0, "07-Jan-2026").unwrap();
    ws.write_string(5, 1, "CHARGES").unwrap();
    ws.write_string(5, 2, "1,250.00").unwrap();
    ws.write_number(5, 4, 13750.5).unwrap();
    ws.write_datetime_with_format(6, 0, d(8), &date).unwrap();
    ws.write_string(6, 1, "INTEREST").unwrap();
    ws.write_number(6, 3, 12.345).unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_cells_are_read_through_their_exact_decimal_text() {
    let bytes = workbook();
    let options = StatementOptions::default();
    let report = import_statement(&bytes, Format::Xlsx, &options, "ACC-1", None, &[]).unwrap();
    assert_eq!(report.layout.header_row, 3);
    assert_eq!(
        statuses(&report),
        [
            "new credit 5000.50 2026-01-05",
            "rejected \"amount_scale\"",
            "new debit 1250.00 2026-01-07",
            "rejected \"amount_scale\"",
        ]
    );
    let ImportedRow::Rejected { reason, .. } = &report.rows[1] else {
        panic!()
    };
    assert_eq!(
        reason,
        "credit: \"0.30000000000000004\" has more than 2 decimal places"
    );
    let again = import_statement(
        &bytes,
        Format::Xlsx,
        &options,
        "ACC-1",
        None,
        &report.prior_keys("IMP-1"),
    )
    .unwrap();
    assert_eq!(again.summary.duplicates, 2);
    // a missing sheet is an unreadable statement
    let named = StatementOptions {
        sheet: Some("Nope".to_owned()),
        ..StatementOptions::default()
    };
    let err = import_statement(&bytes, Format::Xlsx, &named, "ACC-1", None, &[]).unwrap_err();
    assert_eq!(err.code(), "E_STATEMENT_UNREADABLE");
}

#[test]
fn bank_import_operation_takes_text_or_base64() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(workbook());
    let out = ops::call(
        "bank_import",
        &json!({"account_id": "ACC-1", "format": "xlsx", "content_base64": b64, "sheet": "Statement"})
            .to_string(),
    )
    .unwrap();
    assert_eq!(out["summary"]["new"], 2);
    let csv = "Date;Narration;Amount\n05/01/2026;UPI/601512345678/X;-10\n";
    let out = ops::call(
        "bank_import",
        &json!({"account_id": "A", "content": csv, "delimiter": ";"}).to_string(),
    )
    .unwrap();
    assert_eq!(out["rows"][0]["transaction"]["direction"], "debit");
    for (input, code) in [
        (json!({"account_id": "A"}), "E_INVALID_INPUT"),
        (
            json!({"account_id": "A", "content": "x", "content_base64": "eA=="}),
            "E_INVALID_INPUT",
        ),
        (
            json!({"account_id": "A", "format": "xlsx", "content": "x"}),
            "E_INVALID_INPUT",
        ),
        (
            json!({"account_id": "A", "content_base64": "@@"}),
            "E_STATEMENT_UNREADABLE",
        ),
        (
            json!({"account_id": "A", "content": "x", "delimiter": ";;"}),
            "E_INVALID_INPUT",
        ),
        (json!({"account_id": "", "content": csv}), "E_INVALID_INPUT"),
        (
            json!({"account_id": "A", "content": csv, "preset": "nope"}),
            "E_UNKNOWN_PRESET",
        ),
    ] {
        let err = ops::call("bank_import", &input.to_string()).unwrap_err();
        assert_eq!(err.code(), code, "{input}");
    }
}

fn credit(key: &str, amount: &str) -> bank::BankTransaction {
    serde_json::from_value(
        json!({"key": key, "date": "2026-01-05", "direction": "credit", "amount": amount}),
    )
    .unwrap()
}

fn part(target: Value, amount: &str) -> PartInput {
    serde_json::from_value(json!({"target": target, "amount": amount})).unwrap()
}

#[test]
fn split_unmap_and_complete_again() {
    let inr = Currency::inr();
    let txn = credit("utr:601512345678", "10000");
    let parts = [
        part(
            json!({"kind": "loan_payment", "loan_id": "LN1", "installment": 3}),
            "8884.88",
        ),
        part(
            json!({"kind": "savings_deposit", "account_no": "SAV1"}),
            "1000",
        ),
        part(json!({"kind": "fine_payment", "fine_id": "FIN1"}), "115.12"),
    ];
    let out = bank::split(Mapping::new("ACC-1", txn), &parts, &inr).unwrap();
    assert_eq!(out.mapping.status, Some(MappingStatus::Split));
    assert_eq!(out.events.len(), 3);
    let keys: Vec<&str> = out
        .events
        .iter()
        .map(|e| e.idempotency_key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "ACC-1/utr:601512345678/1",
            "ACC-1/utr:601512345678/2",
            "ACC-1/utr:601512345678/3"
        ]
    );
    // unmap the fine: partial, one reversal
    let partial = bank::unmap(out.mapping, Some(&[3]), &inr).unwrap();
    assert_eq!(partial.mapping.status, Some(MappingStatus::Partial));
    assert_eq!(
        partial.events[0].idempotency_key,
        "ACC-1/utr:601512345678/3/reverse"
    );
    // the remainder must be mapped exactly
    let short = [part(json!({"kind": "other", "category": "fee"}), "115")];
    assert_eq!(
        bank::split(partial.mapping.clone(), &short, &inr)
            .unwrap_err()
            .code(),
        "E_SPLIT_NOT_BALANCED"
    );
    let rest = [part(
        json!({"kind": "savings_deposit", "account_no": "SAV1"}),
        "115.12",
    )];
    let done = bank::split(partial.mapping, &rest, &inr).unwrap();
    assert_eq!(done.mapping.status, Some(MappingStatus::Split));
    assert_eq!(done.events[0].part, 4, "part numbers are never reused");
    // unmap everything, ignore, restore
    let none = bank::unmap(done.mapping, None, &inr).unwrap();
    assert_eq!(none.events.len(), 3);
    assert_eq!(none.mapping.status, Some(MappingStatus::Unmapped));
    let ignored = bank::ignore(none.mapping, "not ours", &inr).unwrap();
    assert_eq!(ignored.mapping.status, Some(MappingStatus::Ignored));
    assert_eq!(
        bank::split(ignored.mapping.clone(), &rest, &inr)
            .unwrap_err()
            .code(),
        "E_MAPPING_CONFLICT"
    );
    let restored = bank::unmap(ignored.mapping, None, &inr).unwrap();
    assert_eq!(restored.mapping.status, Some(MappingStatus::Unmapped));
    assert!(restored.events.is_empty());
}

#[test]
fn mapping_refusals() {
    let inr = Currency::inr();
    let txn = credit("utr:1", "100");
    let loan = json!({"kind": "loan_payment", "loan_id": "LN1"});
    let fresh = || Mapping::new("ACC-1", txn.clone());
    let code = |r: windeep_core::Result<bank::MappingOutcome>| r.unwrap_err().code();
    assert_eq!(
        code(bank::split(fresh(), &[], &inr)),
        "E_SPLIT_NOT_BALANCED"
    );
    assert_eq!(
        code(bank::split(fresh(), &[part(loan.clone(), "100.01")], &inr)),
        "E_SPLIT_NOT_BALANCED"
    );
    assert_eq!(
        code(bank::split(fresh(), &[part(loan.clone(), "0")], &inr)),
        "E_INVALID_AMOUNT"
    );
    assert_eq!(
        code(bank::split(fresh(), &[part(loan.clone(), "1.001")], &inr)),
        "E_AMOUNT_SCALE"
    );
    let mut debit = fresh();
    debit.transaction.direction = bank::Direction::Debit;
    assert_eq!(
        code(bank::split(
            debit.clone(),
            &[part(loan.clone(), "100")],
            &inr
        )),
        "E_MAPPING_DIRECTION"
    );
    assert!(
        bank::split(
            debit,
            &[part(json!({"kind": "other", "category": "charges"}), "100")],
            &inr
        )
        .is_ok()
    );
    assert_eq!(code(bank::unmap(fresh(), None, &inr)), "E_MAPPING_CONFLICT");
    let mapped = bank::split(fresh(), &[part(loan.clone(), "100")], &inr)
        .unwrap()
        .mapping;
    assert_eq!(mapped.status, Some(MappingStatus::Mapped));
    assert_eq!(
        code(bank::unmap(mapped.clone(), Some(&[2]), &inr)),
        "E_MAPPING_CONFLICT"
    );
    assert_eq!(
        code(bank::ignore(mapped.clone(), "x", &inr)),
        "E_MAPPING_CONFLICT"
    );
    let mut forged = mapped.clone();
    forged.parts[0].idempotency_key = "other".to_owned();
    assert_eq!(code(bank::unmap(forged, None, &inr)), "E_INVALID_MAPPING");
    let mut wrong_status = mapped.clone();
    wrong_status.status = Some(MappingStatus::Partial);
    assert_eq!(
        code(bank::unmap(wrong_status, None, &inr)),
        "E_INVALID_MAPPING"
    );
    let mut over = mapped;
    over.parts[0].amount = "101".parse().unwrap();
    over.status = None;
    assert_eq!(code(bank::unmap(over, None, &inr)), "E_INVALID_MAPPING");
    let t: Result<Target, _> =
        serde_json::from_value(json!({"kind": "loan_payment", "loan_id": "L", "x": 1}));
    assert!(t.is_err(), "unknown target fields are refused");
}

#[test]
fn matching_scores_and_auto_apply() {
    let input = json!({
        "transactions": [
            {"key": "a", "date": "2026-01-06", "direction": "credit", "amount": "8884.88",
             "narration": "NEFT*SBIN0001*SBINN26005123456*LN2026000001 EMI"},
            {"key": "b", "date": "2026-01-06", "direction": "credit", "amount": "8884.88",
             "narration": "UPI/601512345678/9707502695@ybl"},
            {"key": "c", "date": "2026-01-20", "direction": "credit", "amount": "8884.88",
             "narration": "CASH"},
            {"key": "d", "date": "2026-01-06", "direction": "debit", "amount": "8884.88",
             "narration": "LN2026000001"},
        ],
        "members": [{"code": "MEMB000001", "phones": ["+91 97075 02695"]}],
        "loans": [{"loan_id": "LN2026000001", "member_code": "MEMB000001",
                   "due": [{"installment": 3, "due_on": "2026-01-05", "amount": "8884.88"}]}],
        "savings_accounts": [{"account_no": "SAV2025000120", "member_code": "MEMB000001"}],
    });
    let out = ops::call("bank_match", &input.to_string()).unwrap();
    let r = &out["results"];
    assert_eq!(r[0]["suggestions"][0]["confidence"], 98);
    assert_eq!(r[0]["auto_apply"][0]["target"]["installment"], 3);
    assert_eq!(r[1]["suggestions"][0]["confidence"], 68);
    assert_eq!(r[1]["suggestions"][1]["target"]["kind"], "savings_deposit");
    assert_eq!(r[1]["auto_apply"], Value::Null);
    assert_eq!(r[2]["suggestions"], json!([]), "too far from the due date");
    assert_eq!(r[3]["suggestions"], json!([]), "debits get no suggestions");
    let mut strict = input.clone();
    strict["policy"] = json!({"auto_apply_min_confidence": 99});
    let out = ops::call("bank_match", &strict.to_string()).unwrap();
    assert_eq!(out["results"][0]["auto_apply"], Value::Null);
    strict["policy"] = json!({"auto_apply_min_confidence": 101});
    assert_eq!(
        ops::call("bank_match", &strict.to_string())
            .unwrap_err()
            .code(),
        "E_INVALID_POLICY"
    );
}

#[test]
fn reconciliation_explains_the_difference() {
    let input = json!({
        "account_id": "ACC-1", "as_of": "2026-01-31",
        "bank_balance": "10500.00", "book_balance": "9800.00",
        "bank_transactions": [
            {"key": "utr:1", "date": "2026-01-05", "direction": "credit", "amount": "1000"},
            {"key": "utr:2", "date": "2026-01-06", "direction": "credit", "amount": "500", "narration": "unmapped"},
            {"key": "fp:x:1", "date": "2026-01-07", "direction": "debit", "amount": "100", "narration": "charges"},
            {"key": "utr:3", "date": "2026-01-08", "direction": "credit", "amount": "300"},
            {"key": "utr:4", "date": "2026-02-01", "direction": "credit", "amount": "9"}
        ],
        "book_entries": [
            {"id": "E1", "date": "2026-01-05", "side": "receipt", "amount": "600", "bank_key": "utr:1"},
            {"id": "E2", "date": "2026-01-05", "side": "receipt", "amount": "400", "bank_key": "utr:1"},
            {"id": "E3", "date": "2026-01-08", "side": "receipt", "amount": "200", "bank_key": "utr:3"},
            {"id": "E4", "date": "2026-01-30", "side": "receipt", "amount": "250"},
            {"id": "E5", "date": "2026-01-31", "side": "payment", "amount": "50", "bank_key": "utr:4"}
        ]
    });
    let out = ops::call("bank_reconcile", &input.to_string()).unwrap();
    assert_eq!(out["matched"], 1);
    assert_eq!(out["bank_credits_not_in_books"]["total"], "500.00");
    assert_eq!(out["bank_debits_not_in_books"]["total"], "100.00");
    assert_eq!(out["book_receipts_not_in_bank"]["total"], "250.00");
    assert_eq!(out["book_payments_not_in_bank"]["total"], "50.00");
    assert_eq!(out["mismatches"][0]["key"], "utr:3");
    // 10500 + 250 − 50 = 10700; 9800 + 500 − 100 + (300 − 200) = 10300
    assert_eq!(out["adjusted_bank_balance"], "10700.00");
    assert_eq!(out["adjusted_book_balance"], "10300.00");
    assert_eq!(out["difference"], "400.00");
    assert_eq!(out["reconciled"], false);
}
