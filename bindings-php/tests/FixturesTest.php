<?php

declare(strict_types=1);

namespace Windeep\Tests;

use PHPUnit\Framework\TestCase;
use Windeep\Client;
use Windeep\WindeepException;

/**
 * Replays every golden fixture through Client::call, as bindings-python/tests/test_fixtures.py
 * does: the whole output must equal `expected`, or the call must throw the exception of
 * `expected_error.code`. The input goes in twice: as decoded objects and as JSON text.
 */
final class FixturesTest extends TestCase
{
    /** @return iterable<string, array{string}> */
    public static function fixtures(): iterable
    {
        foreach (Support::fixtureFiles() as $file) {
            yield $file => [$file];
        }
    }

    public function testFixturesExist(): void
    {
        self::assertGreaterThan(100, count(Support::fixtureFiles()), 'no golden fixtures under ' . Support::fixturesDir());
    }

    /** @dataProvider fixtures */
    public function testFixtureObjectInput(string $file): void
    {
        $case = $this->load($file);
        $this->check($case, fn (string $op, mixed $input) => Support::client()->call($op, $input));
    }

    /** @dataProvider fixtures */
    public function testFixtureJsonTextInput(string $file): void
    {
        $case = $this->load($file);
        $this->check($case, fn (string $op, mixed $input) => Support::client()->call($op, json_encode($input, JSON_THROW_ON_ERROR | JSON_PRESERVE_ZERO_FRACTION)));
    }

    public function testAFixtureWithAnUnknownOperationFails(): void
    {
        $case = (object) ['operation' => 'no_such_operation', 'input' => new \stdClass(), 'expected' => new \stdClass()];
        $this->expectException(\PHPUnit\Framework\AssertionFailedError::class);
        $this->expectExceptionMessage('not in Client::OPERATIONS');
        $this->check($case, fn (string $op, mixed $input) => Support::client()->call($op, $input));
    }

    private function load(string $file): \stdClass
    {
        $case = json_decode((string) file_get_contents(Support::fixturesDir() . '/' . $file), false, 4096, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
        self::assertInstanceOf(\stdClass::class, $case);
        return $case;
    }

    /** @param callable(string, mixed): array<array-key, mixed> $run */
    private function check(\stdClass $case, callable $run): void
    {
        $operation = $case->operation;
        self::assertContains($operation, Client::OPERATIONS, "fixture operation $operation is not in Client::OPERATIONS");
        self::assertTrue(property_exists($case, 'expected') !== property_exists($case, 'expected_error'), "a fixture has exactly one of 'expected' and 'expected_error'");
        if (property_exists($case, 'expected')) {
            $expected = json_decode(json_encode($case->expected, JSON_THROW_ON_ERROR | JSON_PRESERVE_ZERO_FRACTION), true, 4096, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
            self::assertSame(Support::canonical($expected), Support::canonical($run($operation, $case->input)));
            return;
        }
        $code = $case->expected_error->code;
        try {
            $run($operation, $case->input);
        } catch (WindeepException $e) {
            self::assertSame($code, $e->errorCode, $e->getMessage());
            self::assertSame(\Windeep\Ffi::STATUS_REFUSED, $e->getCode());
            return;
        }
        self::fail("expected $code, got an output");
    }
}
