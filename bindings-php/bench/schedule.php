<?php

declare(strict_types=1);

/*
 * A 12-row schedule (100,000 @ 12% p.a., 12 months, legacy-spec §12.1) computed two ways in
 * one run:
 *
 *  - windeep through PHP FFI: Client::schedule(), i.e. json_encode, the C call, json_decode
 *    of the whole output (12 rows, totals, APR);
 *  - the legacy formula as the legacy PHP does it: Loan_model::calculate_emi and the loop of
 *    generate_installment_schedule with floats and round(), rows built as arrays (no database).
 *
 *     php bindings-php/bench/schedule.php path/to/libwindeep_ffi.so [iterations]
 *
 * Prints the median of 7 rounds per implementation, in microseconds per schedule, plus two
 * parts of the FFI figure: the call with its output left as JSON text, and the crossing alone
 * (an unknown operation, refused at once). windeep's `schedule` always computes the APR (RBI
 * KFS) as well, which the legacy code never did; BENCHMARKS.md has the Rust figure of each part.
 */

require dirname(__DIR__) . '/src/autoload.php';

$library = $argv[1] ?? getenv('WINDEEP_FFI_LIB') ?: null;
$iterations = (int) ($argv[2] ?? 20000);
$client = new Windeep\Client($library);

/** The legacy Loan_model::calculate_emi (reducing branch), verbatim arithmetic. */
function legacy_calculate_emi(float $principal, float $rate, int $tenure): array
{
    $monthly_rate = ($rate / 12) / 100;
    if ($monthly_rate == 0) {
        $emi = $principal / $tenure;
    } else {
        $emi = $principal * $monthly_rate * pow(1 + $monthly_rate, $tenure) / (pow(1 + $monthly_rate, $tenure) - 1);
    }
    $total_payable = $emi * $tenure;
    $total_interest = $total_payable - $principal;
    return ['emi' => round($emi, 2), 'total_interest' => round($total_interest, 2), 'total_payable' => round($total_payable, 2)];
}

/** The legacy generate_installment_schedule loop (reducing), rows as arrays instead of inserts. */
function legacy_schedule(float $principal, float $rate, int $tenure, float $emi, string $first_emi_date): array
{
    $monthly_rate = ($rate / 12) / 100;
    $balance = $principal;
    $due_date = new DateTime($first_emi_date);
    $rows = [];
    for ($i = 1; $i <= $tenure; $i++) {
        $interest = max(0, $balance * $monthly_rate);
        $principal_part = max(0, $emi - $interest);
        $outstanding_before = $balance;
        if ($i === $tenure) {
            $principal_part = max(0, $outstanding_before);
            $balance = 0;
        } else {
            $principal_part = min(round($principal_part, 2), max(0, $outstanding_before));
            $balance -= $principal_part;
        }
        $interest = round($interest, 2);
        $emi_amount = max(0, $principal_part + $interest);
        $rows[] = [
            'installment_number' => $i,
            'due_date' => $due_date->format('Y-m-d'),
            'principal_amount' => max(0, $principal_part),
            'interest_amount' => max(0, $interest),
            'emi_amount' => round($emi_amount, 2),
            'outstanding_principal_before' => round($outstanding_before, 2),
            'outstanding_principal_after' => round(max(0, $balance), 2),
            'status' => $i === 1 ? 'pending' : 'upcoming',
        ];
        $due_date->modify('+1 month');
    }
    return $rows;
}

$terms = ['principal' => '100000', 'annual_rate' => '12', 'tenure' => 12,
    'disbursed_on' => '2026-01-05', 'first_due_on' => '2026-02-05'];

$runs = [
    'windeep via PHP FFI (schedule + APR, JSON both ways)' => static function () use ($client, $terms): int {
        return count($client->schedule($terms)['installments']);
    },
    'windeep via PHP FFI, output left as JSON text (no decode)' => static function () use ($client, $terms): int {
        return strlen($client->callJson('schedule', $terms));
    },
    'the crossing alone: an unknown operation, refused' => static function () use ($client): int {
        try {
            $client->callJson('no_such_operation', '{}');
        } catch (Windeep\WindeepException) {
            return 1;
        }
        return 0;
    },
    'legacy PHP float formula (calculate_emi + row loop)' => static function (): int {
        $h = legacy_calculate_emi(100000.0, 12.0, 12);
        return count(legacy_schedule(100000.0, 12.0, 12, $h['emi'], '2026-02-05'));
    },
];

// The two agree on the §12.1 rows before anything is timed.
$w = $client->schedule($terms)['installments'];
$l = legacy_schedule(100000.0, 12.0, 12, legacy_calculate_emi(100000.0, 12.0, 12)['emi'], '2026-02-05');
foreach ($w as $k => $row) {
    if (number_format($l[$k]['interest_amount'], 2, '.', '') !== $row['interest']) {
        fwrite(STDERR, "row {$row['number']} differs\n");
        exit(1);
    }
}

printf("PHP %s, %s, %d schedules per round, median of 7 rounds\n", PHP_VERSION, $library ?? 'preloaded', $iterations);
foreach ($runs as $name => $run) {
    for ($i = 0; $i < 1000; $i++) {
        $run();
    }
    $rounds = [];
    for ($r = 0; $r < 7; $r++) {
        $t = hrtime(true);
        for ($i = 0; $i < $iterations; $i++) {
            $run();
        }
        $rounds[] = (hrtime(true) - $t) / 1000 / $iterations;
    }
    sort($rounds);
    printf("%-55s %8.2f µs per schedule (min %.2f, max %.2f)\n", $name, $rounds[3], $rounds[0], $rounds[6]);
}
