<?php

declare(strict_types=1);

namespace Windeep;

/**
 * A refusal of the core, with its stable code (`E_FIRST_DUE_NOT_AFTER_DISBURSEMENT`, …).
 *
 * `getCode()` is the C ABI status (1 refused, 2 invalid argument, 99 panic); the core's code is
 * {@see WindeepException::$errorCode}, and {@see WindeepException::$field} names the input
 * field at fault when the core names one (null otherwise).
 */
class WindeepException extends \RuntimeException
{
    /**
     * @param string $errorCode the stable `E_…` code
     * @param string|null $field the input field at fault, when the core names one
     * @param int $status the C ABI status
     */
    public function __construct(
        string $message,
        public readonly string $errorCode,
        public readonly ?string $field = null,
        int $status = Ffi::STATUS_REFUSED,
        ?\Throwable $previous = null
    ) {
        parent::__construct($message, $status, $previous);
    }

    /** The stable `E_…` code. */
    public function getErrorCode(): string
    {
        return $this->errorCode;
    }

    /** The input field at fault, when the core names one. */
    public function getField(): ?string
    {
        return $this->field;
    }

    /**
     * The exception for an error document `{"code", "message", "field"?}` of the C ABI.
     *
     * @param array{code?: mixed, message?: mixed, field?: mixed} $error
     */
    public static function fromError(array $error, int $status): self
    {
        $code = is_string($error['code'] ?? null) ? $error['code'] : 'E_UNKNOWN';
        $message = is_string($error['message'] ?? null) ? $error['message'] : $code;
        $field = is_string($error['field'] ?? null) ? $error['field'] : null;
        $class = $status === Ffi::STATUS_PANIC ? InternalError::class : self::class;
        return new $class("$code: $message", $code, $field, $status);
    }
}
