<?php

declare(strict_types=1);

namespace Windeep\Legacy;

use Windeep\Client;

/**
 * windeep shaped like the legacy CodeIgniter models, so a model can switch line by line.
 *
 * Each method takes the arguments of the legacy function it replaces (plus what the legacy
 * function read from the database or a setting) and returns arrays keyed by the legacy tables'
 * column names (`loan_installments`, `loan_payments`, `fines`). It maps names and shapes
 * only: every number comes from a windeep operation, computed by its rules, which correct the
 * legacy bugs (header totals are row sums, due dates keep their day, fines follow the agreed
 * formula, foreclosure counts fine balances) — see README.md for each difference. Money is a
 * decimal string; pass amounts as strings (a MySQL DECIMAL column fetched by mysqli/PDO already
 * is one), never as floats.
 *
 * The method names keep the legacy snake_case on purpose.
 */
final class LegacyAdapter
{
    public function __construct(private readonly Client $windeep)
    {
    }

    /** The legacy `interest_type` (`flat`, `reducing`, `reducing_monthly`) as a windeep method. */
    private static function method(string $type): string
    {
        return match ($type) {
            'flat' => 'flat',
            'reducing', 'reducing_monthly' => 'reducing',
            default => throw new \InvalidArgumentException("unknown interest_type '$type' (flat, reducing, reducing_monthly)"),
        };
    }

    /**
     * `Loan_model::calculate_emi`: the EMI and the loan's totals.
     *
     * The totals are the sums of the schedule's rows (legacy: from the unrounded EMI, which
     * disagreed with the rows, bug #4). The dates only place the schedule; under the legacy
     * 30/360 month they do not change the amounts, so the defaults are any one-month gap.
     *
     * @param numeric-string $principal rupees, e.g. "100000"
     * @param numeric-string $rate percent per annum, e.g. "12"
     * @param int $tenure months
     * @param string $type `reducing`, `reducing_monthly` or `flat`
     * @return array{emi: numeric-string|null, total_interest: numeric-string, total_payable: numeric-string}
     */
    public function calculate_emi(
        string $principal,
        string $rate,
        int $tenure,
        string $type = 'reducing',
        string $disbursement_date = '2026-01-01',
        string $first_emi_date = '2026-02-01'
    ): array {
        $s = $this->windeep->schedule([
            'principal' => $principal,
            'annual_rate' => $rate,
            'tenure' => $tenure,
            'method' => self::method($type),
            'disbursed_on' => $disbursement_date,
            'first_due_on' => $first_emi_date,
        ]);
        return [
            'emi' => $s['emi'],
            'total_interest' => $s['totals']['interest'],
            'total_payable' => $s['totals']['payable'],
        ];
    }

    /**
     * `Loan_model::generate_installment_schedule`: the `loan_installments` rows to insert.
     *
     * windeep computes the EMI itself from the terms, so `$emi` (the legacy argument) is not
     * read. The legacy function read `fixed_due_day` from the settings and assumed the
     * disbursement a month before the first EMI; here both are arguments. `status` is not
     * returned: an installment's status is derived for a date (`loan_statement`), and the
     * column's default applies on insert.
     *
     * @param int|string $loan_id `loans.id`, copied into each row
     * @param numeric-string $principal
     * @param numeric-string $rate percent per annum
     * @param numeric-string|null $emi not read (kept for the legacy signature)
     * @param string $first_emi_date `YYYY-MM-DD`
     * @param string $disbursement_date `YYYY-MM-DD`
     * @param int|null $fixed_due_day the legacy setting `fixed_due_day` (1–28), null when off
     * @return list<array{
     *     loan_id: int|string,
     *     installment_number: int,
     *     due_date: string,
     *     principal_amount: numeric-string,
     *     interest_amount: numeric-string,
     *     emi_amount: numeric-string,
     *     outstanding_principal_before: numeric-string,
     *     outstanding_principal_after: numeric-string
     * }>
     */
    public function generate_installment_schedule(
        int|string $loan_id,
        string $principal,
        string $rate,
        int $tenure,
        string $type,
        ?string $emi,
        string $first_emi_date,
        string $disbursement_date,
        ?int $fixed_due_day = null
    ): array {
        $terms = [
            'principal' => $principal,
            'annual_rate' => $rate,
            'tenure' => $tenure,
            'method' => self::method($type),
            'disbursed_on' => $disbursement_date,
            'first_due_on' => $first_emi_date,
        ];
        if ($fixed_due_day !== null && $fixed_due_day !== 0) {
            $terms['fixed_due_day'] = $fixed_due_day;
        }
        $rows = [];
        foreach ($this->windeep->schedule($terms)['installments'] as $row) {
            $rows[] = [
                'loan_id' => $loan_id,
                'installment_number' => $row['number'],
                'due_date' => $row['due_on'],
                'principal_amount' => $row['principal'],
                'interest_amount' => $row['interest'],
                'emi_amount' => $row['installment'],
                'outstanding_principal_before' => $row['opening_balance'],
                'outstanding_principal_after' => $row['closing_balance'],
            ];
        }
        return $rows;
    }

    /**
     * Payment allocation (`Loan_model::record_payment`): how one payment splits, as
     * `loan_payments` components per installment.
     *
     * `$dues` holds the loan's unpaid installments, each with what is still due — select it
     * exactly in SQL (DECIMAL arithmetic), e.g.
     * `SELECT installment_number, due_date, interest_amount - COALESCE(interest_paid, 0) AS
     * interest_due, principal_amount - COALESCE(principal_paid, 0) AS principal_due, … AS
     * fine_due FROM loan_installments …`. The order is windeep's (interest, then principal,
     * then fines, oldest first; legacy bug #16), or the named `$policy`.
     *
     * The result has one `loan_payments`-shaped row per installment the payment reaches (a
     * component it does not reach is null, the column's NULL/0.00), and the excess. The
     * payment's own component totals (one `loan_payments` row for a payment over several
     * installments) would be sums, which windeep does not return yet.
     *
     * @param numeric-string $amount the payment, rupees
     * @param string $payment_date `YYYY-MM-DD`
     * @param list<array{installment_number: int, due_date: string, interest_due: numeric-string, principal_due: numeric-string, fine_due?: numeric-string}> $dues
     * @param int|null $installment_number the installment the payment targets (legacy "collect"), or null
     * @param array<string, mixed> $policy windeep's allocation policy (`{"preset": …, "excess": …}`), default windeep's
     * @return array{
     *     payment_date: string,
     *     total_amount: numeric-string,
     *     excess_amount: numeric-string,
     *     installments: list<array{installment_number: int, interest_component: numeric-string|null, principal_component: numeric-string|null, fine_component: numeric-string|null}>
     * }
     */
    public function allocate_payment(
        string $amount,
        string $payment_date,
        array $dues,
        ?int $installment_number = null,
        array $policy = []
    ): array {
        $input = [
            'amount' => $amount,
            'paid_on' => $payment_date,
            'dues' => array_map(static fn (array $d): array => [
                'installment' => $d['installment_number'],
                'due_on' => $d['due_date'],
                'interest' => $d['interest_due'],
                'principal' => $d['principal_due'],
            ] + (isset($d['fine_due']) ? ['fine' => $d['fine_due']] : []), $dues),
        ];
        if ($installment_number !== null) {
            $input['installment'] = $installment_number;
        }
        if ($policy !== []) {
            $input['policy'] = $policy;
        }
        $out = $this->windeep->allocate($input);
        $columns = ['interest' => 'interest_component', 'principal' => 'principal_component', 'fine' => 'fine_component'];
        $rows = [];
        foreach ($out['lines'] as $line) {
            $n = $line['installment'];
            $rows[$n] ??= ['installment_number' => $n, 'interest_component' => null, 'principal_component' => null, 'fine_component' => null];
            $column = $columns[$line['component']] ?? null;
            if ($column === null || $rows[$n][$column] !== null) {
                // Two lines for one component of one installment would need a sum.
                throw new \UnexpectedValueException("allocation line {$line['component']} of installment $n cannot be one column");
            }
            $rows[$n][$column] = $line['amount'];
        }
        return [
            'payment_date' => $payment_date,
            'total_amount' => $amount,
            'excess_amount' => $out['excess'],
            'installments' => array_values($rows),
        ];
    }

    /** A legacy `fine_rules` row as a windeep fine rule (names only). */
    private static function rule(array $r): array
    {
        $type = $r['calculation_type'] ?? 'fixed';
        $formula = match ($type) {
            'fixed' => ['kind' => 'fixed', 'amount' => $r['fine_value']],
            'percentage' => ['kind' => 'percentage', 'percent' => $r['fine_value']],
            // windeep's per_day is the agreed `initial + per_day × effective days` (legacy-spec
            // §4.2 [INTENDED]); the legacy `fixed_plus_daily` never grew (a bug).
            'per_day', 'fixed_plus_daily' => ['kind' => 'per_day', 'initial' => $r['fine_value'] ?? '0', 'per_day' => $r['per_day_amount']],
            default => throw new \InvalidArgumentException("fine rule {$r['id']}: calculation_type '$type' has no windeep formula"),
        };
        $rule = [
            'id' => (int) $r['id'],
            'applies_to' => ($r['applies_to'] ?? 'loan') === 'savings' ? 'savings' : 'loan',
            'formula' => $formula,
            'grace_days' => (int) ($r['grace_period_days'] ?? 0),
        ];
        $cap = $r['max_fine_amount'] ?? null;
        if ($cap !== null && $cap !== '' && preg_match('/^0*(\.0*)?$/', (string) $cap) !== 1) {
            $rule['cap'] = (string) $cap;
        }
        foreach (['effective_from', 'effective_to'] as $k) {
            if (!empty($r[$k]) && $r[$k] !== '0000-00-00') {
                $rule[$k] = $r[$k];
            }
        }
        return $rule;
    }

    /**
     * Fine assessment (`Fine_model::run_late_fine_job` for one loan): the `fines` rows to
     * insert or update, by windeep's idempotent rules.
     *
     * `$installments` are the loan's installments due before `$as_of` with what is unpaid
     * (SQL as for {@see allocate_payment()}: `principal_due`, `interest_due`), and optionally
     * `id` (`loan_installments.id`, returned as `related_id`) and `settled_on`. `$fines` are
     * the fines already levied (`fines` rows with `installment_number`, `fine_rule_id`,
     * `fine_amount`, `paid_amount`, `waived_amount`; `occurrence` 1 unless given), so a second
     * run re-amounts instead of duplicating (legacy bug #7).
     *
     * @param string $loan_id `loans.loan_number`
     * @param string $as_of `YYYY-MM-DD`, the job's date
     * @param list<array<string, mixed>> $installments
     * @param list<array<string, mixed>> $fine_rules `fine_rules` rows
     * @param list<array<string, mixed>> $fines existing `fines` rows
     * @return list<array{
     *     action: string,
     *     loan_id: string,
     *     related_type: 'loan_installment',
     *     related_id: int|string|null,
     *     installment_number: int,
     *     fine_rule_id: int,
     *     fine_date: string,
     *     days_late: int,
     *     fine_amount: numeric-string,
     *     paid_amount: numeric-string,
     *     waived_amount: numeric-string,
     *     balance_amount: numeric-string
     * }>
     */
    public function assess_fines(string $loan_id, string $as_of, array $installments, array $fine_rules, array $fines = []): array
    {
        $levied = [];
        foreach ($fines as $f) {
            $levied[(int) $f['installment_number']][] = [
                'key' => [
                    'loan_id' => $loan_id,
                    'installment' => (int) $f['installment_number'],
                    'rule_id' => (int) $f['fine_rule_id'],
                    'occurrence' => (int) ($f['occurrence'] ?? 1),
                ],
                'amount' => (string) $f['fine_amount'],
                'paid' => (string) ($f['paid_amount'] ?? '0'),
                'waived' => (string) ($f['waived_amount'] ?? '0'),
            ];
        }
        $ids = [];
        $snapshot = [];
        foreach ($installments as $i) {
            $n = (int) $i['installment_number'];
            $ids[$n] = $i['id'] ?? null;
            $snapshot[] = [
                'number' => $n,
                'due_on' => $i['due_date'],
                'unpaid_principal' => (string) $i['principal_due'],
                'unpaid_interest' => (string) $i['interest_due'],
                'fines' => $levied[$n] ?? [],
            ] + (empty($i['settled_on']) ? [] : ['settled_on' => $i['settled_on']]);
        }
        $out = $this->windeep->assessFines([
            'as_of' => $as_of,
            'snapshot' => ['loan_id' => $loan_id, 'installments' => $snapshot],
            'rules' => array_map([self::class, 'rule'], $fine_rules),
        ]);
        $rows = [];
        foreach ($out['assessments'] as $a) {
            $n = $a['key']['installment'];
            $rows[] = [
                'action' => $a['action'],
                'loan_id' => $a['key']['loan_id'],
                'related_type' => 'loan_installment',
                'related_id' => $ids[$n] ?? null,
                'installment_number' => $n,
                'fine_rule_id' => $a['key']['rule_id'],
                'fine_date' => $out['as_of'],
                'days_late' => $a['days_late'],
                'fine_amount' => $a['amount'],
                'paid_amount' => $a['paid'],
                'waived_amount' => $a['waived'],
                'balance_amount' => $a['balance'],
            ];
        }
        return $rows;
    }

    /**
     * `Loan_model::calculate_foreclosure_amount`: the settlement quote, with the legacy keys.
     *
     * The legacy function read the loan from the database; windeep folds the loan's events
     * (`$events`, as for `loan_statement`) up to `$settlement_date`. The foreclosure rule is
     * the loan's policy (`pct_of_remaining_scheduled` with `pct` 80 is the legacy HEAD rule).
     * Two keys the legacy array lacked are part of the total: `interest_due` (interest of
     * installments due by the settlement date) and `prepayment_charge`. `total_interest` (the
     * remaining scheduled interest the charge is a percentage of) is null: windeep's quote does
     * not return it yet.
     *
     * @param list<array<string, mixed>> $events the loan's events
     * @param string $settlement_date `YYYY-MM-DD`
     * @return array{
     *     outstanding_principal: numeric-string,
     *     interest_due: numeric-string,
     *     total_interest: null,
     *     interest_charge_pct: numeric-string|null,
     *     interest_charge: numeric-string,
     *     prepayment_charge: numeric-string,
     *     pending_fines: numeric-string,
     *     total_amount: numeric-string,
     *     settlement_date: string,
     *     rule: array<string, mixed>
     * }
     */
    public function calculate_foreclosure_amount(array $events, string $settlement_date): array
    {
        $q = $this->windeep->foreclosureQuote(['events' => $events, 'settlement_on' => $settlement_date]);
        return [
            'outstanding_principal' => $q['principal'],
            'interest_due' => $q['interest_due'],
            'total_interest' => null,
            'interest_charge_pct' => $q['rule']['pct'] ?? null,
            'interest_charge' => $q['foreclosure_interest'],
            'prepayment_charge' => $q['prepayment_charge'],
            'pending_fines' => $q['fines'],
            'total_amount' => $q['total'],
            'settlement_date' => $q['settlement_on'],
            'rule' => $q['rule'],
        ];
    }
}
