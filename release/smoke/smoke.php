<?php
// Smoke test of the installed Composer package (release/smoke.sh): a schedule, a refusal,
// the versions. The library is the one the package carries (no path, no environment).

declare(strict_types=1);

require __DIR__ . '/vendor/autoload.php';

$version = $argv[1];
$check = static function (bool $ok, string $what): void {
    if (!$ok) {
        fwrite(STDERR, "php: FAILED: $what\n");
        exit(1);
    }
};
$check(getenv('WINDEEP_FFI_LIB') === false, 'WINDEEP_FFI_LIB is not set');
$w = new Windeep\Client();
$terms = ['principal' => '100000', 'annual_rate' => '12', 'tenure' => 12,
    'disbursed_on' => '2026-01-05', 'first_due_on' => '2026-02-05'];
$s = $w->schedule($terms);
$check($s['emi'] === '8884.88', 'EMI 8884.88, got ' . $s['emi']);
$refusal = null;
try {
    $w->schedule(['tenure' => 0] + $terms);
} catch (Windeep\WindeepException $e) {
    $refusal = $e->errorCode;
}
$check($refusal === 'E_INVALID_TENURE', 'tenure 0 refused with E_INVALID_TENURE, got ' . var_export($refusal, true));
$check($w->version() === $version, 'version ' . $w->version());
$check($w->schemaVersion() === $version, 'schema version ' . $w->schemaVersion());
$lib = Windeep\Ffi::bundled();
$check($lib !== null && str_contains($lib, '/vendor/windeep/windeep/lib/linux-x86_64/'), "bundled library $lib");
printf("php: EMI %s, tenure 0 refused with %s, library %s, schema %s, %s\n", $s['emi'], $refusal,
    $w->version(), $w->schemaVersion(), substr($lib, strpos($lib, 'vendor/')));
