"""windeep: exact lending calculations.

Repayment schedules (EMI, flat, equal principal, bullet), broken periods, grace, fees and the
APR, computed by the Rust core ``windeep-core`` with exact decimal arithmetic. Money and rates
go in and come out as :class:`decimal.Decimal`, dates as :class:`datetime.date`; a ``float``
is never accepted for money.

>>> from datetime import date
>>> from decimal import Decimal
>>> import windeep
>>> s = windeep.schedule(principal=Decimal("100000"), annual_rate=Decimal("12"), tenure=12,
...                      disbursed_on=date(2026, 1, 5), first_due_on=date(2026, 2, 5))
>>> s.emi
Decimal('8884.88')
>>> s.installments[-1].installment
Decimal('8884.85')
>>> s.totals.interest
Decimal('6618.53')

Two interfaces:

* :func:`schedule` takes typed keyword arguments and returns an immutable :class:`Schedule`.
* :func:`call` is the generic JSON interface shared by every windeep binding and the command
  line: ``call("schedule", {...})`` returns the operation's JSON output as plain data (money as
  ``str``), exactly as the golden fixtures spell it.

Every refusal raises a subclass of :class:`WindeepError` with the core's stable ``code``.

:func:`audit_loan_book` recomputes a legacy loan book (pandas DataFrames or pyarrow Tables of
the legacy tables) and returns every discrepancy with the rule it breaks; see
``docs/audit.md``. :mod:`windeep.testing` generates legacy-style books with planted errors.
"""

from windeep._windeep import (
    schedule,
    call,
    Schedule,
    Installment,
    Totals,
    RoundingPolicy,
    OPERATIONS,
    WindeepError,
    InvalidInputError,
    InvalidAmountError,
    AmountScaleError,
    AmountOutOfRangeError,
    NonPositivePrincipalError,
    InvalidRateError,
    NegativeRateError,
    RateExceedsCapError,
    InvalidDateError,
    InvalidCurrencyError,
    InvalidRoundingError,
    InvalidPolicyError,
    InvalidTenureError,
    TenureExceedsPolicyError,
    InvalidGraceError,
    InvalidFixedDueDayError,
    FirstDueNotAfterDisbursementError,
    FirstDueGapOutOfPolicyError,
    InvalidFeeError,
    EmiBelowInterestError,
    EmiRoundingOverpaysError,
    NegativeInterestError,
    NetDisbursementNotPositiveError,
    DateOutOfRangeError,
    OverflowError,
    UnknownInstallmentError,
    IdempotencyConflictError,
    InvalidEventError,
    UnknownEventError,
    LoanClosedError,
    NotEligibleError,
    RestructureLimitError,
    ArrearsOutstandingError,
    PartPaymentAmountError,
    NegativeAmortisationError,
    ForeclosureAmountError,
    StatementUnreadableError,
    StatementHeaderNotFoundError,
    UnknownPresetError,
    InvalidColumnsError,
    SplitNotBalancedError,
    MappingDirectionError,
    MappingConflictError,
    InvalidMappingError,
    UnknownOperationError,
    InvalidFineRuleError,
    DuplicateFineRuleError,
    InvalidFineSnapshotError,
    FineBalanceNegativeError,
    InvalidApplicationError,
    InvalidOverrideError,
    OverrideWithoutReasonError,
    UnbalancedEntryError,
    UnknownAccountError,
    PeriodClosedError,
    InsufficientBalanceError,
    InternalError,
    ERRORS,
    AUDIT_RULES,
    __version__,
)
from windeep.audit import (
    AuditResult,
    AuditSummary,
    Discrepancies,
    Discrepancy,
    audit_loan_book,
)

__all__ = [
    "schedule",
    "call",
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
    "NegativeInterestError",
    "NetDisbursementNotPositiveError",
    "DateOutOfRangeError",
    "OverflowError",
    "UnknownInstallmentError",
    "IdempotencyConflictError",
    "InvalidEventError",
    "UnknownEventError",
    "LoanClosedError",
    "NotEligibleError",
    "RestructureLimitError",
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
    "FineBalanceNegativeError",
    "InvalidApplicationError",
    "InvalidOverrideError",
    "OverrideWithoutReasonError",
    "UnbalancedEntryError",
    "UnknownAccountError",
    "PeriodClosedError",
    "InsufficientBalanceError",
    "InternalError",
    "ERRORS",
    "AUDIT_RULES",
    "audit_loan_book",
    "AuditResult",
    "AuditSummary",
    "Discrepancies",
    "Discrepancy",
    "__version__",
]
