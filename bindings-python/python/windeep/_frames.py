"""DataFrame and Arrow views of a schedule, for ``Schedule.to_pandas`` and ``Schedule.to_arrow``.

Both are built from ``Schedule.to_dict()``: the values are the core's exact ``Decimal`` amounts
and ``datetime.date`` dates, and nothing is rounded or converted through a float here.
"""

from __future__ import annotations

import importlib
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

#: Precision of the Arrow decimal columns: the widest ``decimal128`` (38 digits), which holds
#: any amount of the core (at most 28 significant digits) at any currency scale (0-4 places).
ARROW_PRECISION = 38


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
    """The rows as a DataFrame; schedule-level fields go to ``DataFrame.attrs``."""
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
    frame.attrs.update(_summary(data))
    return frame


def to_arrow(schedule: Schedule) -> Any:
    """The rows as a pyarrow Table with ``decimal128`` money columns at the currency's scale."""
    pa = require("pyarrow", "Schedule.to_arrow()", "arrow")
    data = schedule.to_dict()
    rows = data["installments"]
    money = pa.decimal128(ARROW_PRECISION, schedule.minor_units)
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
