<?php

declare(strict_types=1);

namespace Windeep\Tests;

use PHPUnit\Framework\TestCase;
use Windeep\WindeepException;

/**
 * 10,000 calls do not grow memory: neither PHP's heap nor the process's resident set (which
 * would show a string the library allocated and nobody freed: 10,000 unfreed 12-row schedules
 * are about 25 MB).
 */
final class MemoryTest extends TestCase
{
    private static function rssKb(): int
    {
        $status = (string) file_get_contents('/proc/self/status');
        self::assertSame(1, preg_match('/^VmRSS:\s+(\d+) kB$/m', $status, $m));
        return (int) $m[1];
    }

    /** @param int $n calls; alternately a schedule and a refusal */
    private static function calls(int $n): void
    {
        $client = Support::client();
        $terms = [
            'principal' => '100000', 'annual_rate' => '12', 'tenure' => 12,
            'disbursed_on' => '2026-01-05', 'first_due_on' => '2026-02-05',
        ];
        for ($i = 0; $i < $n; $i++) {
            if ($i % 2 === 0) {
                $out = $client->call('schedule', $terms);
                if (count($out['installments']) !== 12) {
                    throw new \LogicException('not 12 rows');
                }
            } else {
                try {
                    $client->call('schedule', ['principal' => '-1'] + $terms);
                } catch (WindeepException) {
                }
            }
        }
    }

    public function testTenThousandCallsWithoutMemoryGrowth(): void
    {
        self::calls(2000);
        gc_collect_cycles();
        $heap = memory_get_usage();
        $rss = self::rssKb();
        self::calls(10000);
        gc_collect_cycles();
        $heapGrowth = memory_get_usage() - $heap;
        $rssGrowth = self::rssKb() - $rss;
        self::assertLessThan(64 * 1024, $heapGrowth, "PHP heap grew by $heapGrowth bytes");
        self::assertLessThan(2048, $rssGrowth, "resident set grew by $rssGrowth kB");
    }
}
