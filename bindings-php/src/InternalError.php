<?php

declare(strict_types=1);

namespace Windeep;

/**
 * The library panicked (`E_INTERNAL`, status 99): a defect in windeep, never in the input. The
 * panic was caught inside the library; the PHP process and later calls are unharmed.
 */
final class InternalError extends WindeepException
{
}
