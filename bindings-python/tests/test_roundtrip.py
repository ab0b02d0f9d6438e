"""Property tests: Decimal values cross the boundary and come back identical."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import windeep

DISBURSED = datetime.date(2026, 1, 5)
FIRST_DUE = datetime.date(2026, 2, 5)
MAX_AMOUNT = Decimal(10) ** 12

#: Refusals that depend on the generated numbers (a tiny principal whose rounded EMI cannot
#: cover the interest, …), not on the conversion under test.
NUMERIC_REFUSALS = (
    windeep.EmiBelowInterestError,
    windeep.EmiRoundingOverpaysError,
    windeep.EmiRoundsToZeroError,
    windeep.NegativeInterestError,
    windeep.OverflowError,
)


def amounts(places: int) -> st.SearchStrategy[Decimal]:
    """Positive amounts with exactly ``places`` decimals (the currency's scale)."""
    unit = Decimal(1).scaleb(-places)
    return st.integers(min_value=1, max_value=int(MAX_AMOUNT / unit)).map(
        lambda n: (Decimal(n) * unit).quantize(unit)
    )


rates = st.decimals(min_value=0, max_value=60, places=4, allow_nan=False, allow_infinity=False)


def _schedule(**kwargs: object) -> windeep.Schedule:
    try:
        return windeep.schedule(
            disbursed_on=DISBURSED, first_due_on=FIRST_DUE, **kwargs  # type: ignore[arg-type]
        )
    except NUMERIC_REFUSALS:
        assume(False)
        raise AssertionError("unreachable")  # pragma: no cover


@given(
    data=st.data(),
    minor_units=st.integers(min_value=0, max_value=4),
    tenure=st.integers(min_value=1, max_value=36),
    rate=rates,
)
def test_principal_round_trips_at_currency_scale(
    data: st.DataObject, minor_units: int, tenure: int, rate: Decimal
) -> None:
    principal = data.draw(amounts(minor_units), label="principal")
    s = _schedule(
        principal=principal,
        annual_rate=rate,
        tenure=tenure,
        currency={"code": "XYZ", "minor_units": minor_units},
    )
    # identical: same value and same exponent, so str() matches digit for digit
    assert s.principal.as_tuple() == principal.as_tuple()
    assert s.totals.principal.as_tuple() == principal.as_tuple()
    assert sum((row.principal for row in s.installments), Decimal(0)) == principal
    assert s.annual_rate == rate
    for row in s.installments:
        assert row.interest.as_tuple().exponent == -minor_units


@given(principal=amounts(2), rate=rates)
def test_typed_and_json_interfaces_agree(principal: Decimal, rate: Decimal) -> None:
    kwargs = dict(principal=principal, annual_rate=rate, tenure=12)
    s = _schedule(**kwargs)
    out = windeep.call(
        "schedule", {**kwargs, "disbursed_on": DISBURSED, "first_due_on": FIRST_DUE}
    )
    assert out["principal"] == str(s.principal) == format(principal, "f")
    assert out["emi"] == str(s.emi)
    assert out["totals"]["interest"] == str(s.totals.interest)
    assert out["apr"] == str(s.apr)


@given(
    increment=st.integers(min_value=1, max_value=10**6).map(lambda n: Decimal(n).scaleb(-2)),
    mode=st.sampled_from(["half_up", "half_even", "up", "down"]),
)
def test_rounding_increment_round_trips(increment: Decimal, mode: str) -> None:
    policy = windeep.RoundingPolicy(increment=increment, mode=mode)  # type: ignore[arg-type]
    assert policy.increment.as_tuple() == increment.as_tuple()
    assert policy.mode == mode


@given(fee=amounts(2).filter(lambda d: d < Decimal(50_000)))
def test_fixed_fee_round_trips(fee: Decimal) -> None:
    s = _schedule(
        principal=Decimal(100_000),
        annual_rate=Decimal(12),
        tenure=12,
        processing_fee={"kind": "fixed", "value": fee},
    )
    assert s.processing_fee.as_tuple() == fee.as_tuple()
    assert s.net_disbursement == Decimal("100000.00") - fee


@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_no_float_is_ever_money(value: float) -> None:
    with pytest.raises(windeep.InvalidAmountError):
        windeep.schedule(
            principal=value,  # type: ignore[arg-type]
            annual_rate=Decimal(12),
            tenure=12,
            disbursed_on=DISBURSED,
            first_due_on=FIRST_DUE,
        )
