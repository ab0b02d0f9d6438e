<?php

declare(strict_types=1);

require dirname(__DIR__) . '/src/autoload.php';

spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'Windeep\\Tests\\')) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen('Windeep\\Tests\\'))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});

if (!getenv('WINDEEP_FFI_LIB')) {
    fwrite(STDERR, "WINDEEP_FFI_LIB is not set: run bindings-php/test.sh\n");
    exit(1);
}
