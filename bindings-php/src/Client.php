<?php

declare(strict_types=1);

namespace Windeep;

/**
 * windeep from PHP: every operation of the core, JSON in and out through the C ABI.
 *
 * Money, rates and dates are strings both ways (`"8884.88"`, `"12.5"`, `"2026-02-05"`): a PHP
 * float never carries money. Each operation has its own method (generated from the operation
 * contract, see {@see Generated\Operations}); {@see Client::call()} runs any operation by name.
 * A refusal throws {@see WindeepException} with the core's code.
 *
 * ```php
 * $windeep = new Windeep\Client('/usr/local/lib/libwindeep_ffi.so');
 * $s = $windeep->schedule(['principal' => '100000', 'annual_rate' => '12', 'tenure' => 12,
 *     'disbursed_on' => '2026-01-05', 'first_due_on' => '2026-02-05']);
 * echo $s['emi'];   // 8884.88
 * ```
 */
final class Client
{
    use Generated\Operations;

    /** json_encode's own depth limit (its default): deeper input is refused before encoding. */
    private const ENCODE_DEPTH = 512;

    private \FFI $ffi;

    /**
     * @param string|null $library path to libwindeep_ffi.so; null: `WINDEEP_FFI_LIB`, else the
     *     preloaded scope `WINDEEP`
     */
    public function __construct(?string $library = null)
    {
        $this->ffi = Ffi::load($library);
    }

    /**
     * Runs operation `$operation` on `$input` and returns its output, decoded.
     *
     * `$input` is an array (encoded with json_encode), an object (`stdClass`, so that `{}`
     * stays an object) or JSON text passed through unchanged.
     *
     * @param array<array-key, mixed>|object|string $input
     * @return array<array-key, mixed>
     * @throws WindeepException with the core's code when the input is refused
     */
    public function call(string $operation, array|object|string $input): array
    {
        $decoded = json_decode($this->callJson($operation, $input), true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
        if (!is_array($decoded)) {
            throw new WindeepException('the output is not a JSON object or array', 'E_INVALID_OUTPUT');
        }
        return $decoded;
    }

    /**
     * Like {@see Client::call()}, returning the output as JSON text.
     *
     * @param array<array-key, mixed>|object|string $input
     * @throws WindeepException with the core's code when the input is refused
     */
    public function callJson(string $operation, array|object|string $input): string
    {
        if (!is_string($input)) {
            if (self::deeperThan($input, self::ENCODE_DEPTH)) {
                // PHP 8.2's json_encode checks the depth only on its way back up, so a value
                // nested tens of thousands deep overflows its stack and kills the process.
                throw new WindeepException('E_INVALID_INPUT: Maximum stack depth exceeded', 'E_INVALID_INPUT', null, Ffi::STATUS_INVALID_ARGUMENT);
            }
            try {
                $input = json_encode($input, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION);
            } catch (\JsonException $e) {
                throw new WindeepException('E_INVALID_INPUT: ' . $e->getMessage(), 'E_INVALID_INPUT', null, Ffi::STATUS_INVALID_ARGUMENT, $e);
            }
        }
        if (str_contains($operation, "\0") || str_contains($input, "\0")) {
            throw new WindeepException('E_INVALID_ARGUMENT: a NUL byte in the operation or the input', 'E_INVALID_ARGUMENT', null, Ffi::STATUS_INVALID_ARGUMENT);
        }
        $out = $this->ffi->new('char *');
        $status = $this->ffi->windeep_call($operation, $input, \FFI::addr($out));
        if (\FFI::isNull($out)) {
            throw new WindeepException("E_INVALID_ARGUMENT: no output (status $status)", 'E_INVALID_ARGUMENT', null, $status);
        }
        try {
            $text = \FFI::string($out);
        } finally {
            $this->ffi->windeep_free($out);
        }
        if ($status === Ffi::STATUS_OK) {
            return $text;
        }
        $error = json_decode($text, true);
        throw WindeepException::fromError(is_array($error) ? $error : ['message' => $text], $status);
    }

    /**
     * The operation names the library knows, in its order.
     *
     * @return list<string>
     */
    public function operations(): array
    {
        /** @var list<string> $names */
        $names = json_decode($this->staticString($this->ffi->windeep_operations()), true, 4, JSON_THROW_ON_ERROR);
        return $names;
    }

    /** The library's version (`"0.1.0"`). */
    public function version(): string
    {
        return $this->staticString($this->ffi->windeep_version());
    }

    /**
     * The version of the operation contract the library implements (`"0.1.0"`): the `version`
     * of `schema/windeep.schema.json`.
     */
    public function schemaVersion(): string
    {
        return $this->staticString($this->ffi->windeep_schema_version());
    }

    /** A `const char *` the library owns (never freed here). */
    /**
     * Whether `$value` nests arrays or objects more than `$limit` deep. The walk stops at the
     * limit, so it recurses at most `$limit` frames whatever the input.
     */
    private static function deeperThan(mixed $value, int $limit): bool
    {
        if ($limit < 0) {
            return true;
        }
        foreach ((array) $value as $item) {
            if ((is_array($item) || is_object($item)) && self::deeperThan($item, $limit - 1)) {
                return true;
            }
        }
        return false;
    }

    private function staticString(mixed $value): string
    {
        if (is_string($value)) {
            return $value;
        }
        if ($value === null || ($value instanceof \FFI\CData && \FFI::isNull($value))) {
            throw new WindeepException('the library returned NULL', 'E_INTERNAL', null, Ffi::STATUS_PANIC);
        }
        return \FFI::string($value);
    }
}
