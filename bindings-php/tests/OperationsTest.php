<?php

declare(strict_types=1);

namespace Windeep\Tests;

use PHPUnit\Framework\TestCase;
use Windeep\Client;

/** The generated methods: one per operation of the library, each the same as call(). */
final class OperationsTest extends TestCase
{
    public function testTheGeneratedListIsTheLibrarys(): void
    {
        $library = Support::client()->operations();
        $generated = Client::OPERATIONS;
        sort($library);
        sort($generated);
        self::assertSame($library, $generated, 'the schema and the library list different operations');
    }

    public function testEveryOperationHasItsMethod(): void
    {
        foreach (Client::OPERATIONS as $operation) {
            $method = lcfirst(str_replace('_', '', ucwords($operation, '_')));
            self::assertTrue(method_exists(Client::class, $method), "no method $method for $operation");
            $doc = (string) (new \ReflectionMethod(Client::class, $method))->getDocComment();
            self::assertStringContainsString("`$operation`", $doc);
            self::assertStringContainsString('@return', $doc);
        }
    }

    public function testEveryOperationIsReachable(): void
    {
        $fixtures = [];
        foreach (Support::fixtureFiles() as $file) {
            $case = json_decode((string) file_get_contents(Support::fixturesDir() . '/' . $file), true);
            $fixtures[$case['operation']] = true;
        }
        foreach (Client::OPERATIONS as $operation) {
            try {
                Support::client()->call($operation, new \stdClass());
            } catch (\Windeep\WindeepException $e) {
                self::assertNotSame('E_UNKNOWN_OPERATION', $e->errorCode, $operation);
            }
            self::assertArrayHasKey($operation, $fixtures, "no golden fixture replays $operation");
        }
    }

    /**
     * The top-level keys of a method's generated `@return array{…}` shape: name => required.
     *
     * @return array<string, bool>|null null when the shape is not an array{…}
     */
    private static function returnKeys(string $method): ?array
    {
        $doc = (string) (new \ReflectionMethod(Client::class, $method))->getDocComment();
        $lines = explode("\n", $doc);
        $start = array_search('     * @return array{', $lines, true);
        if ($start === false) {
            return null;
        }
        $keys = [];
        for ($i = $start + 1; $i < count($lines) && !str_starts_with($lines[$i], '     * }'); $i++) {
            if (preg_match('/^     \*     ([a-z_0-9]+)(\??): /', $lines[$i], $m) === 1) {
                $keys[$m[1]] = $m[2] === '';
            }
        }
        return $keys;
    }

    /** The generated output shapes name exactly the keys the golden outputs have. */
    public function testTheReturnShapesFitTheGoldenOutputs(): void
    {
        $checked = 0;
        foreach (Support::fixtureFiles() as $file) {
            $case = json_decode((string) file_get_contents(Support::fixturesDir() . '/' . $file), true);
            if (!isset($case['expected']) || !is_array($case['expected']) || array_is_list($case['expected'])) {
                continue;
            }
            $method = lcfirst(str_replace('_', '', ucwords($case['operation'], '_')));
            $keys = self::returnKeys($method);
            self::assertNotNull($keys, "$method has no array shape");
            foreach (array_keys($case['expected']) as $key) {
                self::assertArrayHasKey($key, $keys, "$file: $key is not in $method's @return shape");
            }
            foreach ($keys as $key => $required) {
                if ($required) {
                    self::assertArrayHasKey($key, $case['expected'], "$file: required $key of $method's shape is missing");
                }
            }
            $checked++;
        }
        self::assertGreaterThan(300, $checked);
    }

    public function testAMethodIsItsOperation(): void
    {
        $terms = [
            'principal' => '100000', 'annual_rate' => '12', 'tenure' => 12,
            'disbursed_on' => '2026-01-05', 'first_due_on' => '2026-02-05',
        ];
        self::assertSame(Support::client()->call('schedule', $terms), Support::client()->schedule($terms));
        $dues = ['amount' => '4000', 'paid_on' => '2026-03-10', 'dues' => [
            ['installment' => 1, 'due_on' => '2026-02-05', 'interest' => '3000', 'principal' => '5000', 'fine' => '500'],
        ]];
        self::assertSame(Support::client()->call('allocate', $dues), Support::client()->allocate($dues));
    }

    public function testVersion(): void
    {
        self::assertMatchesRegularExpression('/^\d+\.\d+\.\d+/', Support::client()->version());
        $schema = json_decode((string) file_get_contents(__DIR__ . '/../../schema/windeep.schema.json'), true);
        self::assertSame($schema['version'], Support::client()->schemaVersion());
    }
}
