"""Independent reference implementation of the `schedule` operation.

This module follows docs/schedule.md rule by rule, using nothing but the standard
library (`decimal`, `datetime`, `re`). It serves two purposes:

* it computes the expected values of the golden fixtures in fixtures/schedule/
  (see fixtures/tools/generate.py), and
* it is the "plain Python decimal" baseline of benches/python/bench.py.

Arithmetic model
----------------
All arithmetic runs in a decimal context of 28 significant digits with
ROUND_HALF_EVEN for the implicit rounding of intermediate results, which behaves
like a 28-digit decimal type. The explicit rounding points of the rules use
`Policy.apply`: value / increment rounded to an integer with the policy's mode,
multiplied back by the increment and padded to the currency scale.

A value whose integer part needs more than 28 digits (|x| >= 10^28) cannot be
held by a 28-digit decimal: the context has Emax = 27, so such a result raises
decimal.Overflow, reported as E_OVERFLOW. A rounded amount whose digits (integer
part plus currency scale) exceed 28 is reported the same way.

Public API: `schedule(inp: dict) -> dict`, raising `ReferenceError_` with a
stable `.code` on refusal.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import decimal
import re
from fractions import Fraction
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)

__all__ = ["schedule", "ReferenceError_"]

CONTEXT = decimal.Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emax=27,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
MAX_PRINCIPAL = Decimal("1000000000000")

MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "up": ROUND_UP,
    "down": ROUND_DOWN,
}
METHODS = ("reducing", "flat", "equal_principal", "bullet")
FREQUENCIES = {"monthly": 12, "quarterly": 4, "fortnightly": 26, "weekly": 52}
BASES = ("30_360", "actual_365", "actual_actual")
BROKEN = ("none", "add_to_first", "amortize", "deduct_upfront", "pro_rata")
LEVEL_EMI = ("actual_periods", "nominal_rate")
MONTH_END = 31  # fixed_due_day "last": the month's last day
MAX_INCREMENT = Decimal(1000)
MAX_RATE_CAP = Decimal(1000)
MAX_GAP_LIMIT = 3660
FEE_KINDS = ("percentage", "fixed")

PLAIN_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")

TOP_LEVEL_FIELDS = (
    "principal", "annual_rate", "tenure", "disbursed_on", "first_due_on",
    "method", "frequency", "interest_basis", "broken_period", "fixed_due_day",
    "principal_grace", "interest_grace", "rounding", "emi_rounding",
    "processing_fee", "currency", "policy", "apr_decimals", "apr",
)
REQUIRED_FIELDS = ("principal", "annual_rate", "tenure", "disbursed_on", "first_due_on")
POLICY_DEFAULTS = {
    "max_tenure": 600,
    "max_annual_rate": "100",
    "min_first_due_gap_days": 7,
    "max_first_due_gap_days": 60,
    "level_emi": "actual_periods",
}


class ReferenceError_(Exception):
    """A refusal with a stable error code (the `code` of docs/schedule.md)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _fail(code: str, message: str):
    raise ReferenceError_(code, message)


# --------------------------------------------------------------------------
# Rounding policies
# --------------------------------------------------------------------------

class Policy:
    """A rounding policy: increment and mode, padded to the currency scale."""

    def __init__(self, increment: Decimal, mode: str, scale: int):
        self.increment = increment
        self.mode = mode
        self.rounding = MODES[mode]
        self.quantum = Decimal(1).scaleb(-scale)

    def apply(self, x: Decimal) -> Decimal:
        units = (x / self.increment).to_integral_value(rounding=self.rounding)
        return _pad(units * self.increment, self.quantum)


def _round_fraction(x: Fraction, policy: "Policy") -> Decimal:
    """`policy.apply` for an exact fraction: x / increment rounded to a whole number with the
    policy's mode (ties exact), times the increment."""
    steps = x / Fraction(policy.increment)
    sign = -1 if steps < 0 else 1
    mag = abs(steps)
    whole, rest = divmod(mag.numerator, mag.denominator)
    twice = 2 * rest
    den = mag.denominator
    if rest == 0:
        bump = False
    elif policy.mode == "down":
        bump = False
    elif policy.mode == "up":
        bump = True
    elif policy.mode == "half_up":
        bump = twice >= den
    else:  # half_even
        bump = twice > den or (twice == den and whole % 2 == 1)
    units = sign * (whole + (1 if bump else 0))
    return _pad(Decimal(units) * policy.increment, policy.quantum)


def _pad(x: Decimal, quantum: Decimal) -> Decimal:
    """Express x at the currency scale (x is already a multiple of the quantum)."""
    try:
        return x.quantize(quantum)
    except decimal.InvalidOperation:
        raise ReferenceError_("E_OVERFLOW", "an amount is too large for 28 digits") from None


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------

def _days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _month_date(year: int, month: int, add_months: int, day: int) -> _dt.date:
    """Day `min(day, days in month)` of the month `add_months` after year/month."""
    index = year * 12 + (month - 1) + add_months
    y, m = divmod(index, 12)
    m += 1
    if y < 1 or y > 9999:
        _fail("E_DATE_OUT_OF_RANGE", "a due date falls outside years 1-9999")
    return _dt.date(y, m, min(day, _days_in_month(y, m)))


def _add_days(d: _dt.date, days: int) -> _dt.date:
    try:
        return d + _dt.timedelta(days=days)
    except OverflowError:
        _fail("E_DATE_OUT_OF_RANGE", "a due date falls outside years 1-9999")


def _snap_to_fixed_day(chosen: _dt.date, day: int) -> _dt.date:
    """Day D of the chosen date's month, or of the next month if not after it."""
    candidate = _month_date(chosen.year, chosen.month, 0, day)
    if candidate <= chosen:
        candidate = _month_date(chosen.year, chosen.month, 1, day)
    return candidate


def _due_date(first: _dt.date, frequency: str, k: int) -> _dt.date:
    """due_k for k = 0..n; never accumulated from the previous date. A first due date on the
    last day of its month anchors every date to its month's last day."""
    anchor = first.day
    if first.day == _days_in_month(first.year, first.month):
        anchor = MONTH_END
    if frequency == "monthly":
        return _month_date(first.year, first.month, k - 1, anchor)
    if frequency == "quarterly":
        return _month_date(first.year, first.month, 3 * (k - 1), anchor)
    step = 7 if frequency == "weekly" else 14
    return _add_days(first, step * (k - 1))


def _actual_actual_numerator(start: _dt.date, end: _dt.date) -> int:
    """Σ_y (days of [start, end) in year y) / (days in year y), as an exact numerator over
    365 × 366 = 133,590, for start <= end."""
    total = 0
    cursor = start
    while cursor < end:
        year_end = _dt.date(cursor.year + 1, 1, 1) if cursor.year < 9999 else None
        stop = end if year_end is None or end < year_end else year_end
        days_in_year = 366 if calendar.isleap(cursor.year) else 365
        total += (stop - cursor).days * (133590 // days_in_year)
        cursor = stop
    return total


def _days_30e_360(d1: _dt.date, d2: _dt.date) -> int:
    return (360 * (d2.year - d1.year) + 30 * (d2.month - d1.month)
            + (min(d2.day, 30) - min(d1.day, 30)))


# --------------------------------------------------------------------------
# Input reading and validation (docs/schedule.md, "Validation, in this order")
# --------------------------------------------------------------------------

def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_object(value, name: str, allowed, required) -> dict:
    if not isinstance(value, dict):
        _fail("E_INVALID_INPUT", f"{name} must be an object")
    for key in value:
        if key not in allowed:
            _fail("E_INVALID_INPUT", f"unknown field {name}.{key}")
    for key in required:
        if key not in value:
            _fail("E_INVALID_INPUT", f"missing field {name}.{key}")
    return value


def _check_int(value, name: str):
    if not _is_int(value):
        _fail("E_INVALID_INPUT", f"{name} must be an integer")


def _check_enum(value, name: str, choices):
    if not isinstance(value, str) or value not in choices:
        _fail("E_INVALID_INPUT", f"{name} must be one of {', '.join(choices)}")


def _check_decimal_slot(value, name: str):
    """A money or rate slot: a string, or a JSON number (refused later, step 1b/1c)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        _fail("E_INVALID_INPUT", f"{name} must be a string holding a decimal")


def _parse_decimal(value, name: str, code: str, money: bool = False) -> Decimal:
    if not isinstance(value, str):
        _fail(code, f"{name} must be a JSON string, not a number")
    if not PLAIN_DECIMAL.match(value):
        _fail(code, f"{name} is not a plain decimal: {value!r}")
    whole, _, frac = value.lstrip("-").partition(".")
    if money and (len(whole.lstrip("0")) + len(frac) > 28 or len(frac) > 28):
        # An amount of more than 28 significant digits is out of range, not malformed.
        _fail("E_AMOUNT_OUT_OF_RANGE", f"{name} has more than 28 significant digits")
    return Decimal(value)


def _parse_date(value, name: str) -> _dt.date:
    match = ISO_DATE.match(value)
    if not match:
        _fail("E_INVALID_DATE", f"{name} is not YYYY-MM-DD: {value!r}")
    try:
        return _dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        _fail("E_INVALID_DATE", f"{name} is not a calendar date: {value!r}")


def _is_multiple(x: Decimal, minor_units: int) -> bool:
    scaled = x.scaleb(minor_units)
    return scaled == scaled.to_integral_value()


def _read_input(inp) -> dict:
    # Step 1a: shape and types.
    if not isinstance(inp, dict):
        _fail("E_INVALID_INPUT", "the input must be a JSON object")
    for key in inp:
        if key not in TOP_LEVEL_FIELDS:
            _fail("E_INVALID_INPUT", f"unknown field {key}")
    for key in REQUIRED_FIELDS:
        if key not in inp:
            _fail("E_INVALID_INPUT", f"missing field {key}")

    _check_decimal_slot(inp["principal"], "principal")
    _check_decimal_slot(inp["annual_rate"], "annual_rate")
    _check_int(inp["tenure"], "tenure")
    for key in ("disbursed_on", "first_due_on"):
        if not isinstance(inp[key], str):
            _fail("E_INVALID_INPUT", f"{key} must be a string")

    method = inp.get("method", "reducing")
    # The legacy system's name for the reducing method (legacy-spec §1.1): monthly rests.
    if method == "reducing_monthly":
        method = "reducing"
    frequency = inp.get("frequency", "monthly")
    basis = inp.get("interest_basis", "30_360")
    broken = inp.get("broken_period", "none")
    _check_enum(method, "method", METHODS)
    _check_enum(frequency, "frequency", tuple(FREQUENCIES))
    _check_enum(basis, "interest_basis", BASES)
    _check_enum(broken, "broken_period", BROKEN)

    fixed_due_day = inp.get("fixed_due_day")
    if fixed_due_day == "last":
        fixed_due_day = MONTH_END
    if fixed_due_day is not None:
        _check_int(fixed_due_day, "fixed_due_day")
        if fixed_due_day < 0:
            _fail("E_INVALID_INPUT", "fixed_due_day must be a day number or \"last\"")
    principal_grace = inp.get("principal_grace", 0)
    interest_grace = inp.get("interest_grace", 0)
    _check_int(principal_grace, "principal_grace")
    _check_int(interest_grace, "interest_grace")

    rounding = inp.get("rounding")
    emi_rounding = inp.get("emi_rounding")
    for name, pol in (("rounding", rounding), ("emi_rounding", emi_rounding)):
        if pol is None:
            continue
        _check_object(pol, name, ("increment", "mode"), ("increment", "mode"))
        _check_decimal_slot(pol["increment"], f"{name}.increment")
        _check_enum(pol["mode"], f"{name}.mode", tuple(MODES))

    fee = inp.get("processing_fee")
    if fee is not None:
        _check_object(fee, "processing_fee", ("kind", "value"), ("kind", "value"))
        _check_enum(fee["kind"], "processing_fee.kind", FEE_KINDS)
        _check_decimal_slot(fee["value"], "processing_fee.value")

    currency = inp.get("currency", {"code": "INR", "minor_units": 2})
    _check_object(currency, "currency", ("code", "minor_units"), ("code", "minor_units"))
    if not isinstance(currency["code"], str):
        _fail("E_INVALID_INPUT", "currency.code must be a string")
    _check_int(currency["minor_units"], "currency.minor_units")

    policy = dict(POLICY_DEFAULTS)
    policy.update(_check_object(inp.get("policy", {}), "policy", tuple(POLICY_DEFAULTS), ()))
    for key in ("max_tenure", "min_first_due_gap_days", "max_first_due_gap_days"):
        _check_int(policy[key], f"policy.{key}")
    _check_decimal_slot(policy["max_annual_rate"], "policy.max_annual_rate")
    _check_enum(policy["level_emi"], "policy.level_emi", LEVEL_EMI)

    apr_decimals = inp.get("apr_decimals", 2)
    _check_int(apr_decimals, "apr_decimals")
    want_apr = inp.get("apr", True)
    if not isinstance(want_apr, bool):
        _fail("E_INVALID_INPUT", "apr must be true or false")

    # Step 1b-1d: money strings, rates, dates.
    principal = _parse_decimal(inp["principal"], "principal", "E_INVALID_AMOUNT", money=True)
    row_increment = None
    if rounding is not None:
        row_increment = _parse_decimal(rounding["increment"], "rounding.increment",
                                       "E_INVALID_AMOUNT")
    emi_increment = None
    if emi_rounding is not None:
        emi_increment = _parse_decimal(emi_rounding["increment"], "emi_rounding.increment",
                                       "E_INVALID_AMOUNT")
    fee_value = None
    if fee is not None:
        fee_value = _parse_decimal(fee["value"], "processing_fee.value", "E_INVALID_AMOUNT",
                                   money=fee["kind"] == "fixed")
    rate = _parse_decimal(inp["annual_rate"], "annual_rate", "E_INVALID_RATE")
    if rate.normalize(CONTEXT).as_tuple().exponent < -8:
        _fail("E_INVALID_RATE", "annual_rate has more than 8 decimal places")
    max_rate = _parse_decimal(policy["max_annual_rate"], "policy.max_annual_rate",
                              "E_INVALID_RATE")
    disbursed_on = _parse_date(inp["disbursed_on"], "disbursed_on")
    chosen_first_due = _parse_date(inp["first_due_on"], "first_due_on")

    # Step 2: currency.
    minor_units = currency["minor_units"]
    if not 0 <= minor_units <= 4:
        _fail("E_INVALID_CURRENCY", "currency.minor_units must be 0-4")
    if not CURRENCY_CODE.match(currency["code"]):
        _fail("E_INVALID_CURRENCY", "currency.code must be three ASCII capitals")

    # Step 3: rounding policies.
    for name, inc in (("rounding", row_increment), ("emi_rounding", emi_increment)):
        if inc is None:
            continue
        if inc <= 0:
            _fail("E_INVALID_ROUNDING", f"{name}.increment must be positive")
        if inc > MAX_INCREMENT:
            _fail("E_INVALID_ROUNDING", f"{name}.increment is above 1,000")
        if not _is_multiple(inc, minor_units):
            _fail("E_INVALID_ROUNDING", f"{name}.increment is not a multiple of the minor unit")
    if emi_rounding is not None and method != "reducing":
        _fail("E_INVALID_ROUNDING", "emi_rounding is only allowed with the reducing method")

    # Step 4: policy.
    if not 1 <= policy["max_tenure"] <= 10000:
        _fail("E_INVALID_POLICY", "policy.max_tenure must be between 1 and 10,000")
    if max_rate < 0 or max_rate > MAX_RATE_CAP:
        _fail("E_INVALID_POLICY", "policy.max_annual_rate must be between 0 and 1,000")
    if policy["max_first_due_gap_days"] > MAX_GAP_LIMIT:
        _fail("E_INVALID_POLICY", "policy.max_first_due_gap_days above 3,660")
    if policy["min_first_due_gap_days"] > policy["max_first_due_gap_days"]:
        _fail("E_INVALID_POLICY", "policy: min first-due gap above max gap")
    if not 0 <= apr_decimals <= 6:
        _fail("E_INVALID_POLICY", "apr_decimals must be 0-6")

    # Step 5: principal.
    if not _is_multiple(principal, minor_units):
        _fail("E_AMOUNT_SCALE", "principal has more decimals than the currency")
    if principal <= 0:
        _fail("E_NON_POSITIVE_PRINCIPAL", "principal must be positive")
    if principal > MAX_PRINCIPAL:
        _fail("E_AMOUNT_OUT_OF_RANGE", "principal above 1,000,000,000,000")

    # Step 6: rate.
    if rate < 0:
        _fail("E_NEGATIVE_RATE", "annual_rate must not be negative")
    if rate > max_rate:
        _fail("E_RATE_EXCEEDS_CAP", "annual_rate above policy.max_annual_rate")

    # Step 7: tenure.
    tenure = inp["tenure"]
    if tenure < 1:
        _fail("E_INVALID_TENURE", "tenure must be at least 1")
    if tenure > policy["max_tenure"]:
        _fail("E_TENURE_EXCEEDS_POLICY", "tenure above policy.max_tenure")

    # Step 8: grace.
    if not 0 <= principal_grace < tenure or not 0 <= interest_grace < tenure:
        _fail("E_INVALID_GRACE", "grace must be 0 <= g < tenure")

    # Step 9: fixed due day.
    if fixed_due_day is not None:
        if not (1 <= fixed_due_day <= 28 or fixed_due_day == MONTH_END):
            _fail("E_INVALID_FIXED_DUE_DAY", "fixed_due_day must be 1-28 or \"last\"")
        if frequency in ("weekly", "fortnightly"):
            _fail("E_INVALID_FIXED_DUE_DAY", "fixed_due_day needs a monthly or quarterly frequency")

    # Step 10: first due date, snapping, gap.
    if chosen_first_due <= disbursed_on:
        _fail("E_FIRST_DUE_NOT_AFTER_DISBURSEMENT", "first_due_on must be after disbursed_on")
    first_due = chosen_first_due
    if fixed_due_day is not None:
        first_due = _snap_to_fixed_day(chosen_first_due, fixed_due_day)
    gap = (first_due - disbursed_on).days
    months = 3 if frequency == "quarterly" else 1  # the maximum gap is per month of a period
    if not (policy["min_first_due_gap_days"] <= gap
            <= policy["max_first_due_gap_days"] * months):
        _fail("E_FIRST_DUE_GAP_OUT_OF_POLICY", f"first-due gap of {gap} days is out of policy")

    # Step 11: processing fee.
    if fee is not None:
        if fee_value < 0:
            _fail("E_INVALID_FEE", "processing_fee.value must not be negative")
        if fee["kind"] == "percentage" and fee_value > HUNDRED:
            _fail("E_INVALID_FEE", "a percentage fee above 100")
        if fee["kind"] == "fixed" and not _is_multiple(fee_value, minor_units):
            _fail("E_INVALID_FEE", "a fixed fee with more decimals than the currency")

    # The default row policy is half-up to the currency's minor unit.
    if rounding is None:
        row_policy = Policy(Decimal(1).scaleb(-minor_units), "half_up", minor_units)
    else:
        row_policy = Policy(row_increment, rounding["mode"], minor_units)
    emi_policy = row_policy
    if emi_rounding is not None:
        emi_policy = Policy(emi_increment, emi_rounding["mode"], minor_units)

    return {
        "principal": principal,
        "rate": rate,
        "rate_text": inp["annual_rate"],
        "tenure": tenure,
        "disbursed_on": disbursed_on,
        "first_due_on": first_due,
        "method": method,
        "frequency": frequency,
        "ppy": FREQUENCIES[frequency],
        "basis": basis,
        "broken": broken,
        "principal_grace": principal_grace,
        "interest_grace": interest_grace,
        "R": row_policy,
        "Remi": emi_policy,
        "fee_kind": None if fee is None else fee["kind"],
        "fee_value": fee_value,
        "currency": currency["code"],
        "minor_units": minor_units,
        "apr_decimals": apr_decimals,
        "want_apr": want_apr,
        "level_emi": policy["level_emi"],
    }


# --------------------------------------------------------------------------
# Computation
# --------------------------------------------------------------------------

def _period_interest(balance: Decimal, a: Decimal, basis: str, ppy: int,
                     start: _dt.date, end: _dt.date) -> Decimal:
    """Unrounded interest of the period [start, end) on `balance`."""
    if basis == "30_360":
        return balance * a / (HUNDRED * ppy)
    if basis == "actual_365":
        return balance * a * (end - start).days / Decimal(36500)
    # One division at the end keeps the value exact wherever it terminates (ties included).
    return balance * a * _actual_actual_numerator(start, end) / Decimal(100 * 133590)


def _broken_period_interest(c: dict, due0: _dt.date) -> Decimal:
    """BI on the full principal from disbursement to due_0, rounded once (signed)."""
    P, a, R = c["principal"], c["rate"], c["R"]
    d1 = c["disbursed_on"]
    if c["basis"] == "30_360":
        return R.apply(P * a * _days_30e_360(d1, due0) / Decimal(36000))
    if c["basis"] == "actual_365":
        return R.apply(P * a * (due0 - d1).days / Decimal(36500))
    if due0 >= d1:
        return R.apply(P * a * _actual_actual_numerator(d1, due0) / Decimal(100 * 133590))
    return R.apply(-P * a * _actual_actual_numerator(due0, d1) / Decimal(100 * 133590))


def _level_payment(P: Decimal, a: Decimal, ppy: int, m: int) -> Decimal:
    """PMT = P·r / (1 − (1 + r)^−m) with r = a / (100 × ppy); P / m when r = 0."""
    r = a / (HUNDRED * ppy)
    if r == 0:
        return P / m
    return P * r / (ONE - (ONE + r) ** (-m))


def _period_rate(a: Decimal, basis: str, start: _dt.date, end: _dt.date) -> Fraction:
    """The exact rate of one actual-day period [start, end)."""
    if basis == "actual_365":
        return Fraction(a) * (end - start).days / 36500
    return Fraction(a) * _actual_actual_numerator(start, end) / (100 * 133590)


def _generalised_annuity(P: Decimal, rates) -> Fraction:
    """The level payment E with B_k = B_(k-1)(1 + r_k) - E and B_m = 0, exactly:
    E = P / sum_k prod_(j<=k) 1/(1 + r_j)."""
    discount = Fraction(1)
    total = Fraction(0)
    for r in rates:
        discount /= 1 + r
        total += discount
    return Fraction(P) / total


def _cumulative_share(total: Decimal, k: int, n: int, R: "Policy") -> Decimal:
    """Row k's part of `total` over n rows: R(total*k/n) - R(total*(k-1)/n)."""
    t = Fraction(total)
    return _round_fraction(t * k / n, R) - _round_fraction(t * (k - 1) / n, R)


def _present_value(installments, i: Decimal) -> Decimal:
    """Σ_k installment_k / (1 + i)^k."""
    v = ONE / (ONE + i)
    factor = ONE
    total = ZERO
    for amount in installments:
        factor *= v
        total += amount * factor
    return total


def _apr(net: Decimal, installments, ppy: int, apr_decimals: int) -> Decimal:
    """APR = 100 × ppy × i, with i >= 0 found by decimal bisection."""
    quantum = Decimal(1).scaleb(-apr_decimals)
    if sum(installments, ZERO) <= net:
        return ZERO.quantize(quantum)
    width = Decimal(1).scaleb(-(apr_decimals + 8))
    lo, hi = ZERO, ONE
    while _present_value(installments, hi) > net:
        lo, hi = hi, hi * 2
    while hi - lo >= width:
        mid = (lo + hi) / 2
        if _present_value(installments, mid) > net:
            lo = mid
        else:
            hi = mid
    i = (lo + hi) / 2
    return (HUNDRED * ppy * i).quantize(quantum, rounding=ROUND_HALF_UP)


def _compute(c: dict) -> dict:
    P, a, n, ppy = c["principal"], c["rate"], c["tenure"], c["ppy"]
    R, Remi = c["R"], c["Remi"]
    method, basis, broken = c["method"], c["basis"], c["broken"]
    gp, gi = c["principal_grace"], c["interest_grace"]
    m = n - gp
    quantum = R.quantum
    zero = _pad(ZERO, quantum)

    # Due dates due_0 .. due_n (step 12: a date beyond 9999 is refused).
    due = [_due_date(c["first_due_on"], c["frequency"], k) for k in range(n + 1)]

    # Broken period.
    bp_days = (due[0] - c["disbursed_on"]).days
    if broken == "none":
        BI = zero
    elif broken == "pro_rata":
        # The first period's full interest on P, pro-rated by actual days, less its regular part.
        if basis == "30_360":
            fpi = Fraction(P) * Fraction(a) / (100 * ppy)
        else:
            fpi = Fraction(P) * _period_rate(a, basis, due[0], due[1])
        actual = (due[1] - c["disbursed_on"]).days
        full = (due[1] - due[0]).days
        BI = _round_fraction(fpi * actual / full, R) - _round_fraction(fpi, R)
    else:
        BI = _broken_period_interest(c, due[0])
    adj = [zero] * (n + 1)            # adj[k]: broken-period amount on row k
    share = [zero] * (n + 1)          # share[k]: the amortize share (reducing principal)
    upfront = zero
    charged_bi = BI
    if broken in ("add_to_first", "pro_rata") or (broken == "deduct_upfront" and BI <= 0):
        adj[1] = BI
    elif broken == "deduct_upfront":
        upfront = BI
    elif broken == "amortize":
        # Cumulative rounding: no row's share has the wrong sign.
        for k in range(1, n + 1):
            share[k] = _cumulative_share(BI, k, n, R)
        adj = list(share)

    # Level amounts per method.
    emi = None
    pp = ip = flat_total = None
    actual_emi = (method == "reducing" and basis != "30_360"
                  and c["level_emi"] == "actual_periods")
    if method == "reducing":
        bi_amortize = BI if broken == "amortize" else ZERO
        if actual_emi:
            rates = [_period_rate(a, basis, due[k - 1], due[k]) for k in range(gp + 1, n + 1)]
            emi = _round_fraction(_generalised_annuity(P, rates) + Fraction(bi_amortize) / n,
                                  Remi)
        else:
            emi = Remi.apply(_level_payment(P, a, ppy, m) + bi_amortize / n)
        if emi <= 0 and m > 1:
            _fail("E_EMI_ROUNDS_TO_ZERO", "the EMI rounds to zero")
    if method in ("flat", "equal_principal"):
        pp = R.apply(P / m)
        if pp == 0 and m > 1:
            _fail("E_EMI_ROUNDS_TO_ZERO", "the principal part rounds to zero")
    if method == "flat" and basis == "30_360":
        flat_total = R.apply(P * a * n / (HUNDRED * ppy))
        ip = R.apply(flat_total / n)

    rows = []
    balance = P
    deferred = ZERO
    carry = ZERO
    for k in range(1, n + 1):
        start, end = due[k - 1], due[k]
        carry_in, carry = carry, ZERO
        if method == "flat":
            if basis == "30_360":
                regular = _cumulative_share(flat_total, k, n, R)
            else:
                regular = R.apply(_period_interest(P, a, basis, ppy, start, end))
        else:
            regular = R.apply(_period_interest(balance, a, basis, ppy, start, end))

        if k <= gp:
            principal = zero
        elif k == n:
            principal = balance
        else:
            if method == "reducing":
                principal = emi - regular - share[k] - carry_in
            elif method in ("flat", "equal_principal"):
                principal = pp
            else:
                principal = zero
            if actual_emi and principal <= 0:
                # The period's interest reaches the EMI: no principal, the rest moves on.
                carry = -principal
                principal = zero
            elif principal < 0 or (method == "reducing" and principal == 0 and regular > 0):
                _fail("E_EMI_BELOW_INTEREST", f"installment {k} does not cover its interest")
            if principal != 0 and principal >= balance:
                _fail("E_EMI_ROUNDING_OVERPAYS",
                      f"installment {k} repays the whole balance before the last installment")

        computed = regular + adj[k] + carry_in - carry
        if computed < 0:
            _fail("E_NEGATIVE_INTEREST",
                  f"the short first period takes installment {k}'s interest below zero")
        if k <= gi:
            charged = zero
            deferred += computed
        elif k == gi + 1:
            charged = computed + deferred
            deferred = ZERO
        else:
            charged = computed

        closing = balance - principal
        rows.append({
            "number": k,
            "due_on": end,
            "days": (end - start).days,
            "opening_balance": balance,
            "principal": principal,
            "interest": charged,
            "installment": principal + charged,
            "closing_balance": closing,
        })
        balance = closing

    # Fee, net disbursement, totals, APR.
    if c["fee_kind"] == "percentage":
        fee = R.apply(P * c["fee_value"] / HUNDRED)
    elif c["fee_kind"] == "fixed":
        fee = _pad(c["fee_value"], quantum)
    else:
        fee = zero
    net = P - fee - upfront
    if net <= 0:
        _fail("E_NET_DISBURSEMENT_NOT_POSITIVE", "principal - fee - upfront interest <= 0")

    totals = {
        "principal": sum((r["principal"] for r in rows), ZERO),
        "interest": sum((r["interest"] for r in rows), ZERO),
        "payable": sum((r["installment"] for r in rows), ZERO),
    }
    apr = None
    if c["want_apr"]:
        apr = _apr(net, [r["installment"] for r in rows], ppy, c["apr_decimals"])

    if method == "flat" and basis == "30_360":
        emi = pp + ip
    elif method != "reducing":
        emi = None

    return {
        "emi": emi, "fee": fee, "bp_days": bp_days,
        "bi": charged_bi if broken != "none" else zero,
        "upfront": upfront, "net": net, "apr": apr, "rows": rows, "totals": totals,
        "maturity": due[n],
    }


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def _money(x: Decimal, quantum: Decimal) -> str:
    x = _pad(x, quantum)
    if x == 0:
        x = x.copy_abs()
    return format(x, "f")


def _rate_text(rate: Decimal) -> str:
    text = format(rate, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def schedule(inp: dict) -> dict:
    """The `schedule` operation of docs/schedule.md."""
    with decimal.localcontext(CONTEXT):
        try:
            c = _read_input(inp)
            result = _compute(c)
            q = c["R"].quantum
            money = lambda x: _money(x, q)  # noqa: E731
            return {
                "currency": c["currency"],
                "method": c["method"],
                "frequency": c["frequency"],
                "interest_basis": c["basis"],
                "principal": money(c["principal"]),
                "annual_rate": _rate_text(c["rate"]),
                "tenure": c["tenure"],
                "disbursed_on": c["disbursed_on"].isoformat(),
                "first_due_on": c["first_due_on"].isoformat(),
                "maturity_on": result["maturity"].isoformat(),
                "emi": None if result["emi"] is None else money(result["emi"]),
                "processing_fee": money(result["fee"]),
                "broken_period_days": result["bp_days"],
                "broken_period_interest": money(result["bi"]),
                "upfront_interest": money(result["upfront"]),
                "net_disbursement": money(result["net"]),
                "apr": None if result["apr"] is None else format(result["apr"], "f"),
                "installments": [
                    {
                        "number": r["number"],
                        "due_on": r["due_on"].isoformat(),
                        "days": r["days"],
                        "opening_balance": money(r["opening_balance"]),
                        "principal": money(r["principal"]),
                        "interest": money(r["interest"]),
                        "installment": money(r["installment"]),
                        "closing_balance": money(r["closing_balance"]),
                    }
                    for r in result["rows"]
                ],
                "totals": {key: money(v) for key, v in result["totals"].items()},
            }
        except decimal.Overflow:
            raise ReferenceError_(
                "E_OVERFLOW", "an intermediate value is too large for 28 digits") from None


if __name__ == "__main__":
    import json
    import sys

    try:
        print(json.dumps(schedule(json.load(sys.stdin)), indent=1))
    except ReferenceError_ as err:
        print(json.dumps({"code": err.code, "message": err.message}), file=sys.stderr)
        sys.exit(2)
