"""The schedule options added with the actual-period EMI: apr=False, level_emi, "last"."""

import datetime
from decimal import Decimal

import pytest

import windeep

BASE = dict(principal=Decimal("100000"), annual_rate=Decimal("12"), tenure=12,
            disbursed_on=datetime.date(2026, 1, 5), first_due_on=datetime.date(2026, 2, 5))


def test_apr_false_skips_the_apr_and_keeps_the_rows() -> None:
    with_apr = windeep.schedule(**BASE)
    without = windeep.schedule(**BASE, apr=False)
    assert with_apr.apr == Decimal("12.00")
    assert without.apr is None
    assert without.to_dict()["installments"] == with_apr.to_dict()["installments"]
    with pytest.raises(windeep.InvalidInputError):
        windeep.schedule(**BASE, apr=0)  # type: ignore[arg-type]


def test_level_emi_and_month_end() -> None:
    actual = windeep.schedule(**BASE, interest_basis="actual_365")
    nominal = windeep.schedule(**BASE, interest_basis="actual_365",
                               policy={"level_emi": "nominal_rate"})
    assert nominal.emi == Decimal("8884.88")
    assert actual.emi != nominal.emi
    last = windeep.schedule(**{**BASE, "first_due_on": datetime.date(2026, 2, 10)},
                            fixed_due_day="last")
    assert [r.due_on.day for r in last.installments][:3] == [28, 31, 30]


def test_default_quarterly_loan_is_accepted() -> None:
    s = windeep.schedule(**{**BASE, "first_due_on": datetime.date(2026, 4, 5), "tenure": 8},
                         frequency="quarterly")
    assert len(s.installments) == 8
