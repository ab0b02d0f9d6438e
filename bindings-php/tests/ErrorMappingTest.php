<?php

declare(strict_types=1);

namespace Windeep\Tests;

use PHPUnit\Framework\TestCase;
use Windeep\Ffi;
use Windeep\InternalError;
use Windeep\WindeepException;

/** How the C ABI's statuses and error documents become PHP exceptions. */
final class ErrorMappingTest extends TestCase
{
    private const TERMS = [
        'principal' => '100000', 'annual_rate' => '12', 'tenure' => 12,
        'disbursed_on' => '2026-01-05', 'first_due_on' => '2026-02-05',
    ];

    private function refusal(string $operation, array|object|string $input): WindeepException
    {
        try {
            Support::client()->call($operation, $input);
        } catch (WindeepException $e) {
            return $e;
        }
        self::fail("$operation: expected a refusal");
    }

    public function testARefusalCarriesTheCoreCodeAndStatus(): void
    {
        $e = $this->refusal('schedule', ['first_due_on' => '2026-01-05'] + self::TERMS);
        self::assertSame('E_FIRST_DUE_NOT_AFTER_DISBURSEMENT', $e->errorCode);
        self::assertSame('E_FIRST_DUE_NOT_AFTER_DISBURSEMENT', $e->getErrorCode());
        self::assertSame(Ffi::STATUS_REFUSED, $e->getCode());
        self::assertStringStartsWith('E_FIRST_DUE_NOT_AFTER_DISBURSEMENT: ', $e->getMessage());
        self::assertNotInstanceOf(InternalError::class, $e);
    }

    public function testMoneyAsAPhpFloatOrIntIsRefused(): void
    {
        self::assertSame('E_INVALID_AMOUNT', $this->refusal('schedule', ['principal' => 100000.0] + self::TERMS)->errorCode);
        self::assertSame('E_INVALID_AMOUNT', $this->refusal('schedule', ['principal' => 100000] + self::TERMS)->errorCode);
    }

    public function testShapeErrorsAndUnknownOperations(): void
    {
        self::assertSame('E_INVALID_INPUT', $this->refusal('schedule', 'not json')->errorCode);
        self::assertSame('E_INVALID_INPUT', $this->refusal('schedule', ['surprise' => 1] + self::TERMS)->errorCode);
        self::assertSame('E_INVALID_INPUT', $this->refusal('schedule', [])->errorCode);
        self::assertSame('E_UNKNOWN_OPERATION', $this->refusal('no_such_operation', new \stdClass())->errorCode);
    }

    public function testTheFieldIsTakenFromTheErrorDocument(): void
    {
        $e = WindeepException::fromError(['code' => 'E_INVALID_AMOUNT', 'message' => 'bad', 'field' => 'principal'], Ffi::STATUS_REFUSED);
        self::assertSame('principal', $e->field);
        self::assertSame('principal', $e->getField());
        $e = WindeepException::fromError(['code' => 'E_INVALID_AMOUNT', 'message' => 'bad'], Ffi::STATUS_REFUSED);
        self::assertNull($e->field);
        self::assertInstanceOf(InternalError::class, WindeepException::fromError(['code' => 'E_INTERNAL', 'message' => 'x'], Ffi::STATUS_PANIC));
    }

    public function testArgumentsTheAbiCannotCarryAreRefusedBeforeTheCall(): void
    {
        $e = $this->refusal("schedule\0", self::TERMS);
        self::assertSame('E_INVALID_ARGUMENT', $e->errorCode);
        self::assertSame(Ffi::STATUS_INVALID_ARGUMENT, $e->getCode());
        $e = $this->refusal('schedule', ['principal' => "\xff"] + self::TERMS);
        self::assertSame('E_INVALID_INPUT', $e->errorCode, 'json_encode refuses invalid UTF-8');
        $e = $this->refusal('schedule', "{\"principal\": \"\xff\"}");
        self::assertSame('E_INVALID_ARGUMENT', $e->errorCode, 'the library refuses text that is not UTF-8');
        self::assertSame(Ffi::STATUS_INVALID_ARGUMENT, $e->getCode());
    }

    public function testTheStatusesAreTheHeaders(): void
    {
        $header = (string) file_get_contents(dirname(__DIR__, 2) . '/bindings-c/include/windeep.h');
        preg_match_all('/^#define WINDEEP_STATUS_(\w+) (\d+)$/m', $header, $m, PREG_SET_ORDER);
        self::assertCount(4, $m);
        foreach ($m as [, $name, $value]) {
            self::assertSame((int) $value, constant(Ffi::class . '::STATUS_' . $name), $name);
        }
    }
}
