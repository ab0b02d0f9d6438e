<?php

// One case of the hostile-input corpus, run by HostileTest in its own PHP process:
//     php hostile_case.php CASE_JSON PATH
// Prints the outcome (`ok`, `no rows` or the core's E_… code) and the peak resident set in kB.

declare(strict_types=1);

require dirname(__DIR__) . '/src/autoload.php';

$case = json_decode($argv[1], true, 512, JSON_THROW_ON_ERROR);
$path = $argv[2];
$client = new Windeep\Client();
try {
    if ($case['kind'] === 'statement') {
        $out = $client->bankImport([
            'account_id' => 'SBI-1',
            'format' => $case['format'],
            'content_base64' => base64_encode((string) file_get_contents($path)),
        ]);
        $result = $out['summary']['new'] >= 1 ? 'ok' : 'no rows';
    } else {
        $client->call($case['operation'], (string) file_get_contents($path));
        $result = 'ok';
    }
} catch (Windeep\WindeepException $e) {
    $result = $e->errorCode;
}
$status = (string) file_get_contents('/proc/self/status');
echo $result, "\n", preg_match('/^VmHWM:\s+(\d+) kB$/m', $status, $m) ? $m[1] : '-1', "\n";
