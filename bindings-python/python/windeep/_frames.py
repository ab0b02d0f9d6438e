"""DataFrame and Arrow views of a schedule, for ``Schedule.to_pandas`` and ``Schedule.to_arrow``.

Both are built from ``Schedule.to_dict()``: the values are the core's exact ``Decimal`` amounts
and ``datetime.date`` dates, and nothing is rounded or converted through a float here.
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from windeep._windeep import Schedule

#: Row columns in order, as in the ``schedule`` operation's output.
COLUMNS = (
    "number",
    "due_on",
    "days",
    "opening_balance",
    "principal",
    "interest",
    "installment",
    "closing_balance",
)

#: Columns holding money (``decimal.Decimal`` at the currency's scale).
MONEY_COLUMNS = ("opening_balance", "principal", "interest", "installment", "closing_balance")

#: Precision of the Arrow decimal columns: 18 digits, which hold any amount below 10^14 at four
#: decimal places and leave Arrow's arithmetic room (a sum widens to 19 digits, a product of two
#: amounts to 37, both inside ``decimal128``). A column holding a wider amount gets the digits
#: it needs (at most 38: the core's amounts have at most 28 significant digits).
ARROW_PRECISION = 18

#: The widest ``decimal128``.
ARROW_MAX_PRECISION = 38


def arrow_precision(values: Iterable[Any], scale: int) -> int:
    """The ``decimal128`` precision for ``Decimal`` values at ``scale`` places.

    :data:`ARROW_PRECISION`, or the digits the widest value needs at that scale when more.
    """
    needed = 0
    for v in values:
        if isinstance(v, Decimal) and v.is_finite() and v:
            integer_digits = max(0, v.adjusted() + 1)
            needed = max(needed, integer_digits + scale)
    return min(ARROW_MAX_PRECISION, max(ARROW_PRECISION, needed))


def wire(value: Any) -> Any:
    """A value in the JSON wire form of the core: ``Decimal`` and ``date`` as text.

    Used for ``DataFrame.attrs`` so that a frame can be written to Parquet (pandas stores
    ``attrs`` as JSON) and for :meth:`to_json`.
    """
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [wire(v) for v in value]
    return value


def require(module: str, feature: str, extra: str) -> Any:
    """Imports an optional dependency, or says which extra installs it.

    ``feature`` names what needs it (``"Result.to_pandas()"``), ``extra`` the package extra
    (``"pandas"`` for ``pip install 'windeep[pandas]'``).
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{feature} needs {module}: pip install 'windeep[{extra}]'") from exc


def _summary(data: dict[str, Any]) -> dict[str, Any]:
    """Schedule-level fields (everything but the rows)."""
    return {k: v for k, v in data.items() if k != "installments"}


def to_pandas(schedule: Schedule) -> Any:
    """The rows as a DataFrame; schedule-level fields go to ``DataFrame.attrs``.

    Money columns hold the exact ``Decimal`` values; ``attrs`` holds the schedule-level fields
    in their JSON wire form (amounts and dates as text, as ``to_json()`` writes them), which
    pandas can store when the frame is written to Parquet.
    """
    pd = require("pandas", "Schedule.to_pandas()", "pandas")
    data = schedule.to_dict()
    rows = data["installments"]
    columns: dict[str, Any] = {}
    for name in COLUMNS:
        values = [row[name] for row in rows]
        if name in ("number", "days"):
            columns[name] = pd.Series(values, dtype="int64")
        else:
            # object columns keep the exact decimal.Decimal / datetime.date values
            columns[name] = pd.Series(values, dtype=object)
    frame = pd.DataFrame(columns)
    frame.attrs.update(wire(_summary(data)))
    return frame


def to_arrow(schedule: Schedule) -> Any:
    """The rows as a pyarrow Table with ``decimal128`` money columns at the currency's scale.

    The precision is :data:`ARROW_PRECISION` (18) unless an amount needs more digits.
    """
    pa = require("pyarrow", "Schedule.to_arrow()", "arrow")
    data = schedule.to_dict()
    rows = data["installments"]
    precision = arrow_precision(
        (row[name] for row in rows for name in MONEY_COLUMNS), schedule.minor_units
    )
    money = pa.decimal128(precision, schedule.minor_units)
    types = {"number": pa.uint32(), "due_on": pa.date32(), "days": pa.int64()}
    arrays = [
        pa.array([row[name] for row in rows], type=money if name in MONEY_COLUMNS else types[name])
        for name in COLUMNS
    ]
    metadata = {
        f"windeep.{k}": str(v)
        for k, v in _summary(data).items()
        if v is not None and not isinstance(v, dict)
    }
    metadata.update({f"windeep.totals.{k}": str(v) for k, v in data["totals"].items()})
    return pa.Table.from_arrays(arrays, names=list(COLUMNS), metadata=metadata)
