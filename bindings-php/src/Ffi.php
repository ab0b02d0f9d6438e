<?php

declare(strict_types=1);

namespace Windeep;

use FFI as PhpFfi;

/**
 * The C ABI of libwindeep_ffi, loaded once per process.
 *
 * Four ways to find the library, first match wins:
 *  1. the path given to {@see Ffi::load()} (or to `new Client($path)`);
 *  2. the environment variable `WINDEEP_FFI_LIB` (a path to libwindeep_ffi.so);
 *  3. the scope `WINDEEP`, when `windeep.h` was preloaded (`opcache.preload` + `FFI::load`,
 *     see README.md): the only way under PHP-FPM with the default `ffi.enable=preload`;
 *  4. the library the release package carries for this platform,
 *     `lib/<os>-<arch>/libwindeep_ffi.so` beside `src/` ({@see Ffi::bundled()}).
 *
 * The statuses are those of `bindings-c/include/windeep.h`.
 */
final class Ffi
{
    /** The operation ran. */
    public const STATUS_OK = 0;
    /** The core refused the input; the output is `{"code": "E_…", "message": "…"}`. */
    public const STATUS_REFUSED = 1;
    /** An argument was NULL or not UTF-8 (`E_INVALID_ARGUMENT`). */
    public const STATUS_INVALID_ARGUMENT = 2;
    /** The library panicked (`E_INTERNAL`); the process is unharmed. */
    public const STATUS_PANIC = 99;

    /** The FFI scope name the header declares (`#define FFI_SCOPE "WINDEEP"`). */
    public const SCOPE = 'WINDEEP';

    /** @var array<string, PhpFfi> one FFI instance per library path */
    private static array $loaded = [];

    /** The declarations of windeep.h without its preprocessor lines (FFI::cdef has none). */
    public static function declarations(): string
    {
        $header = file_get_contents(__DIR__ . '/windeep.h');
        if ($header === false) {
            throw new \RuntimeException('cannot read ' . __DIR__ . '/windeep.h');
        }
        return (string) preg_replace('/^#define FFI_\w+ .*$/m', '', $header);
    }

    /**
     * The FFI instance for `$library` (or the environment, or the preloaded scope).
     *
     * @throws \RuntimeException when no library is given and none is preloaded
     */
    public static function load(?string $library = null): PhpFfi
    {
        $library ??= (getenv('WINDEEP_FFI_LIB') ?: null);
        if ($library === null) {
            return self::$loaded[''] ??= self::scope();
        }
        return self::$loaded[$library] ??= PhpFfi::cdef(self::declarations(), $library);
    }

    private static function scope(): PhpFfi
    {
        try {
            return PhpFfi::scope(self::SCOPE);
        } catch (\Throwable $e) {
            $bundled = self::bundled();
            if ($bundled !== null) {
                return PhpFfi::cdef(self::declarations(), $bundled);
            }
            throw new \RuntimeException(
                'libwindeep_ffi is not loaded: pass its path to new Windeep\Client($path), set '
                . 'WINDEEP_FFI_LIB, preload windeep.h (README.md, "PHP-FPM"), or install the '
                . 'release package for this platform (lib/' . self::platform() . '/)',
                0,
                $e
            );
        }
    }

    /**
     * The library the release package carries for this platform, or null: the Composer
     * archive `windeep-php-<version>-linux-x86_64.zip` has `lib/linux-x86_64/libwindeep_ffi.so`
     * (docs/install.md lists how to build the library for other platforms).
     */
    public static function bundled(): ?string
    {
        $file = match (PHP_OS_FAMILY) {
            'Darwin' => 'libwindeep_ffi.dylib',
            'Windows' => 'windeep_ffi.dll',
            default => 'libwindeep_ffi.so',
        };
        $path = dirname(__DIR__) . '/lib/' . self::platform() . '/' . $file;
        return is_file($path) ? $path : null;
    }

    /** `linux-x86_64`, `darwin-aarch64`, `windows-x86_64`, …: the folder under `lib/`. */
    public static function platform(): string
    {
        $arch = strtolower(php_uname('m'));
        $arch = match ($arch) {
            'amd64', 'x64' => 'x86_64',
            'arm64' => 'aarch64',
            default => $arch,
        };
        return strtolower(PHP_OS_FAMILY) . '-' . $arch;
    }

    /** The preload script's one line: `Windeep\Ffi::preload()` (see README.md). */
    public static function preload(): PhpFfi
    {
        return PhpFfi::load(__DIR__ . '/windeep.h');
    }
}
