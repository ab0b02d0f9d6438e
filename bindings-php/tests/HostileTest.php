<?php

declare(strict_types=1);

namespace Windeep\Tests;

use PHPUnit\Framework\TestCase;
use Windeep\WindeepException;

/**
 * The hostile-input corpus (`tests/hostile/make_corpus.py`) through the PHP package, as
 * `bindings-python/tests/test_hostile.py` does it through Python.
 *
 * Each case runs in its own PHP process (`hostile_case.php`) limited to 512 MiB of address
 * space and 5 s (30 s for the unoptimised library `test.sh` builds; `WINDEEP_HOSTILE_SECONDS`
 * overrides): the process must survive every file and input and see the core's error code as a
 * {@see WindeepException}, never die. Statement files go in as the JSON operation takes them
 * (`content_base64`); the few larger than 16 MiB are covered by their `*_op.json` variants,
 * and /dev/zero is left to the core and the CLI, as in Python.
 */
final class HostileTest extends TestCase
{
    private const LIMIT_KB = 512 * 1024;
    private const MAX_FILE = 16 << 20;

    private static function seconds(): int
    {
        $given = getenv('WINDEEP_HOSTILE_SECONDS');
        if ($given !== false && $given !== '') {
            return (int) $given;
        }
        return str_contains((string) getenv('WINDEEP_FFI_LIB'), '/debug/') ? 30 : 5;
    }

    private static function removeTree(string $dir): void
    {
        foreach (array_diff((array) scandir($dir), ['.', '..']) as $name) {
            $path = "$dir/$name";
            is_dir($path) ? self::removeTree($path) : unlink($path);
        }
        rmdir($dir);
    }

    /** @return array{0: int, 1: string, 2: string} exit status, stdout, stderr */
    private static function spawn(array $command): array
    {
        $proc = proc_open($command, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        self::assertIsResource($proc);
        $out = (string) stream_get_contents($pipes[1]);
        $err = (string) stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        return [proc_close($proc), $out, $err];
    }

    public function testEveryHostileInputIsRefusedWithItsCodeAndTheHostSurvives(): void
    {
        $root = dirname(__DIR__, 2);
        $out = sys_get_temp_dir() . '/windeep-hostile-php-' . getmypid();
        try {
            [$status, , $err] = self::spawn(['python3', "$root/tests/hostile/make_corpus.py", $out]);
            self::assertSame(0, $status, $err);
            $cases = json_decode((string) file_get_contents("$out/manifest.json"), true, 512, JSON_THROW_ON_ERROR)['cases'];
            $seconds = self::seconds();
            $failures = [];
            $ran = 0;
            foreach ($cases as $case) {
                $file = $case['file'];
                $path = str_starts_with($file, '/') ? $file : "$out/$file";
                if (str_starts_with($file, '/dev/') || filesize($path) > self::MAX_FILE) {
                    continue;
                }
                $ran++;
                [$status, $stdout, $stderr] = self::spawn([
                    'bash', '-c', 'ulimit -v "$0" && exec timeout -s KILL "$1" "${@:2}"',
                    (string) self::LIMIT_KB, (string) $seconds,
                    PHP_BINARY, __DIR__ . '/hostile_case.php', json_encode($case, JSON_THROW_ON_ERROR), $path,
                ]);
                $lines = explode("\n", trim($stdout));
                $got = $lines[0];
                if ($status === 137) {
                    $failures[] = "$file: still running after $seconds s";
                } elseif ($status !== 0 || $got !== $case['code']) {
                    $failures[] = "$file: want {$case['code']}, got " . json_encode($got)
                        . " (exit $status) " . substr($stderr, -300);
                }
            }
            self::assertGreaterThanOrEqual(20, $ran);
            self::assertSame([], $failures, implode("\n", $failures));
        } finally {
            if (is_dir($out)) {
                self::removeTree($out); // it holds a 200 MB file
            }
        }
    }

    public function testDeeplyNestedPhpDataIsTheCoreErrorNotAFatalError(): void
    {
        $client = Support::client();
        $deep = [];
        for ($i = 0; $i < 100_000; $i++) {
            $deep = [$deep];
        }
        try {
            $client->call('schedule', ['principal' => $deep]);
            self::fail('deep input returned');
        } catch (WindeepException $e) {
            self::assertSame('E_INVALID_INPUT', $e->errorCode);
        }
        try {
            $client->call('schedule', str_repeat('[', 100_000) . str_repeat(']', 100_000));
            self::fail('deep JSON text returned');
        } catch (WindeepException $e) {
            self::assertSame('E_INVALID_INPUT', $e->errorCode);
        }
    }

    public function testARepeatedKeyIsRefused(): void
    {
        try {
            Support::client()->call('post_event', '{"books": {}, "event": {"amount":"9000.00","amount":"1.00"}}');
            self::fail('a repeated key was accepted');
        } catch (WindeepException $e) {
            self::assertSame('E_INVALID_INPUT', $e->errorCode);
        }
    }
}
