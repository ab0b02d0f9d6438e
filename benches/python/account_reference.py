"""Independent reference implementation of the loan-account operations.

This module follows docs/account.md rule by rule, using nothing but the standard
library. It computes the expected values of the golden fixtures in
fixtures/account/ (see fixtures/tools/generate_account.py). The initial schedule of
a loan, the rounding policies and the due-date anchor come from reference.py, the
independent implementation of docs/schedule.md.

Arithmetic model
----------------
Every amount of an account is held as a whole number of minor units (paise for
INR), so sums and differences are exact. An interest, a charge or a share is the
exact value of its formula, computed as a `fractions.Fraction`, and rounded once
with the loan's row policy (`R`). A new EMI is `Remi(PMT(B, r, m))`, with PMT
computed by reference.py in 28-digit decimal.

Operations (each takes the parsed JSON input and returns the JSON output, or
raises `AccountError` with a stable `.code`):

* `allocate(inp)`
* `loan_statement(inp)`
* `loan_apply(inp)`
* `foreclosure_quote(inp)`
* `topup_quote(inp)`
* `loan_topup(inp)`
* `verify_chain(inp)`

`call(operation, inp)` dispatches by name.
"""

from __future__ import annotations

import calendar
import copy
import datetime as _dt
import decimal
import hashlib
import json
import re
from decimal import Decimal
from fractions import Fraction

import reference

__all__ = [
    "AccountError", "allocate", "loan_statement", "loan_apply", "foreclosure_quote",
    "topup_quote", "loan_topup", "verify_chain", "call", "canonical_event", "event_hash",
]


class AccountError(Exception):
    """A refusal with a stable error code."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _fail(code: str, message: str):
    raise AccountError(code, message)


# --------------------------------------------------------------------------
# Small helpers: money in minor units, rounding of exact fractions, dates
# --------------------------------------------------------------------------

PLAIN_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")

PRESETS = {
    # name: (style, component order); "fines_last" walks each due installment's interest and
    # principal oldest first, then every due installment's fine oldest first.
    "default": ("fines_last", ("interest", "principal", "fine")),
    "vertical": (True, ("interest", "principal", "fine")),
    "horizontal": (False, ("interest", "principal", "fine")),
    "legacy_fine_first": (True, ("fine", "interest", "principal")),
    "fineract_mifos": (False, ("fine", "interest", "principal")),
    "fineract_principal_first": (False, ("principal", "interest", "fine")),
}
EXCESS_POLICIES = (
    "advance_next_installments", "hold_as_member_credit", "credit_to_savings",
    "prepay_principal_reduce_emi", "prepay_principal_reduce_tenure",
)
LATER_ORDER = ("interest", "principal", "fine")  # step 4 of the waterfall
SKIP_MODES = ("extend_tenure", "capitalise_reamortise")
IO_MODES = ("append_installment", "reamortise")
PART_MODES = ("reduce_emi", "reduce_tenure")
RATE_MODES = ("keep_emi", "keep_tenure")
FORECLOSURE_RULES = ("accrued_to_date", "pct_of_remaining_scheduled", "one_month_interest")
PAYMENT_TYPES = ("payment_received", "interest_only_payment", "part_payment")
MAX_ROWS = 10000


def _parse_date(value, name):
    if not isinstance(value, str):
        _fail("E_INVALID_INPUT", f"{name} must be a date string")
    m = ISO_DATE.match(value)
    if not m:
        _fail("E_INVALID_DATE", f"{name} is not YYYY-MM-DD: {value!r}")
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        _fail("E_INVALID_DATE", f"{name} is not a calendar date: {value!r}")


def _parse_dec(value, name, code="E_INVALID_AMOUNT"):
    if not isinstance(value, str):
        _fail(code, f"{name} must be a JSON string holding a decimal")
    if not PLAIN_DECIMAL.match(value):
        _fail(code, f"{name} is not a plain decimal: {value!r}")
    return Decimal(value)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _obj(value, name, allowed, required=()):
    if not isinstance(value, dict):
        _fail("E_INVALID_INPUT", f"{name} must be an object")
    for key in value:
        if key not in allowed:
            _fail("E_INVALID_INPUT", f"unknown field {name}.{key}")
    for key in required:
        if key not in value:
            _fail("E_INVALID_INPUT", f"missing field {name}.{key}")
    return value


def _int(value, name):
    if not _is_int(value):
        _fail("E_INVALID_INPUT", f"{name} must be an integer")
    return value


def _str(value, name):
    if not isinstance(value, str):
        _fail("E_INVALID_INPUT", f"{name} must be a string")
    return value


def _enum(value, name, choices):
    if not isinstance(value, str) or value not in choices:
        _fail("E_INVALID_INPUT", f"{name} must be one of {', '.join(choices)}")
    return value


class Money:
    """Conversion between decimal strings and whole minor units of one currency."""

    def __init__(self, minor_units: int):
        self.mu = minor_units
        self.scale = 10 ** minor_units

    def units(self, value, name, positive=False):
        """A money string as whole minor units (E_INVALID_AMOUNT / E_AMOUNT_SCALE)."""
        d = _parse_dec(value, name)
        scaled = d.scaleb(self.mu)
        if scaled != scaled.to_integral_value():
            _fail("E_AMOUNT_SCALE", f"{name} has more decimals than the currency")
        n = int(scaled)
        if positive and n <= 0:
            _fail("E_INVALID_AMOUNT", f"{name} must be greater than zero")
        return n

    def text(self, units: int) -> str:
        sign = "-" if units < 0 else ""
        units = abs(units)
        if self.mu == 0:
            return f"{sign}{units}"
        return f"{sign}{units // self.scale}.{units % self.scale:0{self.mu}d}"

    def dec(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-self.mu)


def _round_half(q: Fraction, mode: str) -> int:
    """Round a fraction to an integer with a rounding mode of docs/schedule.md."""
    neg = q < 0
    a = -q if neg else q
    fl = a.numerator // a.denominator
    rem = a - fl
    if mode == "down":
        r = fl
    elif mode == "up":
        r = fl + (1 if rem > 0 else 0)
    elif mode == "half_up":
        r = fl + (1 if rem >= Fraction(1, 2) else 0)
    elif mode == "half_even":
        if rem > Fraction(1, 2):
            r = fl + 1
        elif rem < Fraction(1, 2):
            r = fl
        else:
            r = fl + (fl % 2)
    else:  # pragma: no cover
        raise ValueError(mode)
    return -r if neg else r


class Rounding:
    """A rounding policy (increment in minor units, mode) applied to exact fractions."""

    def __init__(self, increment_units: int, mode: str):
        self.inc = increment_units
        self.mode = mode

    def __call__(self, x: Fraction) -> int:
        return _round_half(Fraction(x) / self.inc, self.mode) * self.inc


def _rate_text(rate: Decimal) -> str:
    text = format(rate, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _amount_text(value: str) -> str:
    """An amount as Rust's decimal prints it: the value with the scale it was written in."""
    return format(Decimal(value), "f")


# --------------------------------------------------------------------------
# Canonical JSON and the hash chain
# --------------------------------------------------------------------------

TERMS_DEFAULTS = {
    "method": "reducing", "frequency": "monthly", "interest_basis": "30_360",
    "broken_period": "none", "fixed_due_day": None, "principal_grace": 0,
    "interest_grace": 0, "rounding": None, "emi_rounding": None, "processing_fee": None,
    "currency": {"code": "INR", "minor_units": 2}, "policy": None, "apr_decimals": 2,
}
TERMS_POLICY_DEFAULTS = {
    "max_tenure": 600, "max_annual_rate": "100",
    "min_first_due_gap_days": 7, "max_first_due_gap_days": 60,
}
ACCOUNT_POLICY_FIELDS = (
    "allocation", "skip_mode", "max_skips", "interest_only_mode", "max_interest_only",
    "foreclosure", "prepayment_charge_pct", "min_part_payment", "floating",
    "topup_min_emis_paid", "topup_max_overdue", "npa_after_days",
    "restructure_observation_months",
)
# Policy fields added later: written (and hashed) only when not at their default.
LATER_POLICY_DEFAULTS = {"floating": False, "topup_min_emis_paid": 6, "topup_max_overdue": 0,
                         "npa_after_days": 90, "restructure_observation_months": 12}
BODY_FIELDS = {
    "disbursed": (("loan_id", "terms", "guarantors"), ("policy", "bank_transaction")),
    "payment_received": (("amount",), ("installment", "payment_mode", "bank_transaction")),
    "fine_levied": (("installment", "rule_id", "amount"), ("occurrence",)),
    "fine_waived": (("installment", "rule_id", "amount", "reason"), ("occurrence",)),
    "waiver": (("installment", "component", "amount", "reason"), ()),
    "installment_skipped": (("installment",), ("mode", "restructure")),
    "interest_only_payment": (("installment", "amount"),
                              ("restructure", "payment_mode", "bank_transaction")),
    "part_payment": (("amount", "mode"), ("payment_mode", "bank_transaction")),
    "payment_reversed": (("event_id", "reason"), ()),
    "rate_changed": (("annual_rate", "mode"), ()),
    "rescheduled": ((), ("tenure", "emi", "restructure")),
    "foreclosed": (("amount",), ("payment_mode", "bank_transaction")),
    "topped_up": (("new_loan_id",), ("restructure",)),
    "written_off": (("reason",), ()),
    "settled": (("amount", "reason"), ()),
    "credit_applied": (("amount",), ()),
    "credit_refunded": (("amount", "reason"), ()),
}
OMITTED_WHEN_NULL = ("payment_mode", "bank_transaction")
PAYMENT_MODES = ("cash", "bank", "upi", "cheque", "nach", "adjustment")
EVENT_FIELDS = ("id", "sequence", "value_date", "idempotency_key", "prev_hash", "hash",
                "body")


def _canonical_terms(terms: dict) -> dict:
    out = dict(TERMS_DEFAULTS)
    out.update(terms)
    out["principal"] = _amount_text(out["principal"])
    out["annual_rate"] = _rate_text(Decimal(out["annual_rate"]))
    for key in ("rounding", "emi_rounding"):
        if out[key] is not None:
            out[key] = {"increment": _amount_text(out[key]["increment"]),
                        "mode": out[key]["mode"]}
    if out["processing_fee"] is not None:
        fee = out["processing_fee"]
        value = (_rate_text(Decimal(fee["value"])) if fee["kind"] == "percentage"
                 else _amount_text(fee["value"]))
        out["processing_fee"] = {"kind": fee["kind"], "value": value}
    pol = dict(TERMS_POLICY_DEFAULTS)
    pol.update(out["policy"] or {})
    pol["max_annual_rate"] = _rate_text(Decimal(pol["max_annual_rate"]))
    out["policy"] = pol
    return out


def _canonical_policy(policy) -> dict:
    p = _policy(policy or {})
    foreclosure = {"rule": p["foreclosure_rule"]}
    if p["foreclosure_rule"] == "pct_of_remaining_scheduled":
        foreclosure["pct"] = _rate_text(p["foreclosure_pct"])
    out = {
        "allocation": {"preset": p["preset"], "excess": p["excess"]},
        "skip_mode": p["skip_mode"], "max_skips": p["max_skips"],
        "interest_only_mode": p["interest_only_mode"],
        "max_interest_only": p["max_interest_only"],
        "foreclosure": foreclosure,
        "prepayment_charge_pct": _rate_text(p["prepayment_charge_pct"]),
        "min_part_payment": p["min_part_payment_text"],
    }
    for key, default in LATER_POLICY_DEFAULTS.items():
        if p[key] != default:
            out[key] = p[key]
    return out


def canonical_event(event: dict) -> dict:
    """The event as it is hashed: every field spelled out with its default, amounts as
    written, rates without trailing zeros, `prev_hash` left out when it is null."""
    out = {k: event[k] for k in ("id", "sequence", "value_date", "idempotency_key")}
    if event.get("prev_hash") is not None:
        out["prev_hash"] = event["prev_hash"]
    body = dict(event["body"])
    t = body["type"]
    required, optional = BODY_FIELDS[t]
    for key in optional:
        if key in OMITTED_WHEN_NULL:
            # Left out when absent or null, so the hash of a payment written before these
            # fields existed is unchanged.
            if body.get(key) is None:
                body.pop(key, None)
        else:
            body.setdefault(key, None)
    if t in ("fine_levied", "fine_waived") and body["occurrence"] is None:
        body["occurrence"] = 1
    if "restructure" in body and body["restructure"] is None:
        del body["restructure"]  # a field added later: hashed only when given
    if t == "disbursed":
        body["terms"] = _canonical_terms(body["terms"])
        body["policy"] = _canonical_policy(body["policy"])
    for key in ("amount", "emi"):
        if key in body and body[key] is not None:
            body[key] = _amount_text(body[key])
    if t == "rate_changed":
        body["annual_rate"] = _rate_text(Decimal(body["annual_rate"]))
    out["body"] = body
    return out


def _jcs_string(text: str) -> str:
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in JCS_SHORT_ESCAPES:
            out.append(JCS_SHORT_ESCAPES[ch])
        elif code < 0x20:
            out.append("\\u%04x" % code)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


JCS_SHORT_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _jcs_number(x) -> str:
    """ECMAScript Number.prototype.toString of the double `x` denotes (RFC 8785 §3.2.2.3)."""
    if isinstance(x, bool):
        raise TypeError("not a number")
    if isinstance(x, int) and abs(x) <= 2 ** 53:
        return str(x)
    f = float(x)
    if f == 0:
        return "0"
    sign = "-" if f < 0 else ""
    sign_, digits, exponent = Decimal(repr(abs(f))).normalize().as_tuple()
    ds = "".join(map(str, digits))
    k = len(ds)
    n = exponent + k  # value = 0.ds × 10^n
    if k <= n <= 21:
        body = ds + "0" * (n - k)
    elif 0 < n <= 21:
        body = ds[:n] + "." + ds[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + ds
    else:
        e = n - 1
        mant = ds[0] + ("." + ds[1:] if k > 1 else "")
        body = f"{mant}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body


def jcs(value) -> str:
    """RFC 8785 JSON Canonicalization Scheme: members sorted by UTF-16 code units, no
    white space, minimal string escapes, ECMAScript numbers."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return _jcs_number(value)
    if isinstance(value, str):
        return _jcs_string(value)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(_jcs_string(k) + ":" + jcs(value[k]) for k in keys) + "}"
    raise TypeError(f"not JSON: {type(value).__name__}")


def event_hash(event: dict) -> str:
    """SHA-256 of the event as received, RFC 8785 form, without its own `hash` member."""
    text = jcs({k: v for k, v in event.items() if k != "hash"})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------
# Policies and event parsing
# --------------------------------------------------------------------------

def _policy(raw) -> dict:
    _obj(raw, "policy", ACCOUNT_POLICY_FIELDS)
    alloc = _obj(raw.get("allocation", {}), "policy.allocation", ("preset", "excess"))
    foreclosure = _obj(raw.get("foreclosure", {"rule": "accrued_to_date"}),
                       "policy.foreclosure", ("rule", "pct"), ("rule",))
    rule = _enum(foreclosure["rule"], "policy.foreclosure.rule", FORECLOSURE_RULES)
    pct = None
    if rule == "pct_of_remaining_scheduled":
        _obj(foreclosure, "policy.foreclosure", ("rule", "pct"), ("rule", "pct"))
        pct = _parse_dec(foreclosure["pct"], "policy.foreclosure.pct", "E_INVALID_RATE")
    min_pp = raw.get("min_part_payment", "0")
    _parse_dec(min_pp, "policy.min_part_payment")
    return {
        "preset": _enum(alloc.get("preset", "default"), "policy.allocation.preset",
                        tuple(PRESETS)),
        "excess": _enum(alloc.get("excess", "advance_next_installments"),
                        "policy.allocation.excess", EXCESS_POLICIES),
        "skip_mode": _enum(raw.get("skip_mode", "extend_tenure"), "policy.skip_mode",
                           SKIP_MODES),
        "max_skips": _int(raw.get("max_skips", 2), "policy.max_skips"),
        "interest_only_mode": _enum(raw.get("interest_only_mode", "append_installment"),
                                    "policy.interest_only_mode", IO_MODES),
        "max_interest_only": _int(raw.get("max_interest_only", 6), "policy.max_interest_only"),
        "foreclosure_rule": rule,
        "foreclosure_pct": pct,
        "prepayment_charge_pct": _parse_dec(raw.get("prepayment_charge_pct", "0"),
                                            "policy.prepayment_charge_pct", "E_INVALID_RATE"),
        "min_part_payment_text": _amount_text(min_pp),
        "min_part_payment": Decimal(min_pp),
        "floating": _bool(raw.get("floating", False), "policy.floating"),
        "topup_min_emis_paid": _int(raw.get("topup_min_emis_paid", 6),
                                    "policy.topup_min_emis_paid"),
        "topup_max_overdue": _int(raw.get("topup_max_overdue", 0), "policy.topup_max_overdue"),
        "npa_after_days": _int(raw.get("npa_after_days", 90), "policy.npa_after_days"),
        "restructure_observation_months": _int(raw.get("restructure_observation_months", 12),
                                               "policy.restructure_observation_months"),
    }


def _bool(v, name):
    if not isinstance(v, bool):
        _fail("E_INVALID_INPUT", f"{name} must be true or false")
    return v


def _check_percentages(p):
    """Every percentage of the account policy is within 0..=100 (docs/account.md)."""
    checks = [("policy.prepayment_charge_pct", p["prepayment_charge_pct"])]
    if p["foreclosure_rule"] == "pct_of_remaining_scheduled":
        checks.append(("policy.foreclosure.pct", p["foreclosure_pct"]))
    for name, v in checks:
        if v < 0 or v > 100:
            _fail("E_PERCENT_OUT_OF_RANGE", f"{name} must be from 0 to 100")


def _parse_event(raw, index):
    name = f"events[{index}]"
    _obj(raw, name, EVENT_FIELDS, ("id", "sequence", "value_date", "idempotency_key", "body"))
    _str(raw["id"], f"{name}.id")
    _int(raw["sequence"], f"{name}.sequence")
    _str(raw["idempotency_key"], f"{name}.idempotency_key")
    for field in ("id", "idempotency_key"):
        if raw[field].strip() == "":
            _fail("E_BLANK_IDENTIFIER", f"{name}.{field} is blank")
    for field in ("prev_hash", "hash"):
        if raw.get(field) is not None:
            _str(raw[field], f"{name}.{field}")
    body = raw["body"]
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        _fail("E_INVALID_INPUT", f"{name}.body must be an object with a type")
    t = body["type"]
    if t not in BODY_FIELDS:
        _fail("E_INVALID_INPUT", f"unknown event type {t!r}")
    required, optional = BODY_FIELDS[t]
    _obj(body, f"{name}.body", ("type",) + required + optional, required)
    if body.get("payment_mode") is not None and body["payment_mode"] not in PAYMENT_MODES:
        _fail("E_INVALID_INPUT", f"{name}.body.payment_mode")
    if body.get("bank_transaction") is not None:
        _str(body["bank_transaction"], f"{name}.body.bank_transaction")
    return {
        "raw": raw,
        "id": raw["id"],
        "sequence": raw["sequence"],
        "value_date": _parse_date(raw["value_date"], f"{name}.value_date"),
        "key": raw["idempotency_key"],
        "type": t,
        "body": body,
    }


def _same_body(a: dict, b: dict) -> bool:
    """Bodies compared as values: defaults filled in, amounts and rates by value."""
    ca = canonical_event({"id": "", "sequence": 0, "value_date": "", "idempotency_key": "",
                          "body": a})["body"]
    cb = canonical_event({"id": "", "sequence": 0, "value_date": "", "idempotency_key": "",
                          "body": b})["body"]

    def norm(v):
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        if isinstance(v, str) and PLAIN_DECIMAL.match(v):
            return ("num", Decimal(v))
        return v
    return norm(ca) == norm(cb)


def _require_reason(body):
    reason = body.get("reason")
    if not isinstance(reason, str):
        _fail("E_INVALID_INPUT", "reason must be a string")
    if reason.strip() == "":
        _fail("E_NOT_ELIGIBLE", "a reason is required and must not be blank")


# --------------------------------------------------------------------------
# Allocation (docs/account.md "Allocation")
# --------------------------------------------------------------------------

def _allocate(amount, paid_on, dues, preset, excess_policy, target):
    """The waterfall over `dues`: a list of dicts with number, due_on, interest,
    principal, fine (unpaid amounts in minor units), oldest first. Returns
    (lines, excess) where lines are (installment, component, amount)."""
    vertical, order = PRESETS[preset]
    left = amount
    paid = {}  # (number, component) -> amount already taken in this allocation
    lines = []

    def take(d, comp):
        nonlocal left
        owed = d[comp] - paid.get((d["number"], comp), 0)
        x = min(owed, left)
        if x > 0:
            paid[(d["number"], comp)] = paid.get((d["number"], comp), 0) + x
            left -= x
            lines.append((d["number"], comp, x))

    if target is not None:
        # The targeted installment first; what is left is allocated as an untargeted
        # payment (overdue dues first), never held while anything is overdue.
        match = [d for d in dues if d["number"] == target]
        if not match:
            _fail("E_UNKNOWN_INSTALLMENT", f"installment {target} does not exist")
        for comp in order:
            if comp == "fine" and vertical == "fines_last":
                continue
            take(match[0], comp)

    due = [d for d in dues if d["due_on"] <= paid_on]
    later = [d for d in dues if d["due_on"] > paid_on]
    if vertical == "fines_last":
        for d in due:
            for comp in order:
                if comp != "fine":
                    take(d, comp)
        for d in due:
            take(d, "fine")
    elif vertical:
        for comp in order:
            for d in due:
                take(d, comp)
    else:
        for d in due:
            for comp in order:
                take(d, comp)
    if excess_policy == "advance_next_installments":
        for d in later:
            for comp in LATER_ORDER:
                take(d, comp)
    return lines, left


def _allocation_json(money, lines, excess, preset, excess_policy, target):
    return {
        "excess": money.text(excess),
        "lines": [{"amount": money.text(x), "component": c, "installment": n}
                  for n, c, x in lines],
        "policy": {"excess": excess_policy, "preset": preset},
        "target": target,
    }


def allocate(inp):
    """The `allocate` operation."""
    _obj(inp, "input", ("amount", "paid_on", "installment", "dues", "policy", "currency"),
         ("amount", "paid_on", "dues"))
    currency = _obj(inp.get("currency", {"code": "INR", "minor_units": 2}), "currency",
                    ("code", "minor_units"), ("code", "minor_units"))
    mu = _int(currency["minor_units"], "currency.minor_units")
    if not 0 <= mu <= 4:
        _fail("E_INVALID_CURRENCY", "currency.minor_units must be 0-4")
    money = Money(mu)
    policy = _obj(inp.get("policy", {}), "policy", ("preset", "excess"))
    preset = _enum(policy.get("preset", "default"), "policy.preset", tuple(PRESETS))
    excess_policy = _enum(policy.get("excess", "advance_next_installments"), "policy.excess",
                          EXCESS_POLICIES)
    target = inp.get("installment")
    if target is not None:
        _int(target, "installment")
    paid_on = _parse_date(inp["paid_on"], "paid_on")
    if not isinstance(inp["dues"], list):
        _fail("E_INVALID_INPUT", "dues must be a list")
    dues = []
    for i, d in enumerate(inp["dues"]):
        _obj(d, f"dues[{i}]", ("installment", "due_on", "interest", "principal", "fine"),
             ("installment", "due_on", "interest", "principal", "fine"))
        dues.append({
            "number": _int(d["installment"], f"dues[{i}].installment"),
            "due_on": _parse_date(d["due_on"], f"dues[{i}].due_on"),
            "interest": money.units(d["interest"], f"dues[{i}].interest"),
            "principal": money.units(d["principal"], f"dues[{i}].principal"),
            "fine": money.units(d["fine"], f"dues[{i}].fine"),
        })
        for c in ("interest", "principal", "fine"):
            if dues[-1][c] < 0:
                _fail("E_INVALID_AMOUNT", f"dues[{i}].{c} must not be negative")
    dues.sort(key=lambda d: (d["due_on"], d["number"]))
    amount = money.units(inp["amount"], "amount")
    if amount <= 0:
        _fail("E_INVALID_AMOUNT", "a payment must be greater than zero")
    lines, excess = _allocate(amount, paid_on, dues, preset, excess_policy, target)
    return _allocation_json(money, lines, excess, preset, excess_policy, target)


# --------------------------------------------------------------------------
# The loan account
# --------------------------------------------------------------------------

class Loan:
    """The state of one loan account, built by applying events in order."""

    def __init__(self, body, value_date):
        self.loan_id = _str(body["loan_id"], "loan_id")
        guarantors = body["guarantors"]
        if not isinstance(guarantors, list) or not all(isinstance(g, str) for g in guarantors):
            _fail("E_INVALID_INPUT", "guarantors must be a list of strings")
        self.guarantors = list(guarantors)
        self.policy = _policy(body.get("policy") or {})
        terms = body["terms"]
        try:
            sched = reference.schedule(copy.deepcopy(terms))
            parsed = reference._read_input(copy.deepcopy(terms))
        except reference.ReferenceError_ as err:
            raise AccountError(err.code, err.message) from None
        self.terms = terms
        _check_percentages(self.policy)
        self.floating = self.policy["floating"]
        mu = parsed["minor_units"]
        self.money = Money(mu)
        scale = 10 ** mu
        self.R = Rounding(int(parsed["R"].increment * scale), parsed["R"].mode)
        self.Remi_policy = parsed["Remi"]
        self.method = parsed["method"]
        self.frequency = parsed["frequency"]
        self.ppy = parsed["ppy"]
        self.basis = parsed["basis"]
        self.first_due = parsed["first_due_on"]
        self.disbursed_on = parsed["disbursed_on"]
        self.max_rate = Decimal(_canonical_terms(terms)["policy"]["max_annual_rate"])
        self.rate = parsed["rate"]
        self.disbursed = self.money.units(sched["principal"], "principal")
        self.emi = None if sched["emi"] is None else self.money.units(sched["emi"], "emi")
        self.rows = []
        for r in sched["installments"]:
            self.rows.append({
                "number": r["number"], "due_on": _dt.date.fromisoformat(r["due_on"]),
                "principal": self.money.units(r["principal"], "p"),
                "interest": self.money.units(r["interest"], "i"),
                "pp": 0, "ip": 0, "pw": 0, "iw": 0, "ic": 0, "pwo": 0, "iwo": 0,
                "deferred": 0, "kind": "regular", "emi": self.emi,
            })
        self.fines = []  # in levy order
        self.member_credit = 0
        self.savings = 0
        self.prepaid = 0
        self.capitalised = 0
        self.skips = 0
        self.interest_only = 0
        self.closure = None
        self.status = "active"
        # A technical write-off keeps the claim: recoveries and a settlement's waiver.
        self.written_off_on = None
        self.restructured = None  # (date, reason) of the first explicit restructure
        self.first_payment_after_restructure = None
        self.recovered = 0
        self.settlement_waived = 0

    # ---- derived figures --------------------------------------------------
    @staticmethod
    def unpaid_p(r):
        return r["principal"] - r["pp"] - r["pw"] - r["pwo"]

    @staticmethod
    def unpaid_i(r):
        return r["interest"] - r["ip"] - r["iw"] - r["ic"] - r["iwo"]

    def fine_balance(self, f):
        return f["amount"] - f["paid"] - f["waived"] - f["written_off"]

    def credit_applicable(self, on):
        if self.closure is not None:
            return 0
        due = sum(d["interest"] + d["principal"] + d["fine"] for d in self.dues()
                  if d["due_on"] <= on)
        return min(due, self.member_credit)

    def apply_lines(self, lines):
        for number, comp, x in lines:
            r = self.row(number)
            if comp == "interest":
                r["ip"] += x
            elif comp == "principal":
                r["pp"] += x
            else:
                for f in self.fines_of(number):
                    y = min(self.fine_balance(f), x)
                    f["paid"] += y
                    x -= y

    def restructure_gate(self, body, on):
        """A skip or interest-only month on a past-due installment or an SMA/NPA loan needs
        an explicit restructure with a reason; with one, the loan is flagged."""
        r = self.row(_int(body["installment"], "installment"))
        reason = body.get("restructure")
        sma = any(x["due_on"] < on and (self.unpaid_p(x) or self.unpaid_i(x)) for x in self.rows)
        if reason is not None:
            _str(reason, "restructure")
            if reason.strip() == "":
                _fail("E_NOT_ELIGIBLE", "a reason is required and must not be blank")
            if self.restructured is None:
                self.restructured = (on, reason)
        elif r["due_on"] < on or sma:
            _fail("E_RESTRUCTURE_REQUIRED", "a restructure with a reason is required")

    def restructure_json(self):
        if self.restructured is None:
            return {}
        months = self.policy["restructure_observation_months"]
        first = self.first_payment_after_restructure
        upgrade = None
        if first is not None:
            index = first.year * 12 + first.month - 1 + months
            y, m = divmod(index, 12)
            last = calendar.monthrange(y, m + 1)[1]
            upgrade = _dt.date(y, m + 1, min(first.day, last)).isoformat()
        return {"restructured": {
            "first_payment_on": None if first is None else first.isoformat(),
            "on": self.restructured[0].isoformat(), "performance_months": months,
            "reason": self.restructured[1], "upgrade_from": upgrade}}

    def topup_eligible(self, on, restructure):
        """Top-up eligibility (docs/account.md "Top-up"); returns whether the parent is NPA."""
        if restructure is not None:
            _str(restructure, "restructure")
            if restructure.strip() == "":
                _fail("E_NOT_ELIGIBLE", "a reason is required and must not be blank")
        if self.fines_due() > 0:
            _fail("E_TOPUP_NOT_ELIGIBLE", "fines are never paid from a new loan's proceeds")
        paid = [r for r in self.rows if r["kind"] == "regular" and self.unpaid_p(r) == 0
                and self.unpaid_i(r) == 0 and r["pp"] + r["ip"] > 0]
        if len(paid) < self.policy["topup_min_emis_paid"]:
            _fail("E_TOPUP_NOT_ELIGIBLE", "too few installments paid")
        past_due = [r for r in self.rows
                    if r["due_on"] < on and (self.unpaid_p(r) or self.unpaid_i(r))]
        dpd = (on - past_due[0]["due_on"]).days if past_due else 0
        npa = dpd > self.policy["npa_after_days"]
        if restructure is None:
            if npa:
                _fail("E_TOPUP_NOT_ELIGIBLE", "an NPA parent needs an explicit restructure")
            if len(past_due) > self.policy["topup_max_overdue"]:
                _fail("E_TOPUP_NOT_ELIGIBLE", "too many installments past due")
        return npa

    def claim_total(self):
        return (sum(r["pwo"] + r["iwo"] for r in self.rows)
                + sum(f["written_off"] for f in self.fines))

    def claim_owed(self):
        if self.closure is None or self.closure["type"] != "write_off":
            return 0
        return self.claim_total() - self.recovered - self.settlement_waived

    def recover(self, amount, waive, on):
        owed = self.claim_owed()
        if amount > owed:
            _fail("E_NOT_ELIGIBLE", "a recovery cannot exceed the written-off claim")
        self.recovered += amount
        self.settlement_waived += waive
        if waive > 0:
            self.closure["type"] = "settled"
            self.closure["closed_on"] = on.isoformat()
            self.status = "settled"
        if amount + waive == owed:
            self.closure["guarantors_released"] = list(self.guarantors)

    def fines_of(self, number):
        return [f for f in self.fines if f["installment"] == number]

    def outstanding_principal(self):
        return sum(self.unpaid_p(r) for r in self.rows)

    def fines_due(self):
        return sum(self.fine_balance(f) for f in self.fines)

    def everything_settled(self):
        return (all(self.unpaid_p(r) == 0 and self.unpaid_i(r) == 0 for r in self.rows)
                and self.fines_due() == 0)

    def row(self, number):
        for r in self.rows:
            if r["number"] == number:
                return r
        _fail("E_UNKNOWN_INSTALLMENT", f"installment {number} does not exist")

    def dues(self):
        out = []
        for r in self.rows:
            out.append({"number": r["number"], "due_on": r["due_on"],
                        "interest": self.unpaid_i(r), "principal": self.unpaid_p(r),
                        "fine": sum(self.fine_balance(f) for f in self.fines_of(r["number"]))})
        return out

    def last_due_on_or_before(self, d):
        dates = [r["due_on"] for r in self.rows if r["due_on"] <= d]
        return max(dates) if dates else self.disbursed_on

    # ---- interest --------------------------------------------------------
    def due_date(self, k):
        return reference._due_date(self.first_due, self.frequency, k)

    def period_interest(self, balance, k, rate=None):
        """Exact interest of period k on `balance` (minor units) at `rate`."""
        a = Fraction(self.rate if rate is None else rate)
        if self.basis == "30_360":
            return balance * a / (100 * self.ppy)
        start, end = self.due_date(k - 1), self.due_date(k)
        if self.basis == "actual_365":
            return balance * a * (end - start).days / 36500
        return balance * a * reference._actual_actual_numerator(start, end) / (100 * 133590)

    def accrued(self, balance, days, rate=None):
        """R(balance × rate × days / 36500)."""
        a = Fraction(self.rate if rate is None else rate)
        return self.R(balance * a * days / 36500)

    def pmt(self, balance, m, rate=None):
        """Remi(PMT(balance, r, m)) in minor units."""
        with decimal.localcontext(reference.CONTEXT):
            p = reference._level_payment(self.money.dec(balance),
                                         self.rate if rate is None else rate, self.ppy, m)
            e = self.Remi_policy.apply(p)
        return int(e.scaleb(self.money.mu))

    # ---- re-amortisation ------------------------------------------------
    def amortise(self, balance, j, emi, count=None, first_reduction=0, rate=None):
        """Rows from j at EMI `emi` on `balance`: `count` rows (the last takes what is
        left), or until repaid when count is None. The first row's interest is reduced by
        `first_reduction`."""
        rows = []
        k = j
        bal = balance
        while bal > 0:
            if len(rows) >= MAX_ROWS:
                _fail("E_NEGATIVE_AMORTISATION", "the EMI does not repay the balance")
            interest = self.R(self.period_interest(bal, k, rate))
            if k == j:
                interest -= first_reduction
            if count is not None and k == j + count - 1:
                principal = bal
            else:
                principal = emi - interest
                if principal <= 0:
                    _fail("E_NEGATIVE_AMORTISATION",
                          f"installment {k}: the EMI does not cover the interest")
                if principal > bal:
                    principal = bal
            rows.append({"number": k, "due_on": self.due_date(k), "principal": principal,
                         "interest": interest, "pp": 0, "ip": 0, "pw": 0, "iw": 0,
                         "ic": 0, "pwo": 0, "iwo": 0,
                         "deferred": 0, "kind": "regular", "emi": emi})
            bal -= principal
            k += 1
        return rows

    def replace_from(self, j, new_rows):
        self.rows = [r for r in self.rows if r["number"] < j] + new_rows

    def require_reducing(self):
        if self.method != "reducing":
            _fail("E_NOT_ELIGIBLE", "restructures apply to reducing-balance loans only")

    def require_untouched(self, rows):
        for r in rows:
            if r["pp"] or r["ip"] or r["pw"] or r["iw"] or r["ic"] or r["pwo"] or r["iwo"]:
                _fail("E_NOT_ELIGIBLE", f"installment {r['number']} has been paid or waived")

    def close(self, on, kind, successor=None):
        self.closure = {"closed_on": on.isoformat(), "guarantors_released": list(self.guarantors),
                        "type": kind}
        if successor is not None:
            self.closure["successor_loan_id"] = successor
        self.status = {"regular": "closed", "foreclosure": "foreclosed", "topup": "topped_up",
                       "write_off": "written_off"}[kind]

    # ---- events ---------------------------------------------------------
    def payment(self, e):
        body = e["body"]
        amount = self.money.units(body["amount"], "amount")
        if amount <= 0:
            _fail("E_INVALID_AMOUNT", "a payment must be greater than zero")
        target = body.get("installment")
        if target is not None:
            _int(target, "installment")
        preset, excess_policy = self.policy["preset"], self.policy["excess"]
        lines, excess = _allocate(amount, e["value_date"], self.dues(), preset, excess_policy,
                                  target)
        for number, comp, x in lines:
            r = self.row(number)
            if comp == "interest":
                r["ip"] += x
            elif comp == "principal":
                r["pp"] += x
            else:
                for f in self.fines_of(number):
                    y = min(self.fine_balance(f), x)
                    f["paid"] += y
                    x -= y
        outcome = {"event_id": e["id"], "result": "applied",
                   "allocation": _allocation_json(self.money, lines, excess, preset,
                                                  excess_policy, target)}
        if excess > 0:
            if excess_policy == "credit_to_savings":
                self.savings += excess
                outcome["excess_to"] = "savings"
            elif excess_policy.startswith("prepay_principal"):
                mode = "reduce_emi" if excess_policy.endswith("emi") else "reduce_tenure"
                collected = self.part_payment_amount(excess, e["value_date"], mode, True)
                if collected is None:
                    self.member_credit += excess
                    outcome["excess_to"] = "member_credit"
                else:
                    outcome["excess_to"] = "principal_prepayment"
                    outcome["interest_collected"] = self.money.text(collected)
            else:
                self.member_credit += excess
                outcome["excess_to"] = "member_credit"
        return outcome

    def part_payment_amount(self, amount, on, mode, from_excess=False):
        """A part payment of `amount` on date `on`; returns the accrued interest collected,
        or None when (for an excess) it would repay everything."""
        if self.method != "flat":
            self.require_reducing()
        for r in self.rows:
            if r["due_on"] <= on and (self.unpaid_p(r) or self.unpaid_i(r)):
                _fail("E_ARREARS_OUTSTANDING", f"installment {r['number']} is unpaid")
        if self.fines_due() > 0:
            _fail("E_ARREARS_OUTSTANDING", "fines are unpaid")
        B = self.outstanding_principal()
        if self.method == "flat":
            return self.flat_part_payment(amount, on, mode, B, from_excess)
        last = self.last_due_on_or_before(on)
        d = (on - last).days
        a = self.accrued(B, d)
        principal_part = amount - a
        if from_excess and principal_part >= B:
            return None
        min_units = self.policy["min_part_payment"].scaleb(self.money.mu)
        if principal_part <= 0 or principal_part >= B or amount < min_units:
            _fail("E_PART_PAYMENT_AMOUNT",
                  "the principal part must be positive and below the outstanding principal, "
                  "and the amount at least the minimum")
        after = [r for r in self.rows if r["due_on"] > on]
        self.require_untouched(after)
        j = after[0]["number"]
        B2 = B - principal_part
        reduction = self.accrued(B2, d)
        if mode == "reduce_emi":
            emi = self.pmt(B2, len(after))
            new = self.amortise(B2, j, emi, count=len(after), first_reduction=reduction)
        else:
            new = self.amortise(B2, j, after[0]["emi"], first_reduction=reduction)
        self.replace_from(j, new)
        self.prepaid += principal_part
        return a

    def flat_part_payment(self, amount, on, mode, B, from_excess):
        """docs/account.md, flat loans: the whole amount is principal; the remaining rows get
        flat interest on the remaining principal for each of their periods."""
        if from_excess and amount >= B:
            return None
        min_units = self.policy["min_part_payment"].scaleb(self.money.mu)
        if amount <= 0 or amount >= B or amount < min_units:
            _fail("E_PART_PAYMENT_AMOUNT", "the amount must be below the outstanding principal")
        after = [r for r in self.rows if r["due_on"] > on]
        if not after:
            _fail("E_NOT_ELIGIBLE", "no installment is left")
        self.require_untouched(after)
        j = after[0]["number"]
        B2 = B - amount
        n = len(after)
        part = self.R(Fraction(B2, n)) if mode == "reduce_emi" else after[0]["principal"]
        if part <= 0:
            _fail("E_NOT_ELIGIBLE", "the principal part would be zero")
        rows, left, k = [], B2, j
        while left > 0:
            last = mode == "reduce_emi" and len(rows) + 1 >= n
            principal = left if last else min(part, left)
            interest = self.R(self.period_interest(B2, k))
            rows.append({"number": k, "due_on": self.due_date(k), "principal": principal,
                         "interest": interest, "pp": 0, "ip": 0, "pw": 0, "iw": 0,
                         "ic": 0, "pwo": 0, "iwo": 0, "deferred": 0, "kind": "regular",
                         "emi": after[0]["emi"]})
            left -= principal
            k += 1
        self.replace_from(j, rows)
        self.prepaid += amount
        return 0

    def apply(self, e):
        t, body, on = e["type"], e["body"], e["value_date"]
        outcome = {"event_id": e["id"], "result": "applied"}
        if t == "payment_received":
            if self.restructured is not None and self.first_payment_after_restructure is None:
                self.first_payment_after_restructure = on
            if self.closure is not None:  # a recovery on a written-off loan
                amount = self.money.units(body["amount"], "amount")
                if amount <= 0:
                    _fail("E_INVALID_AMOUNT", "a payment must be greater than zero")
                self.recover(amount, 0, on)
                return outcome
            return self.payment(e)
        if t == "credit_applied":
            # Member credit to the dues fallen due by the date, in the allocation order.
            amount = self.money.units(body["amount"], "amount", positive=True)
            if amount > self.credit_applicable(on):
                _fail("E_NOT_ELIGIBLE", "more than the member credit or the dues due")
            lines, _ = _allocate(amount, on, self.dues(), self.policy["preset"],
                                 "hold_as_member_credit", None)
            self.member_credit -= amount
            self.apply_lines(lines)
            outcome["allocation"] = _allocation_json(self.money, lines, 0, self.policy["preset"],
                                                     "hold_as_member_credit", None)
            return outcome
        if t == "credit_refunded":
            _require_reason(body)
            amount = self.money.units(body["amount"], "amount", positive=True)
            if amount > self.member_credit:
                _fail("E_NOT_ELIGIBLE", "a refund cannot exceed the member credit")
            self.member_credit -= amount
            return outcome
        if t == "settled":
            _require_reason(body)
            if self.closure is None:
                _fail("E_NOT_ELIGIBLE", "a compromise settlement is for a written-off loan")
            amount = self.money.units(body["amount"], "amount", positive=True)
            owed = self.claim_owed()
            if amount > owed:
                _fail("E_NOT_ELIGIBLE", "a settlement cannot exceed the claim still owed")
            self.recover(amount, owed - amount, on)
            return outcome
        if t == "fine_levied":
            number = _int(body["installment"], "installment")
            self.row(number)
            rule = _str(body["rule_id"], "rule_id")
            occ = _int(body.get("occurrence") if body.get("occurrence") is not None else 1,
                       "occurrence")
            amount = self.money.units(body["amount"], "amount")
            exists = any((f["installment"], f["rule_id"], f["occurrence"]) == (number, rule, occ)
                         for f in self.fines)
            # A re-amount may bring an existing fine to 0 (the fine job after a back-dated
            # payment); a new fine must be above 0.
            if amount < 0 or (amount == 0 and not exists):
                _fail("E_INVALID_AMOUNT", "a fine must be greater than zero")
            for f in self.fines:
                if (f["installment"], f["rule_id"], f["occurrence"]) == (number, rule, occ):
                    f["amount"] = max(amount, f["paid"] + f["waived"])
                    break
            else:
                self.fines.append({"installment": number, "rule_id": rule, "occurrence": occ,
                                   "amount": amount, "paid": 0, "waived": 0,
                                   "written_off": 0})
            return outcome
        if t == "fine_waived":
            _require_reason(body)
            number = _int(body["installment"], "installment")
            occ = body.get("occurrence") if body.get("occurrence") is not None else 1
            amount = self.money.units(body["amount"], "amount", positive=True)
            for f in self.fines:
                if (f["installment"], f["rule_id"], f["occurrence"]) == (number, body["rule_id"],
                                                                         occ):
                    f["waived"] += min(amount, self.fine_balance(f))
                    return outcome
            _fail("E_NOT_ELIGIBLE", "no such fine")
        if t == "waiver":
            _require_reason(body)
            r = self.row(_int(body["installment"], "installment"))
            comp = _enum(body["component"], "component", ("interest", "principal"))
            amount = self.money.units(body["amount"], "amount", positive=True)
            if comp == "interest":
                r["iw"] += min(amount, self.unpaid_i(r))
            else:
                r["pw"] += min(amount, self.unpaid_p(r))
            return outcome
        if t == "installment_skipped":
            self.restructure_gate(body, on)
            self.skip(body)
            return outcome
        if t == "interest_only_payment":
            self.restructure_gate(body, on)
            self.interest_only_month(body)
            return outcome
        if t == "part_payment":
            amount = self.money.units(body["amount"], "amount", positive=True)
            mode = _enum(body["mode"], "mode", PART_MODES)
            a = self.part_payment_amount(amount, on, mode)
            outcome["interest_collected"] = self.money.text(a)
            return outcome
        if t == "payment_reversed":
            return outcome  # its target was taken out of the fold
        if t == "rate_changed":
            self.rate_reset(body, on)
            return outcome
        if t == "rescheduled":
            self.reschedule(body, on)
            return outcome
        if t == "foreclosed":
            amount = self.money.units(body["amount"], "amount")
            q = self.quote(on)
            if amount != q["total"]:
                _fail("E_FORECLOSURE_AMOUNT",
                      f"the foreclosure must pay exactly {self.money.text(q['total'])}")
            self.settle(on)
            self.close(on, "foreclosure")
            outcome["charge_collected"] = self.money.text(q["prepayment_charge"])
            outcome["interest_collected"] = self.money.text(q["foreclosure_interest"])
            return outcome
        if t == "topped_up":
            _str(body["new_loan_id"], "new_loan_id")
            if self.topup_eligible(on, body.get("restructure")):
                outcome["interest_to_suspense"] = self.money.text(
                    sum(self.unpaid_i(r) for r in self.rows if r["due_on"] <= on))
            self.settle(on)
            self.close(on, "topup", body["new_loan_id"])
            return outcome
        if t == "written_off":
            _require_reason(body)
            # Technical write-off: dues due by then and all principal stay a claim; future
            # interest is cancelled; guarantors stay bound.
            for r in self.rows:
                r["pwo"] += self.unpaid_p(r)
                if r["due_on"] <= on:
                    r["iwo"] += self.unpaid_i(r)
                else:
                    r["ic"] += self.unpaid_i(r)
            for f in self.fines:
                f["written_off"] += self.fine_balance(f)
            self.close(on, "write_off")
            self.closure["guarantors_released"] = []
            self.written_off_on = on
            return outcome
        _fail("E_INVALID_EVENT", f"a second {t} event")

    def settle(self, on):
        """Settle every due: principal, interest due on or before `on` and fines are paid;
        the interest of later installments is cancelled (shown as cancelled)."""
        for r in self.rows:
            r["pp"] += self.unpaid_p(r)
            if r["due_on"] <= on:
                r["ip"] += self.unpaid_i(r)
            else:
                r["ic"] += self.unpaid_i(r)
        for f in self.fines:
            f["paid"] += self.fine_balance(f)

    def skip(self, body):
        number = _int(body["installment"], "installment")
        mode = body.get("mode")
        mode = self.policy["skip_mode"] if mode is None else _enum(mode, "mode", SKIP_MODES)
        flat = self.method == "flat" and mode == "extend_tenure"
        if not flat:
            self.require_reducing()
        r = self.row(number)
        if number == self.rows[-1]["number"]:
            _fail("E_NOT_ELIGIBLE", "the last installment cannot be skipped")
        if r["kind"] != "regular":
            _fail("E_NOT_ELIGIBLE", f"installment {number} is already restructured")
        replaced = [x for x in self.rows if x["number"] >= number]
        self.require_untouched(replaced)
        if self.skips >= self.policy["max_skips"]:
            _fail("E_RESTRUCTURE_LIMIT", "the loan has used all its skips")
        I = r["interest"]
        B = sum(x["principal"] for x in replaced) + I
        m = len(replaced) - 1
        if flat:
            # The skipped installment (principal and capitalised interest) moves to one row
            # after the last, with no interest of its own.
            k = self.rows[-1]["number"] + 1
            self.rows.append({"number": k, "due_on": self.due_date(k),
                              "principal": r["principal"] + I, "interest": 0, "pp": 0,
                              "ip": 0, "pw": 0, "iw": 0, "ic": 0, "pwo": 0, "iwo": 0,
                              "deferred": 0, "kind": "regular", "emi": r["emi"]})
            r.update(principal=0, interest=0, kind="skipped")
            self.capitalised += I
            self.skips += 1
            return
        if mode == "extend_tenure":
            # The EMI is kept: as many rows as repay the balance, the last one smaller.
            new = self.amortise(B, number + 1, r["emi"])
        else:
            emi = self.pmt(B, m)
            new = self.amortise(B, number + 1, emi, count=m)
        r.update(principal=0, interest=0, kind="skipped")
        self.replace_from(number + 1, new)
        self.capitalised += I
        self.skips += 1

    def reschedule(self, body, on):
        """docs/account.md "Reschedule": the rows due after `on` re-amortised from their
        scheduled principal over `tenure` rows or at `emi` until repaid."""
        tenure, emi = body.get("tenure"), body.get("emi")
        if emi is not None:
            emi = self.money.units(emi, "emi", positive=True)
        if tenure is not None:
            tenure = _int(tenure, "tenure")
        if (tenure is None) == (emi is None) or tenure == 0:
            _fail("E_INVALID_EVENT", "a reschedule names exactly one of tenure (> 0) and emi")
        after = [r for r in self.rows if r["due_on"] > on]
        if not after:
            _fail("E_NOT_ELIGIBLE", "no installment is left to reschedule")
        self.restructure_gate({"installment": after[0]["number"],
                               "restructure": body.get("restructure")}, on)
        self.require_reducing()
        self.require_untouched(after)
        B = sum(r["principal"] for r in after)
        j = after[0]["number"]
        if tenure is not None:
            new = self.amortise(B, j, self.pmt(B, tenure), count=tenure)
        else:
            new = self.amortise(B, j, emi)
        self.replace_from(j, new)

    def interest_only_month(self, body):
        number = _int(body["installment"], "installment")
        self.require_reducing()
        r = self.row(number)
        amount = self.money.units(body["amount"], "amount", positive=True)
        if r["kind"] != "regular" or r["pp"] or r["pw"]:
            _fail("E_NOT_ELIGIBLE", f"installment {number} cannot be made interest-only")
        later = [x for x in self.rows if x["number"] > number]
        self.require_untouched(later)
        if self.interest_only >= self.policy["max_interest_only"]:
            _fail("E_RESTRUCTURE_LIMIT", "the loan has used all its interest-only months")
        if amount != self.unpaid_i(r):
            _fail("E_NOT_ELIGIBLE", "an interest-only payment must equal the unpaid interest")
        B = sum(x["principal"] for x in self.rows if x["number"] >= number)
        m = len(later)
        if self.policy["interest_only_mode"] == "append_installment":
            new = self.amortise(B, number + 1, r["emi"], count=m + 1)
        else:
            if m == 0:
                _fail("E_NOT_ELIGIBLE", "no installment is left to re-amortise over")
            emi = self.pmt(B, m)
            new = self.amortise(B, number + 1, emi, count=m)
        r.update(ip=r["ip"] + amount, deferred=r["principal"], principal=0,
                 kind="interest_only")
        self.replace_from(number + 1, new)
        self.interest_only += 1

    def rate_reset(self, body, on):
        rate = _parse_dec(body["annual_rate"], "annual_rate", "E_INVALID_RATE")
        mode = _enum(body["mode"], "mode", RATE_MODES)
        self.require_reducing()
        if rate < 0:
            _fail("E_NEGATIVE_RATE", "annual_rate must not be negative")
        if rate > self.max_rate:
            _fail("E_RATE_EXCEEDS_CAP", "annual_rate above the terms' cap")
        after = [r for r in self.rows if r["due_on"] > on]
        # The rows re-amortised are the untouched ones: an installment after D that is
        # already (partly) paid keeps its terms; every row after it must be untouched.
        while after and (after[0]["pp"] or after[0]["ip"] or after[0]["pw"] or after[0]["iw"]):
            after = after[1:]
        if not after:
            _fail("E_NOT_ELIGIBLE", "no untouched installment is due after the date")
        self.require_untouched(after)
        j = after[0]["number"]
        B = sum(r["principal"] for r in after)
        # A reset inside row j's period splits its interest: the old rate up to the reset
        # date, the new rate after it, apportioned by actual days; rounded once.
        start, end = self.due_date(j - 1), self.due_date(j)
        reduction = 0
        if start < on < end:
            whole = (end - start).days
            before = (on - start).days
            split = (self.period_interest(B, j) * before
                     + self.period_interest(B, j, rate) * (whole - before)) / whole
            reduction = self.R(self.period_interest(B, j, rate)) - self.R(split)
        if mode == "keep_tenure":
            emi = self.pmt(B, len(after), rate)
            new = self.amortise(B, j, emi, count=len(after), first_reduction=reduction,
                                rate=rate)
        else:
            new = self.amortise(B, j, after[0]["emi"], first_reduction=reduction, rate=rate)
        self.replace_from(j, new)
        self.rate = rate
        self.floating = True  # the first reset makes the loan floating

    # ---- quotes --------------------------------------------------------
    def quote(self, on):
        P = self.outstanding_principal()
        interest_due = sum(self.unpaid_i(r) for r in self.rows if r["due_on"] <= on)
        # A floating-rate loan to an individual: no foreclosure or prepayment charge.
        rule = "accrued_to_date" if self.floating else self.policy["foreclosure_rule"]
        if rule == "accrued_to_date":
            fi = self.accrued(P, (on - self.last_due_on_or_before(on)).days)
        elif rule == "pct_of_remaining_scheduled":
            later = sum(self.unpaid_i(r) for r in self.rows if r["due_on"] > on)
            fi = self.R(Fraction(self.policy["foreclosure_pct"]) / 100 * later)
        else:
            fi = self.R(P * Fraction(self.rate) / (100 * self.ppy))
        pct = 0 if self.floating else Fraction(self.policy["prepayment_charge_pct"])
        charge = self.R(P * pct / 100)
        fines = self.fines_due()
        return {"principal": P, "interest_due": interest_due, "foreclosure_interest": fi,
                "prepayment_charge": charge, "fines": fines,
                "total": P + interest_due + fi + charge + fines}

    # ---- output ---------------------------------------------------------
    def state_json(self, as_of):
        t = self.money.text
        rows = []
        dpd_max = 0
        next_due = None
        emi = None
        for r in self.rows:
            unpaid = self.unpaid_p(r) + self.unpaid_i(r)
            paid = r["pp"] + r["ip"]
            waived = r["pw"] + r["iw"]
            written_off = r["pwo"] + r["iwo"]
            if r["kind"] == "skipped":
                status = "skipped"
            elif r["kind"] == "interest_only" and unpaid == 0:
                status = "interest_only"
            elif written_off > 0:
                status = "written_off"
            elif unpaid == 0 and paid == 0 and waived > 0:
                status = "waived"
            elif unpaid == 0 and paid == 0 and r["ic"] > 0:
                status = "cancelled"
            elif unpaid == 0:
                status = "paid"
            elif r["due_on"] < as_of:
                status = "overdue"
            elif paid > 0:
                status = "partial"
            elif r["due_on"] == as_of:
                status = "due"
            else:
                status = "upcoming"
            dpd = (as_of - r["due_on"]).days if status == "overdue" else 0
            dpd_max = max(dpd_max, dpd)
            if unpaid > 0 and next_due is None:
                next_due = r["due_on"]
            if unpaid > 0 and r["kind"] == "regular" and emi is None:
                emi = r["principal"] + r["interest"]
            rows.append({
                "cancelled": t(r["ic"]),
                "days_past_due": dpd,
                "deferred_principal": t(r["deferred"]),
                "due_on": r["due_on"].isoformat(),
                "fines_due": t(sum(self.fine_balance(f) for f in self.fines_of(r["number"]))),
                "interest": t(r["interest"]),
                "interest_paid": t(r["ip"]),
                "number": r["number"],
                "principal": t(r["principal"]),
                "principal_paid": t(r["pp"]),
                "status": status,
                "unpaid": t(unpaid),
                "waived": t(waived),
                "written_off": t(written_off),
            })
        return {
            "annual_rate": _rate_text(self.rate),
            "as_of": as_of.isoformat(),
            "closure": copy.deepcopy(self.closure),
            "credited_to_savings": t(self.savings),
            "days_past_due": dpd_max,
            "emi": None if emi is None else t(emi),
            "fines": [{
                "amount": t(f["amount"]), "balance": t(self.fine_balance(f)),
                "installment": f["installment"],
                "key": f"{self.loan_id}/{f['installment']}/{f['rule_id']}/{f['occurrence']}",
                "occurrence": f["occurrence"], "paid": t(f["paid"]), "rule_id": f["rule_id"],
                "waived": t(f["waived"]), "written_off": t(f["written_off"]),
            } for f in self.fines],
            "fines_due": t(self.fines_due()),
            "future_interest": t(sum(self.unpaid_i(r) for r in self.rows if r["due_on"] > as_of)),
            "installments": rows,
            "interest_due": t(sum(self.unpaid_i(r) for r in self.rows if r["due_on"] <= as_of)),
            "interest_only_used": self.interest_only,
            "loan_id": self.loan_id,
            "member_credit": t(self.member_credit),
            "next_due_on": None if next_due is None else next_due.isoformat(),
            "outstanding_principal": t(self.outstanding_principal()),
            "principal_capitalised": t(self.capitalised),
            "principal_disbursed": t(self.disbursed),
            "principal_prepaid": t(self.prepaid),
            "skips_used": self.skips,
            "status": self.status,
            **self.write_off_json(),
            **self.restructure_json(),
        }

    def write_off_json(self):
        if self.written_off_on is None:
            return {}
        t = self.money.text
        p = sum(r["pwo"] for r in self.rows)
        i = sum(r["iwo"] for r in self.rows)
        f = sum(x["written_off"] for x in self.fines)
        total = p + i + f
        return {"write_off": {
            "fines": t(f), "interest": t(i), "principal": t(p),
            "recovered": t(self.recovered), "settlement_waived": t(self.settlement_waived),
            "still_owed": t(total - self.recovered - self.settlement_waived),
            "total": t(total), "written_off_on": self.written_off_on.isoformat(),
        }}


# --------------------------------------------------------------------------
# The fold
# --------------------------------------------------------------------------

def _read_events(raw_events):
    if not isinstance(raw_events, list):
        _fail("E_INVALID_INPUT", "events must be a list")
    events = [_parse_event(e, i) for i, e in enumerate(raw_events)]
    ids, seqs = set(), set()
    for e in events:
        if e["id"] in ids:
            _fail("E_INVALID_EVENT", f"duplicate event id {e['id']!r}")
        if e["sequence"] in seqs:
            _fail("E_INVALID_EVENT", f"duplicate sequence {e['sequence']}")
        ids.add(e["id"])
        seqs.add(e["sequence"])
    if not events:
        _fail("E_INVALID_EVENT", "an account needs a disbursed event")
    first = min(events, key=lambda e: e["sequence"])
    if first["type"] != "disbursed":
        _fail("E_INVALID_EVENT", "the event with the lowest sequence must be disbursed")
    if first["value_date"] != _parse_date(first["body"]["terms"].get("disbursed_on"),
                                          "terms.disbursed_on"):
        _fail("E_INVALID_EVENT", "the disbursement is not dated on terms.disbursed_on")
    for e in events:
        if e["value_date"] < first["value_date"]:
            _fail("E_INVALID_EVENT", f"event {e['id']} is dated before the disbursement")
        if e["type"] == "disbursed" and e is not first:
            _fail("E_INVALID_EVENT", f"event {e['id']}: a second disbursement")
    return events


def _fold(events, as_of):
    """Apply the events dated on or before `as_of` to a loan, in (value date, sequence)
    order. Returns (loan, outcomes in fold order); loan is None before disbursement."""
    # Idempotency, in sequence order.
    duplicates = {}
    first_by_key = {}
    for e in sorted(events, key=lambda e: e["sequence"]):
        if e["key"] in first_by_key:
            first = first_by_key[e["key"]]
            if not _same_body(first["body"], e["body"]):
                _fail("E_IDEMPOTENCY_CONFLICT",
                      f"idempotency key {e['key']!r} was used for a different event")
            duplicates[e["id"]] = first["id"]
        else:
            first_by_key[e["key"]] = e
    by_id = {e["id"]: e for e in events}
    ordered = sorted(events, key=lambda e: (e["value_date"], e["sequence"]))

    def effective(e):
        return e["value_date"] <= as_of

    # Every reversal (not itself a duplicate) must name an applied earlier payment that no
    # other reversal names; those on or before as_of take their target out of the fold.
    reversed_ids = set()
    named = set()
    for e in sorted(events, key=lambda e: e["sequence"]):
        if e["type"] != "payment_reversed" or e["id"] in duplicates:
            continue
        target_id = e["body"]["event_id"]
        _str(target_id, "event_id")
        if target_id not in by_id:
            _fail("E_UNKNOWN_EVENT", f"no event with id {target_id!r}")
        target = by_id[target_id]
        if (target["type"] not in PAYMENT_TYPES or target["sequence"] >= e["sequence"]
                or target["value_date"] > e["value_date"]):
            _fail("E_INVALID_EVENT", f"{e['id']} can only reverse an earlier payment")
        if target_id in duplicates:
            _fail("E_INVALID_REVERSAL", f"{e['id']} reverses a duplicate that never applied")
        if target_id in named:
            _fail("E_INVALID_REVERSAL", f"{e['id']} reverses a payment reversed already")
        named.add(target_id)
        _require_reason(e["body"])
        if effective(e):
            reversed_ids.add(target_id)

    loan = None
    outcomes = []
    for e in ordered:
        if e["id"] in duplicates:
            outcomes.append({"duplicate_of": duplicates[e["id"]], "event_id": e["id"],
                             "result": "duplicate"})
            continue
        if not effective(e):
            outcomes.append({"event_id": e["id"], "result": "not_yet_effective"})
            continue
        if e["id"] in reversed_ids:
            outcomes.append({"event_id": e["id"], "result": "reversed"})
            continue
        if loan is None:
            loan = Loan(e["body"], e["value_date"])
            outcomes.append({"event_id": e["id"], "result": "applied"})
            continue
        recovery = e["type"] in ("payment_received", "settled") and loan.claim_owed() > 0
        if loan.closure is not None and not recovery:
            _fail("E_LOAN_CLOSED", f"loan {loan.loan_id} is closed")
        outcomes.append(loan.apply(e))
        if loan.closure is None and loan.everything_settled():
            loan.close(e["value_date"], "regular")
    return loan, outcomes


def _opened(loan):
    if loan is None:
        _fail("E_INVALID_EVENT", "the loan is not disbursed on the date")
    return loan


def _statement(raw_events, as_of):
    events = _read_events(raw_events)
    loan, outcomes = _fold(events, as_of)
    return {"outcomes": outcomes, "state": _opened(loan).state_json(as_of)}


def loan_statement(inp):
    """The `loan_statement` operation."""
    _obj(inp, "input", ("events", "as_of"), ("events", "as_of"))
    return _statement(inp["events"], _parse_date(inp["as_of"], "as_of"))


def loan_apply(inp):
    """The `loan_apply` operation: append one event and report changed allocations."""
    _obj(inp, "input", ("events", "event", "as_of"), ("events", "event", "as_of"))
    as_of = _parse_date(inp["as_of"], "as_of")
    before = _statement(inp["events"], as_of)
    after = _statement(list(inp["events"]) + [inp["event"]], as_of)
    old = {o["event_id"]: o.get("allocation") for o in before["outcomes"]}
    changed = []
    for o in after["outcomes"]:
        was = old.get(o["event_id"])
        if was is None:
            continue
        now = o.get("allocation")
        if now is None:
            # The payment left the fold: its replacement allocates nothing.
            decimals = len(was["excess"].split(".")[1]) if "." in was["excess"] else 0
            zero = "0" if decimals == 0 else "0." + "0" * decimals
            now = {"excess": zero, "lines": [], "policy": was["policy"], "target": was["target"]}
        if now != was:
            changed.append({"event_id": o["event_id"], "replacement": now, "reversal": was})
    return {"changed": changed, "replay": after}


def foreclosure_quote(inp):
    """The `foreclosure_quote` operation."""
    _obj(inp, "input", ("events", "settlement_on"), ("events", "settlement_on"))
    on = _parse_date(inp["settlement_on"], "settlement_on")
    loan, _ = _fold(_read_events(inp["events"]), on)
    if _opened(loan).closure is not None:
        _fail("E_LOAN_CLOSED", f"loan {loan.loan_id} is closed")
    q = loan.quote(on)
    t = loan.money.text
    rule = {"rule": "accrued_to_date" if loan.floating else loan.policy["foreclosure_rule"]}
    if rule["rule"] == "pct_of_remaining_scheduled":
        rule["pct"] = _rate_text(loan.policy["foreclosure_pct"])
    floating = {"floating": True} if loan.floating else {}
    return {
        **floating,
        "fines": t(q["fines"]),
        "foreclosure_interest": t(q["foreclosure_interest"]),
        "interest_due": t(q["interest_due"]),
        "prepayment_charge": t(q["prepayment_charge"]),
        "principal": t(q["principal"]),
        "rule": rule,
        "settlement_on": on.isoformat(),
        "total": t(q["total"]),
    }


def topup_quote(inp):
    """The `topup_quote` operation."""
    _obj(inp, "input", ("events", "on", "amount", "restructure"), ("events", "on", "amount"))
    on = _parse_date(inp["on"], "on")
    loan, _ = _fold(_read_events(inp["events"]), on)
    if _opened(loan).closure is not None:
        _fail("E_LOAN_CLOSED", f"loan {loan.loan_id} is closed")
    amount = loan.money.units(inp["amount"], "amount")
    if amount <= 0:
        _fail("E_INVALID_AMOUNT", "a top-up must be greater than zero")
    restructure = inp.get("restructure")
    npa = loan.topup_eligible(on, restructure)
    P = loan.outstanding_principal()
    interest_due = sum(loan.unpaid_i(r) for r in loan.rows if r["due_on"] <= on)
    t = loan.money.text
    out = {
        "cash_before_fee": t(amount - interest_due),
        "collected_from_proceeds": t(interest_due),
        "new_principal": t(P + amount),
        "parent_fines": t(0),
        "parent_interest_due": t(interest_due),
        "parent_principal": t(P),
        "topup_amount": t(amount),
    }
    if npa:
        out["interest_to_suspense"] = t(interest_due)
    if restructure is not None:
        out["restructured"] = True
    return out


def loan_topup(inp):
    """The `loan_topup` operation: the parent's `topped_up` body and the new loan's
    `disbursed` body (principal = the quote's new principal, disbursed on the top-up date, the
    parent's conventions with the new rate, tenure and first due date), both admitted."""
    _obj(inp, "input", ("events", "on", "amount", "new_loan_id", "terms", "policy",
                        "guarantors", "restructure"),
         ("events", "on", "amount", "new_loan_id", "terms"))
    on = _parse_date(inp["on"], "on")
    events = _read_events(inp["events"])
    loan, _ = _fold(events, on)
    parent_id = _opened(loan).loan_id
    new_id = inp["new_loan_id"]
    if not isinstance(new_id, str):
        _fail("E_INVALID_INPUT", "new_loan_id must be a string")
    if new_id.strip() == "":
        _fail("E_BLANK_IDENTIFIER", "new_loan_id is blank")
    if new_id.strip() != new_id or new_id == parent_id:
        _fail("E_INVALID_INPUT", "new_loan_id must be a new loan's id")
    quote = topup_quote({k: inp[k] for k in ("events", "on", "amount", "restructure")
                         if k in inp})
    t = inp["terms"]
    _obj(t, "terms", ("annual_rate", "tenure", "first_due_on", "fixed_due_day",
                      "processing_fee"), ("annual_rate", "tenure", "first_due_on"))
    first = min(events, key=lambda e: e["sequence"])["body"]
    terms = _canonical_terms(first["terms"])
    terms.pop("apr", None)
    terms.update(principal=quote["new_principal"], annual_rate=t["annual_rate"],
                 tenure=t["tenure"], disbursed_on=on.isoformat(),
                 first_due_on=t["first_due_on"], fixed_due_day=t.get("fixed_due_day"),
                 principal_grace=0, interest_grace=0,
                 processing_fee=t.get("processing_fee"))
    policy = inp.get("policy")
    if policy is None:
        policy = first.get("policy")
    guarantors = inp.get("guarantors")
    if guarantors is None:
        guarantors = first["guarantors"]
    topped = {"type": "topped_up", "new_loan_id": new_id}
    if inp.get("restructure") is not None:
        topped["restructure"] = inp["restructure"]
    disbursed = {"type": "disbursed", "loan_id": new_id, "terms": terms, "policy": policy,
                 "guarantors": guarantors}
    last = max(e["sequence"] for e in events)
    closing = {"id": f"{parent_id}/topup", "sequence": last + 1, "value_date": on.isoformat(),
               "idempotency_key": f"topup:{parent_id}:{new_id}", "body": topped}
    closed = _statement(list(inp["events"]) + [closing], on)
    if closed["state"]["status"] != "topped_up":
        _fail("E_INVALID_EVENT", "the parent did not close into the top-up")
    opening = {"id": f"{new_id}/disbursed", "sequence": 1, "value_date": on.isoformat(),
               "idempotency_key": f"disburse:{new_id}", "body": disbursed}
    _statement([opening], on)
    return {"quote": quote, "topped_up": topped,
            "disbursed": canonical_event(opening)["body"]}


def verify_chain(inp):
    """The `verify_chain` operation: walk the events in stored order. Each event is hashed
    as received (RFC 8785 without its own `hash` member); the first event whose `hash`,
    `prev_hash` or sequence is wrong is reported, the last one included."""
    _obj(inp, "input", ("events",), ("events",))
    raw = inp["events"]
    if not isinstance(raw, list):
        _fail("E_INVALID_INPUT", "events must be a list")
    n = len(raw)

    def bad(i, status, reason, expected=None):
        out = {"at": i, "events": n, "reason": reason, "status": status}
        e = raw[i]
        if isinstance(e, dict) and isinstance(e.get("id"), str):
            out["event_id"] = e["id"]
        if expected is not None:
            out["expected"] = expected
        return out

    prev_seq, prev_hash = None, None
    for i, e in enumerate(raw):
        if not isinstance(e, dict):
            return bad(i, "broken", "malformed")
        seq = e.get("sequence")
        own, link = e.get("hash"), e.get("prev_hash")
        if (not _is_int(seq) or seq < 0 or not (own is None or isinstance(own, str))
                or not (link is None or isinstance(link, str))):
            return bad(i, "broken", "malformed")
        actual = event_hash(e)
        if prev_seq is not None and seq <= prev_seq:
            return bad(i, "reordered", "sequence_not_increasing")
        if link != prev_hash:
            return bad(i, "broken", "prev_hash_mismatch", prev_hash)
        if own is None:
            return bad(i, "broken", "hash_missing", actual)
        if own != actual:
            return bad(i, "broken", "hash_mismatch", actual)
        prev_seq, prev_hash = seq, actual
    out = {"events": n, "status": "ok"}
    if prev_hash is not None:
        out["head"] = prev_hash
    return out


OPERATIONS = {
    "allocate": allocate,
    "loan_statement": loan_statement,
    "loan_apply": loan_apply,
    "foreclosure_quote": foreclosure_quote,
    "topup_quote": topup_quote,
    "loan_topup": loan_topup,
    "verify_chain": verify_chain,
}


def call(operation: str, inp):
    try:
        return OPERATIONS[operation](copy.deepcopy(inp))
    except reference.ReferenceError_ as err:
        raise AccountError(err.code, err.message) from None


if __name__ == "__main__":
    import sys

    try:
        print(json.dumps(call(sys.argv[1], json.load(sys.stdin)), indent=1))
    except AccountError as err:
        print(json.dumps({"code": err.code, "message": err.message}), file=sys.stderr)
        sys.exit(2)
