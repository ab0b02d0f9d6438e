<?php

declare(strict_types=1);

namespace Windeep\Tests;

use PHPUnit\Framework\TestCase;
use Windeep\Legacy\LegacyAdapter;
use Windeep\WindeepException;

/** The legacy adapter against the worked examples of legacy-spec §12. */
final class LegacyAdapterTest extends TestCase
{
    private static function adapter(): LegacyAdapter
    {
        return new LegacyAdapter(Support::client());
    }

    /** §12.1: 100,000 @ 12% × 12; totals are the row sums (the legacy header said 6,618.55). */
    public function testCalculateEmiReducing(): void
    {
        self::assertSame(
            ['emi' => '8884.88', 'total_interest' => '6618.53', 'total_payable' => '106618.53'],
            self::adapter()->calculate_emi('100000', '12', 12)
        );
        self::assertSame('3321.43', self::adapter()->calculate_emi('100000', '12', 36, 'reducing_monthly')['emi'], '§12.2');
        self::assertSame('14383.98', self::adapter()->calculate_emi('500000', '24', 60)['emi'], '§12.3');
        self::assertSame('8333.33', self::adapter()->calculate_emi('100000', '0', 12)['emi'], '§12.3 zero rate');
    }

    /** §12.4: flat; the interest remainder is kept in the last row (583.33, not 583.31). */
    public function testCalculateEmiFlat(): void
    {
        $flat = self::adapter()->calculate_emi('100000', '12', 12, 'flat');
        self::assertSame('12000.00', $flat['total_interest']);
        self::assertSame('9333.33', $flat['emi']);
        self::assertSame('112000.00', $flat['total_payable']);
        $flat = self::adapter()->calculate_emi('10000', '10', 7, 'flat');
        self::assertSame('583.33', $flat['total_interest']);
        self::assertSame('1511.90', $flat['emi']);
    }

    /** §12.1's table, as loan_installments rows. */
    public function testGenerateInstallmentSchedule(): void
    {
        $rows = self::adapter()->generate_installment_schedule(7, '100000', '12', 12, 'reducing', '8884.88', '2026-02-05', '2026-01-05');
        self::assertCount(12, $rows);
        self::assertSame([
            'loan_id' => 7, 'installment_number' => 1, 'due_date' => '2026-02-05',
            'principal_amount' => '7884.88', 'interest_amount' => '1000.00', 'emi_amount' => '8884.88',
            'outstanding_principal_before' => '100000.00', 'outstanding_principal_after' => '92115.12',
        ], $rows[0]);
        self::assertSame(['7963.73', '921.15', '84151.39'], [$rows[1]['principal_amount'], $rows[1]['interest_amount'], $rows[1]['outstanding_principal_after']]);
        self::assertSame('51492.09', $rows[5]['outstanding_principal_after'], 'after 6 EMIs');
        self::assertSame([
            'loan_id' => 7, 'installment_number' => 12, 'due_date' => '2027-01-05',
            'principal_amount' => '8796.88', 'interest_amount' => '87.97', 'emi_amount' => '8884.85',
            'outstanding_principal_before' => '8796.88', 'outstanding_principal_after' => '0.00',
        ], $rows[11]);
    }

    /** §12.6: fixed_due_day 5 snaps 10 Feb to 5 Mar; a 31 Jan anchor keeps month ends. */
    public function testDueDates(): void
    {
        $rows = self::adapter()->generate_installment_schedule(1, '100000', '12', 12, 'reducing', null, '2026-02-10', '2026-01-10', 5);
        self::assertSame('2026-03-05', $rows[0]['due_date']);
        $rows = self::adapter()->generate_installment_schedule(1, '100000', '12', 12, 'reducing', null, '2026-01-31', '2026-01-01');
        self::assertSame(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30'], array_column(array_slice($rows, 0, 4), 'due_date'));
    }

    /** §12.7 (bug #16): 4,000 against interest 3,000 + principal 5,000 + fine 500. */
    public function testAllocatePayment(): void
    {
        $dues = [['installment_number' => 1, 'due_date' => '2026-02-05', 'interest_due' => '3000', 'principal_due' => '5000', 'fine_due' => '500']];
        self::assertSame([
            'payment_date' => '2026-03-10',
            'total_amount' => '4000',
            'excess_amount' => '0.00',
            'installments' => [['installment_number' => 1, 'interest_component' => '3000.00', 'principal_component' => '1000.00', 'fine_component' => null]],
        ], self::adapter()->allocate_payment('4000', '2026-03-10', $dues));
        $legacy = self::adapter()->allocate_payment('4000', '2026-03-10', $dues, null, ['preset' => 'legacy_fine_first']);
        self::assertSame(['installment_number' => 1, 'interest_component' => '3000.00', 'principal_component' => '500.00', 'fine_component' => '500.00'], $legacy['installments'][0]);
    }

    /**
     * §12.11, the intended column: rule, days late on the job's date, amount, and the days late
     * the fine is accrued to (a fixed fine is levied once, on the first late day).
     *
     * @return iterable<string, array{array<string, mixed>, int, string, int}>
     */
    public static function fineCases(): iterable
    {
        $perDay = fn (string $f, string $p, int $g, ?string $cap = null) => ['id' => 3, 'applies_to' => 'loan', 'calculation_type' => 'per_day', 'fine_value' => $f, 'per_day_amount' => $p, 'grace_period_days' => $g, 'max_fine_amount' => $cap];
        yield 'banking audit' => [$perDay('100', '20', 3), 8, '200.00', 8];
        yield 'architecture A' => [$perDay('100', '10', 0), 1, '110.00', 1];
        yield 'architecture B' => [$perDay('100', '10', 5), 7, '120.00', 7];
        yield 'settings screen' => [$perDay('100', '10', 5), 15, '200.00', 15];
        yield 'cron per_day' => [$perDay('0', '50', 0), 10, '500.00', 10];
        yield 'cron fixed_plus_daily' => [['calculation_type' => 'fixed_plus_daily'] + $perDay('200', '25', 0), 10, '450.00', 10];
        yield 'seeded standard, cap 500' => [['calculation_type' => 'fixed_plus_daily'] + $perDay('100', '10', 0, '500.00'), 45, '500.00', 45];
        yield 'fixed 500' => [['id' => 4, 'applies_to' => 'loan', 'calculation_type' => 'fixed', 'fine_value' => '500', 'grace_period_days' => 0, 'max_fine_amount' => '0.00'], 3, '500.00', 1];
    }

    /**
     * @dataProvider fineCases
     * @param array<string, mixed> $rule
     */
    public function testAssessFines(array $rule, int $daysLate, string $amount, int $accruedDays): void
    {
        $due = new \DateTimeImmutable('2026-01-05');
        $asOf = $due->modify("+$daysLate days")->format('Y-m-d');
        $installments = [['id' => 501, 'installment_number' => 1, 'due_date' => '2026-01-05', 'principal_due' => '9000.00', 'interest_due' => '1000.00']];
        $rows = self::adapter()->assess_fines('LN2026000001', $asOf, $installments, [$rule]);
        self::assertCount(1, $rows);
        self::assertSame([
            'action' => 'levy', 'loan_id' => 'LN2026000001', 'related_type' => 'loan_installment', 'related_id' => 501,
            'installment_number' => 1, 'fine_rule_id' => $rule['id'], 'fine_date' => $asOf, 'days_late' => $accruedDays,
            'fine_amount' => $amount, 'paid_amount' => '0.00', 'waived_amount' => '0.00', 'balance_amount' => $amount,
        ], $rows[0]);

        // The same day again with the fine already stored: nothing new is levied (bug #7).
        $again = self::adapter()->assess_fines('LN2026000001', $asOf, $installments, [$rule], [
            ['installment_number' => 1, 'fine_rule_id' => $rule['id'], 'fine_amount' => $amount, 'paid_amount' => '0.00', 'waived_amount' => '0.00'],
        ]);
        self::assertNotContains('levy', array_column($again, 'action'));
    }

    /** Inside the grace period nothing is levied (§12.11 "fixed within grace"). */
    public function testNoFineWithinGrace(): void
    {
        $rule = ['id' => 4, 'applies_to' => 'loan', 'calculation_type' => 'fixed', 'fine_value' => '500', 'grace_period_days' => 5];
        $installments = [['installment_number' => 1, 'due_date' => '2026-01-05', 'principal_due' => '9000.00', 'interest_due' => '1000.00']];
        self::assertSame([], self::adapter()->assess_fines('LN2026000001', '2026-01-08', $installments, [$rule]));
    }

    /** @return list<array<string, mixed>> 100,000 @ 12% × 36 with 12 EMIs paid (§12.2, §12.12). */
    private static function events(array $foreclosure): array
    {
        $events = [[
            'id' => 'd1', 'sequence' => 1, 'value_date' => '2026-01-05', 'idempotency_key' => 'DISB-LN2026000101',
            'body' => ['type' => 'disbursed', 'loan_id' => 'LN2026000101',
                'terms' => ['principal' => '100000', 'annual_rate' => '12', 'tenure' => 36, 'disbursed_on' => '2026-01-05', 'first_due_on' => '2026-02-05'],
                'guarantors' => ['M-0007'], 'policy' => ['foreclosure' => $foreclosure]],
        ]];
        $due = new \DateTimeImmutable('2026-02-05');
        for ($k = 1; $k <= 12; $k++) {
            $events[] = ['id' => "emi$k", 'sequence' => $k + 1, 'value_date' => $due->modify('+' . ($k - 1) . ' months')->format('Y-m-d'),
                'idempotency_key' => "UTR-emi$k", 'body' => ['type' => 'payment_received', 'amount' => '3321.43']];
        }
        return $events;
    }

    /** §12.12: HEAD formula B on §12.2 after 12 EMIs, and "principal + one month's interest". */
    public function testForeclosureQuote(): void
    {
        $q = self::adapter()->calculate_foreclosure_amount(self::events(['rule' => 'pct_of_remaining_scheduled', 'pct' => '80']), '2027-01-20');
        self::assertSame('70558.46', $q['outstanding_principal']);
        self::assertSame('80', $q['interest_charge_pct']);
        self::assertSame('7324.71', $q['interest_charge']);
        self::assertSame('0.00', $q['pending_fines']);
        self::assertSame('77883.17', $q['total_amount']);
        $q = self::adapter()->calculate_foreclosure_amount(self::events(['rule' => 'one_month_interest']), '2027-01-20');
        self::assertSame(['70558.46', '705.58', '71264.04'], [$q['outstanding_principal'], $q['interest_charge'], $q['total_amount']]);
        self::assertNull($q['interest_charge_pct']);
    }

    public function testRefusalsKeepTheCoreCode(): void
    {
        try {
            self::adapter()->calculate_emi('100000', '12', 12, 'reducing', '2026-02-01', '2026-02-01');
            self::fail('a first EMI on the disbursement date was accepted');
        } catch (WindeepException $e) {
            self::assertSame('E_FIRST_DUE_NOT_AFTER_DISBURSEMENT', $e->errorCode);
        }
        $this->expectException(\InvalidArgumentException::class);
        self::adapter()->calculate_emi('100000', '12', 12, 'balloon');
    }
}
