<?php

declare(strict_types=1);

namespace Windeep\Tests;

use PHPUnit\Framework\TestCase;

/**
 * The PHP-FPM set-up of README.md, in a child PHP process: `ffi.enable=preload`,
 * `ffi.preload=windeep.h`, `opcache.preload=preload.php` with an `opcache.preload_user`, and
 * `new Windeep\Client()` finding the library through `FFI::scope("WINDEEP")` with no path.
 */
final class PreloadTest extends TestCase
{
    public function testTheClientUsesThePreloadedScope(): void
    {
        $lib = (string) getenv('WINDEEP_FFI_LIB');
        $dir = dirname(__DIR__);
        $header = sys_get_temp_dir() . '/windeep-preload-test.h';
        // The preloaded header with FFI_LIB made absolute, as README.md describes.
        file_put_contents($header, str_replace('"libwindeep_ffi.so"', '"' . $lib . '"', (string) file_get_contents("$dir/src/windeep.h")));
        $script = <<<'PHP'
            require getenv('WINDEEP_PHP_DIR') . '/src/autoload.php';
            $c = new Windeep\Client();
            echo $c->schedule(['principal' => '100000', 'annual_rate' => '12', 'tenure' => 12,
                'disbursed_on' => '2026-01-05', 'first_due_on' => '2026-02-05'])['emi'];
            PHP;
        $user = function_exists('posix_getpwuid') ? (posix_getpwuid(posix_geteuid())['name'] ?? 'root') : 'root';
        $cmd = [PHP_BINARY, '-n',
            '-d', 'extension=ffi', '-d', 'zend_extension=opcache',
            '-d', 'opcache.enable=1', '-d', 'opcache.enable_cli=1', '-d', 'ffi.enable=preload',
            '-d', "ffi.preload=$header",
            '-d', "opcache.preload=$dir/preload.php", '-d', "opcache.preload_user=$user",
            '-r', $script];
        $env = ['WINDEEP_PHP_DIR' => $dir, 'PATH' => (string) getenv('PATH')];
        $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
        self::assertIsResource($proc);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        $status = proc_close($proc);
        self::assertSame(0, $status, "stdout: $out\nstderr: $err");
        self::assertSame('8884.88', $out, $err);
    }
}
