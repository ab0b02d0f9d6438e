"""Smoke test of the installed wheel (release/smoke.sh): a schedule, a refusal, the versions."""

import sys
from datetime import date
from decimal import Decimal

import windeep

version = sys.argv[1]
s = windeep.schedule(
    principal=Decimal("100000"),
    annual_rate=Decimal("12"),
    tenure=12,
    disbursed_on=date(2026, 1, 5),
    first_due_on=date(2026, 2, 5),
)
assert s.emi == Decimal("8884.88"), s.emi
try:
    windeep.schedule(
        principal=Decimal("100000"),
        annual_rate=Decimal("12"),
        tenure=0,
        disbursed_on=date(2026, 1, 5),
        first_due_on=date(2026, 2, 5),
    )
    raise AssertionError("tenure 0 was accepted")
except windeep.WindeepError as e:
    assert e.code == "E_INVALID_TENURE", e.code
    refusal = e.code
assert windeep.__version__ == version, windeep.__version__
assert windeep.__schema_version__ == version, windeep.__schema_version__
assert "site-packages" in windeep.__file__, windeep.__file__
print(f"python: EMI {s.emi}, tenure 0 refused with {refusal}, "
      f"library {windeep.__version__}, schema {windeep.__schema_version__}")
