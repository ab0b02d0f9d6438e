"""Type stubs for the compiled extension ``windeep._windeep`` (checked by mypy.stubtest)."""

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Final, Literal, Protocol, TypeAlias, TypedDict, final


__version__: Final[str]
__schema_version__: Final[str]
__all__ = [
    "schedule",
    "call",
    "call_typed",
    "Schedule",
    "Installment",
    "Totals",
    "RoundingPolicy",
    "OPERATIONS",
    "WindeepError",
    "InvalidInputError",
    "InvalidAmountError",
    "AmountScaleError",
    "AmountOutOfRangeError",
    "NonPositivePrincipalError",
    "InvalidRateError",
    "NegativeRateError",
    "RateExceedsCapError",
    "InvalidDateError",
    "InvalidCurrencyError",
    "InvalidRoundingError",
    "InvalidPolicyError",
    "InvalidTenureError",
    "TenureExceedsPolicyError",
    "InvalidGraceError",
    "InvalidFixedDueDayError",
    "FirstDueNotAfterDisbursementError",
    "FirstDueGapOutOfPolicyError",
    "InvalidFeeError",
    "EmiBelowInterestError",
    "EmiRoundingOverpaysError",
    "EmiRoundsToZeroError",
    "NegativeInterestError",
    "NetDisbursementNotPositiveError",
    "DateOutOfRangeError",
    "OverflowError",
    "UnknownInstallmentError",
    "IdempotencyConflictError",
    "BlankIdentifierError",
    "InvalidReversalError",
    "InvalidEventError",
    "UnknownEventError",
    "LoanClosedError",
    "NotEligibleError",
    "RestructureLimitError",
    "PercentOutOfRangeError",
    "TopupNotEligibleError",
    "RestructureRequiredError",
    "ArrearsOutstandingError",
    "PartPaymentAmountError",
    "NegativeAmortisationError",
    "ForeclosureAmountError",
    "StatementUnreadableError",
    "StatementHeaderNotFoundError",
    "UnknownPresetError",
    "InvalidColumnsError",
    "SplitNotBalancedError",
    "MappingDirectionError",
    "MappingConflictError",
    "InvalidMappingError",
    "UnknownOperationError",
    "InvalidFineRuleError",
    "DuplicateFineRuleError",
    "InvalidFineSnapshotError",
    "FineLimitExceededError",
    "FineBalanceNegativeError",
    "InvalidApplicationError",
    "InvalidOverrideError",
    "OverrideWithoutReasonError",
    "UnbalancedEntryError",
    "UnknownAccountError",
    "PeriodClosedError",
    "InsufficientBalanceError",
    "StatementTooLargeError",
    "StatementLineTooLongError",
    "StatementTooManyRowsError",
    "StatementTooManyColumnsError",
    "StatementCellTooLongError",
    "StatementDecompressedTooLargeError",
    "StatementSheetTooLargeError",
    "StatementEncodingError",
    "InputTooLargeError",
    "InternalError",
    "ERRORS",
    "AUDIT_RULES",
]

#: Every operation name ``call`` knows, in a stable order.
OPERATIONS: Final[tuple[str, ...]]
#: The exception class of every error code (core codes plus ``E_INTERNAL``).
ERRORS: Final[Mapping[str, type[WindeepError]]]
#: Every audit rule id and the sentence it enforces (``docs/audit.md``).
AUDIT_RULES: Final[Mapping[str, str]]

class _SupportsIndex(Protocol):
    def __index__(self) -> int: ...

_Int: TypeAlias = int | _SupportsIndex
_Amount: TypeAlias = Decimal | int | _SupportsIndex
_Date: TypeAlias = datetime.date | str
_Method: TypeAlias = Literal["reducing", "flat", "equal_principal", "bullet"]
#: ``reducing_monthly`` (the legacy system's name) is read as ``reducing``.
_MethodArg: TypeAlias = _Method | Literal["reducing_monthly"]
_Frequency: TypeAlias = Literal["monthly", "quarterly", "fortnightly", "weekly"]
_InterestBasis: TypeAlias = Literal["30_360", "actual_365", "actual_actual"]
_BrokenPeriod: TypeAlias = Literal["none", "add_to_first", "amortize", "deduct_upfront"]
_RoundingMode: TypeAlias = Literal["half_up", "half_even", "up", "down"]

class _RoundingDict(TypedDict):
    increment: _Amount
    mode: _RoundingMode

class _FeeDict(TypedDict):
    kind: Literal["percentage", "fixed"]
    value: _Amount

class _CurrencyDict(TypedDict):
    code: str
    minor_units: int

class _PolicyDict(TypedDict, total=False):
    max_tenure: _Int
    max_annual_rate: _Amount
    min_first_due_gap_days: _Int
    max_first_due_gap_days: _Int
    level_emi: Literal["actual_periods", "nominal_rate"]

def schedule(
    *,
    principal: _Amount,
    annual_rate: _Amount,
    tenure: _Int,
    disbursed_on: _Date,
    first_due_on: _Date,
    method: _MethodArg = "reducing",
    frequency: _Frequency = "monthly",
    interest_basis: _InterestBasis = "30_360",
    broken_period: _BrokenPeriod = "none",
    fixed_due_day: _Int | Literal["last"] | None = None,
    principal_grace: _Int = 0,
    interest_grace: _Int = 0,
    rounding: RoundingPolicy | _RoundingDict | None = None,
    emi_rounding: RoundingPolicy | _RoundingDict | None = None,
    processing_fee: _FeeDict | None = None,
    currency: _CurrencyDict | None = None,
    policy: _PolicyDict | None = None,
    apr_decimals: _Int = 2,
    apr: bool = True,
) -> Schedule: ...
def _restore(kind: str, text: str, minor_units: int) -> Schedule | Installment | Totals: ...
def call(operation: str, input: dict[str, Any] | str) -> dict[str, Any]: ...
def call_typed(operation: str, input: dict[str, Any] | str) -> dict[str, Any]: ...
def _panic_for_tests(message: str) -> None: ...
_RawColumns = tuple[list[str], list[list[str | None]]]
def _audit_columns() -> dict[str, list[str]]: ...
def _audit_book_columns(
    loans: dict[str, Any],
    installments: dict[str, Any],
    payments: dict[str, Any],
    fines: dict[str, Any],
    as_of: datetime.date,
    tolerance: str,
    strict: bool,
) -> Any: ...
def _audit_loan_detail(
    loans: _RawColumns,
    installments: _RawColumns,
    payments: _RawColumns,
    fines: _RawColumns,
    as_of: datetime.date,
    loan_id: int,
) -> str: ...
def _read_mysql_dump(dump: bytes) -> list[tuple[str, _RawColumns]]: ...
def _read_csv_table(data: bytes) -> _RawColumns: ...
@final
class RoundingPolicy:
    def __new__(cls, increment: _Amount, mode: _RoundingMode) -> RoundingPolicy: ...
    @property
    def increment(self) -> Decimal: ...
    @property
    def mode(self) -> _RoundingMode: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __reduce__(self) -> tuple[type[RoundingPolicy], tuple[Decimal, str]]: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Installment:
    @property
    def number(self) -> int: ...
    @property
    def due_on(self) -> datetime.date: ...
    @property
    def days(self) -> int: ...
    @property
    def opening_balance(self) -> Decimal: ...
    @property
    def principal(self) -> Decimal: ...
    @property
    def interest(self) -> Decimal: ...
    @property
    def installment(self) -> Decimal: ...
    @property
    def closing_balance(self) -> Decimal: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_json(self) -> str: ...
    def __reduce__(self) -> tuple[Any, tuple[str, str, int]]: ...
    def _repr_html_(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Totals:
    @property
    def principal(self) -> Decimal: ...
    @property
    def interest(self) -> Decimal: ...
    @property
    def payable(self) -> Decimal: ...
    def to_dict(self) -> dict[str, Decimal]: ...
    def to_json(self) -> str: ...
    def __reduce__(self) -> tuple[Any, tuple[str, str, int]]: ...
    def _repr_html_(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Schedule:
    @property
    def currency(self) -> str: ...
    @property
    def minor_units(self) -> int: ...
    @property
    def method(self) -> _Method: ...
    @property
    def frequency(self) -> _Frequency: ...
    @property
    def interest_basis(self) -> _InterestBasis: ...
    @property
    def principal(self) -> Decimal: ...
    @property
    def annual_rate(self) -> Decimal: ...
    @property
    def tenure(self) -> int: ...
    @property
    def disbursed_on(self) -> datetime.date: ...
    @property
    def first_due_on(self) -> datetime.date: ...
    @property
    def maturity_on(self) -> datetime.date: ...
    @property
    def emi(self) -> Decimal | None: ...
    @property
    def processing_fee(self) -> Decimal: ...
    @property
    def broken_period_days(self) -> int: ...
    @property
    def broken_period_interest(self) -> Decimal: ...
    @property
    def upfront_interest(self) -> Decimal: ...
    @property
    def net_disbursement(self) -> Decimal: ...
    @property
    def apr(self) -> Decimal | None: ...
    @property
    def installments(self) -> tuple[Installment, ...]: ...
    @property
    def totals(self) -> Totals: ...
    def to_dict(self) -> dict[str, Any]: ...
    def to_json(self) -> str: ...
    def __reduce__(self) -> tuple[Any, tuple[str, str, int]]: ...
    def to_pandas(self) -> Any: ...
    def to_arrow(self) -> Any: ...
    def _repr_html_(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

class WindeepError(Exception):
    """Base class of every windeep error."""

    #: The stable machine code, e.g. ``"E_INVALID_TENURE"``.
    code: str
    #: The human-readable explanation (may be reworded between versions).
    message: str

class InvalidInputError(WindeepError, ValueError): ...  # E_INVALID_INPUT
class InvalidAmountError(WindeepError, ValueError): ...  # E_INVALID_AMOUNT
class AmountScaleError(WindeepError): ...  # E_AMOUNT_SCALE
class AmountOutOfRangeError(WindeepError): ...  # E_AMOUNT_OUT_OF_RANGE
class NonPositivePrincipalError(WindeepError): ...  # E_NON_POSITIVE_PRINCIPAL
class InvalidRateError(WindeepError, ValueError): ...  # E_INVALID_RATE
class NegativeRateError(WindeepError): ...  # E_NEGATIVE_RATE
class RateExceedsCapError(WindeepError): ...  # E_RATE_EXCEEDS_CAP
class InvalidDateError(WindeepError, ValueError): ...  # E_INVALID_DATE
class InvalidCurrencyError(WindeepError): ...  # E_INVALID_CURRENCY
class InvalidRoundingError(WindeepError): ...  # E_INVALID_ROUNDING
class InvalidPolicyError(WindeepError): ...  # E_INVALID_POLICY
class InvalidTenureError(WindeepError): ...  # E_INVALID_TENURE
class TenureExceedsPolicyError(WindeepError): ...  # E_TENURE_EXCEEDS_POLICY
class InvalidGraceError(WindeepError): ...  # E_INVALID_GRACE
class InvalidFixedDueDayError(WindeepError): ...  # E_INVALID_FIXED_DUE_DAY
class FirstDueNotAfterDisbursementError(WindeepError): ...  # E_FIRST_DUE_NOT_AFTER_DISBURSEMENT
class FirstDueGapOutOfPolicyError(WindeepError): ...  # E_FIRST_DUE_GAP_OUT_OF_POLICY
class InvalidFeeError(WindeepError): ...  # E_INVALID_FEE
class EmiBelowInterestError(WindeepError): ...  # E_EMI_BELOW_INTEREST
class EmiRoundingOverpaysError(WindeepError): ...  # E_EMI_ROUNDING_OVERPAYS
class EmiRoundsToZeroError(WindeepError): ...  # E_EMI_ROUNDS_TO_ZERO
class NegativeInterestError(WindeepError): ...  # E_NEGATIVE_INTEREST
class NetDisbursementNotPositiveError(WindeepError): ...  # E_NET_DISBURSEMENT_NOT_POSITIVE
class DateOutOfRangeError(WindeepError): ...  # E_DATE_OUT_OF_RANGE
class OverflowError(WindeepError): ...  # E_OVERFLOW
class UnknownInstallmentError(WindeepError): ...  # E_UNKNOWN_INSTALLMENT
class IdempotencyConflictError(WindeepError): ...  # E_IDEMPOTENCY_CONFLICT
class BlankIdentifierError(WindeepError): ...  # E_BLANK_IDENTIFIER
class InvalidReversalError(WindeepError): ...  # E_INVALID_REVERSAL
class InvalidEventError(WindeepError): ...  # E_INVALID_EVENT
class UnknownEventError(WindeepError): ...  # E_UNKNOWN_EVENT
class LoanClosedError(WindeepError): ...  # E_LOAN_CLOSED
class NotEligibleError(WindeepError): ...  # E_NOT_ELIGIBLE
class RestructureLimitError(WindeepError): ...  # E_RESTRUCTURE_LIMIT
class PercentOutOfRangeError(WindeepError): ...  # E_PERCENT_OUT_OF_RANGE
class TopupNotEligibleError(WindeepError): ...  # E_TOPUP_NOT_ELIGIBLE
class RestructureRequiredError(WindeepError): ...  # E_RESTRUCTURE_REQUIRED
class ArrearsOutstandingError(WindeepError): ...  # E_ARREARS_OUTSTANDING
class PartPaymentAmountError(WindeepError): ...  # E_PART_PAYMENT_AMOUNT
class NegativeAmortisationError(WindeepError): ...  # E_NEGATIVE_AMORTISATION
class ForeclosureAmountError(WindeepError): ...  # E_FORECLOSURE_AMOUNT
class StatementUnreadableError(WindeepError): ...  # E_STATEMENT_UNREADABLE
class StatementHeaderNotFoundError(WindeepError): ...  # E_STATEMENT_HEADER_NOT_FOUND
class UnknownPresetError(WindeepError): ...  # E_UNKNOWN_PRESET
class InvalidColumnsError(WindeepError): ...  # E_INVALID_COLUMNS
class SplitNotBalancedError(WindeepError): ...  # E_SPLIT_NOT_BALANCED
class MappingDirectionError(WindeepError): ...  # E_MAPPING_DIRECTION
class MappingConflictError(WindeepError): ...  # E_MAPPING_CONFLICT
class InvalidMappingError(WindeepError): ...  # E_INVALID_MAPPING
class UnknownOperationError(WindeepError): ...  # E_UNKNOWN_OPERATION
class InvalidFineRuleError(WindeepError): ...  # E_INVALID_FINE_RULE
class DuplicateFineRuleError(WindeepError): ...  # E_DUPLICATE_FINE_RULE
class InvalidFineSnapshotError(WindeepError): ...  # E_INVALID_FINE_SNAPSHOT
class FineLimitExceededError(WindeepError): ...  # E_FINE_LIMIT_EXCEEDED
class FineBalanceNegativeError(WindeepError): ...  # E_FINE_BALANCE_NEGATIVE
class InvalidApplicationError(WindeepError): ...  # E_INVALID_APPLICATION
class InvalidOverrideError(WindeepError): ...  # E_INVALID_OVERRIDE
class OverrideWithoutReasonError(WindeepError): ...  # E_OVERRIDE_WITHOUT_REASON
class UnbalancedEntryError(WindeepError): ...  # E_UNBALANCED_ENTRY
class UnknownAccountError(WindeepError): ...  # E_UNKNOWN_ACCOUNT
class PeriodClosedError(WindeepError): ...  # E_PERIOD_CLOSED
class InsufficientBalanceError(WindeepError): ...  # E_INSUFFICIENT_BALANCE
class StatementTooLargeError(WindeepError): ...  # E_STATEMENT_TOO_LARGE
class StatementLineTooLongError(WindeepError): ...  # E_STATEMENT_LINE_TOO_LONG
class StatementTooManyRowsError(WindeepError): ...  # E_STATEMENT_TOO_MANY_ROWS
class StatementTooManyColumnsError(WindeepError): ...  # E_STATEMENT_TOO_MANY_COLUMNS
class StatementCellTooLongError(WindeepError): ...  # E_STATEMENT_CELL_TOO_LONG
class StatementDecompressedTooLargeError(WindeepError): ...  # E_STATEMENT_DECOMPRESSED_TOO_LARGE
class StatementSheetTooLargeError(WindeepError): ...  # E_STATEMENT_SHEET_TOO_LARGE
class StatementEncodingError(WindeepError): ...  # E_STATEMENT_ENCODING
class InputTooLargeError(WindeepError): ...  # E_INPUT_TOO_LARGE
class InternalError(WindeepError): ...  # E_INTERNAL
