<?php

declare(strict_types=1);

namespace Windeep\Tests;

use PHPUnit\Framework\TestCase;
use Windeep\Ffi;

/** Where the release package keeps its library (release/build.sh, docs/install.md). */
final class PackageTest extends TestCase
{
    public function testThePlatformFolderNamesOsAndArchitecture(): void
    {
        self::assertMatchesRegularExpression('/^[a-z]+-[a-z0-9_]+$/', Ffi::platform());
        if (PHP_OS_FAMILY === 'Linux' && php_uname('m') === 'x86_64') {
            self::assertSame('linux-x86_64', Ffi::platform());
        }
    }

    public function testACheckoutCarriesNoBundledLibrary(): void
    {
        // The library is built into target/; only the release archive has lib/<platform>/.
        self::assertNull(Ffi::bundled());
    }
}
