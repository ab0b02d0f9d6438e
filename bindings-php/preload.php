<?php

declare(strict_types=1);

/*
 * opcache.preload script for PHP-FPM (README.md, "PHP-FPM"): compiles the package's classes
 * once in the master process. The C declarations are preloaded by `ffi.preload=…/windeep.h`,
 * which registers the FFI scope "WINDEEP" that `new Windeep\Client()` uses in every request.
 * Without `ffi.preload` (and only when no `opcache.preload_user` is set, i.e. the master does
 * not run as root), this script loads the header itself.
 */

require __DIR__ . '/src/autoload.php';

foreach ([
    Windeep\Ffi::class,
    Windeep\WindeepException::class,
    Windeep\InternalError::class,
    Windeep\Client::class,
    Windeep\Legacy\LegacyAdapter::class,
] as $class) {
    class_exists($class);
}

if ((string) ini_get('ffi.preload') === '') {
    FFI::load(getenv('WINDEEP_FFI_HEADER') ?: __DIR__ . '/src/windeep.h');
}
