//! `/openapi.json`: an OpenAPI 3.1 document whose bodies are the operation JSON Schema's
//! definitions (`schema/windeep.schema.json`), under `components/schemas`.

use serde_json::{Map, Value, json};

/// One route as the document shows it.
struct Route {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    request: Option<Value>,
    response: Value,
    public: bool,
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

fn any_obj() -> Value {
    json!({"type": "object"})
}

fn routes() -> Vec<Route> {
    let member_out = obj(
        json!({"id": {"type": "string"}, "name": {"type": "string"},
        "aadhaar": {"type": ["string", "null"]}, "pan": {"type": ["string", "null"]}}),
        &["id", "name"],
    );
    let loan_event_out = obj(
        json!({"loan_id": {"type": "string"}, "event": r("LoanEventOutput"), "stored": {"type": "boolean"},
        "outcome": any_obj(), "changed": any_obj(), "state": r("LoanState")}),
        &["loan_id", "event", "stored", "state"],
    );
    let event_in = obj(
        json!({"value_date": r("Date"), "body": r("EventBody")}),
        &["value_date", "body"],
    );
    vec![
        Route {
            method: "get",
            path: "/healthz",
            summary: "Liveness and database reachability.",
            request: None,
            response: any_obj(),
            public: true,
        },
        Route {
            method: "get",
            path: "/openapi.json",
            summary: "This document.",
            request: None,
            response: any_obj(),
            public: true,
        },
        Route {
            method: "post",
            path: "/tokens",
            summary: "Creates an API token (Super Admin).",
            request: Some(obj(
                json!({"role": {"enum": ["super_admin", "manager", "accountant", "viewer", "member"]}, "name": {"type": "string"}, "member_id": {"type": ["string", "null"]}}),
                &["role", "name"],
            )),
            response: any_obj(),
            public: false,
        },
        Route {
            method: "post",
            path: "/members",
            summary: "Creates a member; Aadhaar and PAN are encrypted at rest and masked in answers.",
            request: Some(obj(
                json!({"id": {"type": "string"}, "name": {"type": "string"}, "aadhaar": {"type": ["string", "null"]}, "pan": {"type": ["string", "null"]}}),
                &["id", "name"],
            )),
            response: member_out.clone(),
            public: false,
        },
        Route {
            method: "get",
            path: "/members",
            summary: "Lists members, or finds them by Aadhaar or PAN (keyed hash).",
            request: None,
            response: any_obj(),
            public: false,
        },
        Route {
            method: "get",
            path: "/members/{id}",
            summary: "One member, masked.",
            request: None,
            response: member_out,
            public: false,
        },
        Route {
            method: "get",
            path: "/members/{id}/ledger",
            summary: "The member's ledger (member_ledger).",
            request: None,
            response: r("MemberLedger"),
            public: false,
        },
        Route {
            method: "get",
            path: "/members/{id}/accounts",
            summary: "The member's loan and savings account ids.",
            request: None,
            response: obj(
                json!({"member_id": {"type": "string"}, "loans": {"type": "array", "items": {"type": "string"}}, "savings": {"type": "array", "items": {"type": "string"}}}),
                &["member_id", "loans", "savings"],
            ),
            public: false,
        },
        Route {
            method: "post",
            path: "/products",
            summary: "Creates a product: approval bounds and fine rules.",
            request: Some(obj(
                json!({"id": {"type": "string"}, "name": {"type": "string"}, "bounds": r("ProductBounds"), "guarantor_policy": r("GuarantorPolicy"), "fine_rules": {"type": "array", "items": r("FineRule")}}),
                &["id", "name", "bounds"],
            )),
            response: any_obj(),
            public: false,
        },
        Route {
            method: "get",
            path: "/products",
            summary: "Every product.",
            request: None,
            response: any_obj(),
            public: false,
        },
        Route {
            method: "post",
            path: "/applications",
            summary: "A loan application.",
            request: Some(obj(
                json!({"id": {"type": "string"}, "member_id": {"type": "string"}, "product_id": {"type": "string"}, "application": r("LoanApplication"), "member": r("MemberFacts"), "guarantors": {"type": "array", "items": r("Guarantor")}}),
                &["id", "member_id", "product_id", "application", "member"],
            )),
            response: any_obj(),
            public: false,
        },
        Route {
            method: "get",
            path: "/applications/{id}",
            summary: "An application and its latest decision.",
            request: None,
            response: any_obj(),
            public: false,
        },
        Route {
            method: "post",
            path: "/applications/{id}/approve",
            summary: "Checks the application (approve_loan) with recorded overrides.",
            request: Some(obj(
                json!({"overrides": {"type": "array", "items": r("Override")}}),
                &[],
            )),
            response: obj(
                json!({"application_id": {"type": "string"}, "decision": r("ApprovalDecision")}),
                &["application_id", "decision"],
            ),
            public: false,
        },
        Route {
            method: "post",
            path: "/applications/{id}/disburse",
            summary: "Opens the loan of an approved application.",
            request: Some(obj(
                json!({"loan_id": {"type": "string"}, "terms": r("LoanTerms"), "policy": r("AccountPolicy")}),
                &["loan_id"],
            )),
            response: any_obj(),
            public: false,
        },
        Route {
            method: "post",
            path: "/loans",
            summary: "Opens a loan with its disbursed event.",
            request: Some(obj(
                json!({"member_id": {"type": "string"}, "product_id": {"type": ["string", "null"]}, "disbursed": r("EventBody")}),
                &["member_id", "disbursed"],
            )),
            response: any_obj(),
            public: false,
        },
        Route {
            method: "get",
            path: "/loans/{id}",
            summary: "State and statement replayed from the events (loan_statement).",
            request: None,
            response: obj(
                json!({"loan_id": {"type": "string"}, "statement": r("Replay")}),
                &["loan_id", "statement"],
            ),
            public: false,
        },
        Route {
            method: "get",
            path: "/loans/{id}/events",
            summary: "The stored events as received.",
            request: None,
            response: obj(
                json!({"events": {"type": "array", "items": r("LoanEventOutput")}}),
                &["events"],
            ),
            public: false,
        },
        Route {
            method: "get",
            path: "/loans/{id}/schedule",
            summary: "The schedule of the disbursed terms.",
            request: None,
            response: r("ScheduleReport"),
            public: false,
        },
        Route {
            method: "get",
            path: "/loans/{id}/verify",
            summary: "The event chain check (verify_chain).",
            request: None,
            response: r("ChainReport"),
            public: false,
        },
        Route {
            method: "get",
            path: "/loans/{id}/foreclosure-quote",
            summary: "What closes the loan on `on` (foreclosure_quote).",
            request: None,
            response: r("ForeclosureQuote"),
            public: false,
        },
        Route {
            method: "get",
            path: "/loans/{id}/topup-quote",
            summary: "A top-up quote (topup_quote).",
            request: None,
            response: r("TopUpQuote"),
            public: false,
        },
        Route {
            method: "post",
            path: "/loans/{id}/topup",
            summary: "A top-up in one transaction (loan_topup): the parent's topped_up event and the new loan with its disbursement.",
            request: Some(obj(
                json!({"new_loan_id": {"type": "string"}, "on": r("Date"), "amount": r("Money"), "terms": r("TopUpTerms"),
                    "policy": r("AccountPolicy"), "guarantors": {"type": "array", "items": {"type": "string"}}, "restructure": {"type": "string"}}),
                &["new_loan_id", "on", "amount", "terms"],
            )),
            response: obj(
                json!({"loan_id": {"type": "string"}, "quote": r("TopUpQuote"), "parent": any_obj(), "new_loan": any_obj()}),
                &["loan_id", "quote", "parent", "new_loan"],
            ),
            public: false,
        },
        Route {
            method: "post",
            path: "/loans/{id}/payments",
            summary: "A payment with its mode; idempotent on the UTR or the Idempotency-Key header.",
            request: Some(obj(
                json!({"amount": r("Money"), "value_date": r("Date"), "payment_mode": r("PaymentMode"), "bank_transaction": {"type": "string"}, "installment": {"type": "integer"}, "utr": {"type": "string"}}),
                &["amount", "value_date"],
            )),
            response: loan_event_out.clone(),
            public: false,
        },
        Route {
            method: "post",
            path: "/loans/{id}/events",
            summary: "Any other loan event: reversal, skip, interest-only, part payment, foreclosure, top-up, write-off, recovery, waivers.",
            request: Some(event_in.clone()),
            response: loan_event_out,
            public: false,
        },
        Route {
            method: "post",
            path: "/jobs/end-of-day",
            summary: "Fines, notifications, classification and checks for a date; once per date.",
            request: Some(obj(json!({"as_of": r("Date")}), &["as_of"])),
            response: any_obj(),
            public: false,
        },
        Route {
            method: "post",
            path: "/savings",
            summary: "Opens a savings account.",
            request: Some(obj(
                json!({"account_id": {"type": "string"}, "member": {"type": "string"}, "opened_on": r("Date"), "scheme": r("SavingsScheme"), "currency": r("Currency")}),
                &["account_id", "member", "opened_on", "scheme"],
            )),
            response: any_obj(),
            public: false,
        },
        Route {
            method: "get",
            path: "/savings/{id}",
            summary: "A savings account's schedule and passbook (savings_schedule).",
            request: None,
            response: r("SavingsStatement"),
            public: false,
        },
        Route {
            method: "post",
            path: "/savings/{id}/events",
            summary: "A savings event (savings_apply).",
            request: Some(obj(
                json!({"value_date": r("Date"), "body": r("SavingsBody")}),
                &["value_date", "body"],
            )),
            response: any_obj(),
            public: false,
        },
        Route {
            method: "post",
            path: "/bank/statements",
            summary: "Uploads a bank statement (bank_import); rows unique per bank account and UTR.",
            request: Some(r("ImportRequest")),
            response: r("ImportReport"),
            public: false,
        },
        Route {
            method: "get",
            path: "/bank/transactions",
            summary: "Stored bank transactions of an account.",
            request: None,
            response: any_obj(),
            public: false,
        },
        Route {
            method: "post",
            path: "/bank/match",
            summary: "Suggests what bank lines paid (bank_match).",
            request: Some(r("MatchInput")),
            response: r("MatchOutput"),
            public: false,
        },
        Route {
            method: "post",
            path: "/bank/mappings",
            summary: "Splits, unmaps or ignores a stored bank transaction (bank_split, bank_unmap, bank_ignore) and posts the loan payments and savings deposits it applies.",
            request: Some(obj(
                json!({"account_id": {"type": "string"}, "key": {"type": "string"}, "action": {"enum": ["split", "unmap", "ignore"]}, "parts": {"type": "array", "items": r("PartInput")}, "reason": {"type": "string"}}),
                &["account_id", "key", "action"],
            )),
            response: obj(
                json!({"mapping": r("MappingOutput"), "events": {"type": "array", "items": r("MappingEvent")}, "posted": {"type": "array"}}),
                &["mapping", "events", "posted"],
            ),
            public: false,
        },
        Route {
            method: "get",
            path: "/reports/{name}",
            summary: "trial-balance, profit-and-loss, balance-sheet, classification, portfolio, checks, postings, dashboard.",
            request: None,
            response: any_obj(),
            public: false,
        },
        Route {
            method: "post",
            path: "/webhooks/payment-gateway",
            summary: "A gateway payment, HMAC-SHA-256 signed in X-Signature; idempotent on payment_id.",
            request: Some(obj(
                json!({"payment_id": {"type": "string"}, "loan_id": {"type": "string"}, "amount": r("Money"), "paid_on": r("Date"), "method": {"type": "string"}}),
                &["payment_id", "loan_id", "amount", "paid_on"],
            )),
            response: any_obj(),
            public: true,
        },
        Route {
            method: "get",
            path: "/outbox",
            summary: "Notifications not yet delivered.",
            request: None,
            response: any_obj(),
            public: false,
        },
        Route {
            method: "get",
            path: "/audit",
            summary: "The audit log.",
            request: None,
            response: any_obj(),
            public: false,
        },
        Route {
            method: "get",
            path: "/loans/{id}/statement.pdf",
            summary: "The loan statement as a PDF: the society's name, the KFS figures, every installment and event (a member: own loans).",
            request: None,
            response: json!({"type": "string", "contentMediaType": "application/pdf"}),
            public: false,
        },
        Route {
            method: "get",
            path: "/savings/{id}/passbook.pdf",
            summary: "The savings passbook as a PDF (a member: own accounts).",
            request: None,
            response: json!({"type": "string", "contentMediaType": "application/pdf"}),
            public: false,
        },
        Route {
            method: "post",
            path: "/portal/sign-in-code",
            summary: "Sends a one-time sign-in code to the member through the outbox; 202 whether or not the member exists.",
            request: Some(obj(
                json!({"member_id": {"type": "string"}}),
                &["member_id"],
            )),
            response: obj(json!({}), &[]),
            public: true,
        },
        Route {
            method: "post",
            path: "/portal/session",
            summary: "Exchanges a sign-in code for a member token that expires.",
            request: Some(obj(
                json!({"member_id": {"type": "string"}, "code": {"type": "string"}}),
                &["member_id", "code"],
            )),
            response: obj(
                json!({"token": {"type": "string"}, "expires_at": {"type": "string"}}),
                &["token", "expires_at"],
            ),
            public: true,
        },
        Route {
            method: "post",
            path: "/loans/{id}/waiver-requests",
            summary: "The borrower asks for a fine to be waived (member token of the borrower).",
            request: Some(obj(
                json!({"amount": r("Money"), "reason": {"type": "string"}, "fine": {"type": "string"}}),
                &["amount", "reason"],
            )),
            response: obj(
                json!({"id": {"type": "string"}, "status": {"enum": ["pending"]}}),
                &["id", "status"],
            ),
            public: false,
        },
        Route {
            method: "get",
            path: "/waiver-requests",
            summary: "Fine-waiver requests, by status (staff).",
            request: None,
            response: obj(
                json!({"waiver_requests": {"type": "array", "items": any_obj()}}),
                &["waiver_requests"],
            ),
            public: false,
        },
        Route {
            method: "post",
            path: "/waiver-requests/{id}/approve",
            summary: "Approves a waiver request: the fine_waived event is appended to the loan (Manager, Super Admin).",
            request: Some(obj(json!({"note": {"type": ["string", "null"]}}), &[])),
            response: obj(
                json!({"id": {"type": "string"}, "status": {"enum": ["approved"]}, "approved_by": {"type": "string"}}),
                &["id", "status", "approved_by"],
            ),
            public: false,
        },
        Route {
            method: "post",
            path: "/waiver-requests/{id}/reject",
            summary: "Rejects a waiver request (Manager, Super Admin).",
            request: Some(obj(json!({"note": {"type": ["string", "null"]}}), &[])),
            response: obj(
                json!({"id": {"type": "string"}, "status": {"enum": ["rejected"]}, "rejected_by": {"type": "string"}}),
                &["id", "status", "rejected_by"],
            ),
            public: false,
        },
        Route {
            method: "post",
            path: "/applications/{id}/guarantor-consents",
            summary: "A guarantor named on the application consents or refuses, once (member token of the guarantor).",
            request: Some(obj(json!({"consent": {"type": "boolean"}}), &["consent"])),
            response: obj(
                json!({"application_id": {"type": "string"}, "member_id": {"type": "string"}, "consent": {"type": "boolean"}}),
                &["application_id", "member_id", "consent"],
            ),
            public: false,
        },
        Route {
            method: "get",
            path: "/audit/verify",
            summary: "Checks the audit log's hash chain.",
            request: None,
            response: obj(
                json!({"entries": {"type": "integer"}, "valid": {"type": "boolean"}, "first_broken": {"type": ["integer", "null"]}}),
                &["entries", "valid"],
            ),
            public: false,
        },
    ]
}

fn rewrite_refs(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(s)) = m.get_mut("$ref")
                && let Some(rest) = s.strip_prefix("#/$defs/")
            {
                *s = format!("#/components/schemas/{rest}");
            }
            for x in m.values_mut() {
                rewrite_refs(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// The document.
pub fn document() -> Value {
    let mut schema = windeep_ops::schema::document();
    let mut defs = schema["$defs"].take();
    rewrite_refs(&mut defs);
    if let Value::Object(m) = &mut defs {
        m.insert(
            "Error".to_owned(),
            json!({"type": "object", "properties": {"code": {"type": "string", "pattern": "^E_[A-Z_]+$"}, "message": {"type": "string"}, "field": {"type": "string"}}, "required": ["code", "message"]}),
        );
    }
    let error = json!({"description": "An error: the core's code, or a server code (E_UNAUTHENTICATED, E_FORBIDDEN, E_NOT_FOUND, E_ALREADY_EXISTS, E_BAD_SIGNATURE, E_STORAGE, E_BUSY).",
        "content": {"application/json": {"schema": r("Error")}}});
    let mut paths: Map<String, Value> = Map::new();
    for route in routes() {
        let mut params = Vec::new();
        for seg in route.path.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                params.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}));
            }
        }
        // Only the writes that read it declare it (a header nobody reads would be accepted
        // whatever it holds).
        let reads_key = !matches!(route.path, "/tokens" | "/jobs/end-of-day" | "/bank/match");
        if route.method == "post" && !route.public && reads_key {
            params.push(json!({"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 200}}));
        }
        if route.path.starts_with("/webhooks") {
            params.push(json!({"name": "X-Signature", "in": "header", "required": true, "schema": {"type": "string"}}));
        }
        let ok = if route.method == "post" { "2XX" } else { "200" };
        let media = if route.path.ends_with(".pdf") {
            "application/pdf"
        } else {
            "application/json"
        };
        let mut o = json!({
            "summary": route.summary,
            "parameters": params,
            "responses": {ok: {"description": "Success.", "content": {media: {"schema": route.response}}}, "default": error.clone()},
        });
        if let Some(req) = route.request {
            o["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": req}}});
        }
        if route.public {
            o["security"] = json!([]);
        }
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        entry[route.method] = o;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "windeep reference server", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Stores events, authorises and serves; every rule is an operation of windeep-ops."},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": defs, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    })
}
