<?php

declare(strict_types=1);

// The package's PSR-4 autoloader for installations without Composer (Composer users need
// nothing: composer.json maps Windeep\ to src/).
spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'Windeep\\')) {
        $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen('Windeep\\'))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
