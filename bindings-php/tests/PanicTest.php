<?php

declare(strict_types=1);

namespace Windeep\Tests;

use PHPUnit\Framework\TestCase;
use Windeep\Ffi;
use Windeep\InternalError;

/**
 * A panic inside the library never kills the PHP process. The library under test is built
 * with the `panic-probe` feature, whose operation `__windeep_panic_probe` panics on purpose
 * inside the same guarded path every operation takes.
 */
final class PanicTest extends TestCase
{
    public function testAPanicIsAnInternalErrorAndTheProcessGoesOn(): void
    {
        for ($i = 0; $i < 3; $i++) {
            try {
                Support::client()->call('__windeep_panic_probe', new \stdClass());
                self::fail('the panic probe returned');
            } catch (InternalError $e) {
                self::assertSame('E_INTERNAL', $e->errorCode);
                self::assertSame(Ffi::STATUS_PANIC, $e->getCode());
                self::assertStringContainsString('panic probe', $e->getMessage());
            }
            $out = Support::client()->call('schedule', [
                'principal' => '100000', 'annual_rate' => '12', 'tenure' => 12,
                'disbursed_on' => '2026-01-05', 'first_due_on' => '2026-02-05',
            ]);
            self::assertSame('8884.88', $out['emi']);
        }
    }

    public function testTheProbeIsNotAnOperation(): void
    {
        self::assertNotContains('__windeep_panic_probe', Support::client()->operations());
    }
}
