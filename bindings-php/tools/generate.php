<?php

declare(strict_types=1);

/*
 * Writes src/Generated/Operations.php: one method per operation of the contract, with phpdoc
 * array shapes (psalm/phpstan syntax) of its input and output.
 *
 *     php bindings-php/tools/generate.php            # from schema/windeep.schema.json
 *
 * The shapes come from the JSON Schema of the operation contract (schema/windeep.schema.json,
 * `{"$defs": …, "operations": {"<name>": {"input", "output", "errors"}}}`). Strings that carry
 * money, rates and decimals (`x-windeep-type`) are `numeric-string`; dates are strings.
 * bindings-php/test.sh runs this and fails when the committed file differs.
 */

const MAX_DEPTH = 24;

$root = dirname(__DIR__, 2);
$schemaPath = $root . '/schema/windeep.schema.json';
$outPath = dirname(__DIR__) . '/src/Generated/Operations.php';

if (is_file($schemaPath)) {
    $schema = json_decode((string) file_get_contents($schemaPath), true, 4096, JSON_THROW_ON_ERROR);
    $source = 'schema/windeep.schema.json';
} else {
    // No contract schema in this tree: the operation names from the library
    // (WINDEEP_FFI_LIB), each with a generic array type.
    require dirname(__DIR__) . '/src/autoload.php';
    if (!trait_exists(\Windeep\Generated\Operations::class)) {
        eval('namespace Windeep\\Generated; trait Operations {}');
    }
    $generic = ['input' => ['type' => 'object'], 'output' => ['type' => 'object']];
    $schema = ['operations' => array_fill_keys((new \Windeep\Client())->operations(), $generic)];
    $source = 'the library\'s operation list (no schema/windeep.schema.json yet)';
}
$operations = $schema['operations'] ?? null;
if (!is_array($operations) || $operations === []) {
    fwrite(STDERR, "$schemaPath has no operations\n");
    exit(1);
}
$defs = $schema['$defs'] ?? [];

/** Follows a local `$ref` (`#/$defs/Name`). */
function resolve(array $node, array $defs): array
{
    $seen = 0;
    while (isset($node['$ref']) && is_string($node['$ref']) && $seen++ < 32) {
        $name = preg_replace('~^#/\$defs/~', '', $node['$ref']);
        $target = $defs[$name] ?? null;
        if (!is_array($target)) {
            return [];
        }
        $rest = $node;
        unset($rest['$ref']);
        $node = $rest + $target;
    }
    return $node;
}

/** A phpdoc key: bare when it is an identifier, quoted otherwise. */
function key_name(string $key): string
{
    return preg_match('/^[A-Za-z_][A-Za-z0-9_]*$/', $key) ? $key : "'" . addcslashes($key, "'\\") . "'";
}

/** A JSON literal as a phpdoc literal type. */
function literal(mixed $value): string
{
    return match (true) {
        is_string($value) => "'" . addcslashes($value, "'\\") . "'",
        is_bool($value) => $value ? 'true' : 'false',
        $value === null => 'null',
        is_int($value) => (string) $value,
        default => 'mixed',
    };
}

/** The phpdoc type of a schema node, `$indent` deep. */
function php_type(mixed $node, array $defs, int $depth, string $indent): string
{
    if ($node === true || $node === [] || !is_array($node)) {
        return 'mixed';
    }
    if ($depth > MAX_DEPTH) {
        return 'array<array-key, mixed>|scalar|null';
    }
    $node = resolve($node, $defs);
    if (array_key_exists('const', $node)) {
        return literal($node['const']);
    }
    if (isset($node['enum']) && is_array($node['enum'])) {
        return implode('|', array_unique(array_map('literal', $node['enum'])));
    }
    foreach (['oneOf', 'anyOf'] as $k) {
        if (isset($node[$k]) && is_array($node[$k])) {
            $types = [];
            foreach ($node[$k] as $alt) {
                foreach (explode("\n" . $indent . '|', php_type($alt, $defs, $depth + 1, $indent)) as $t) {
                    $types[] = $t;
                }
            }
            $types = array_values(array_unique($types));
            return implode('|', $types);
        }
    }
    if (isset($node['allOf']) && is_array($node['allOf'])) {
        $merged = ['type' => 'object', 'properties' => [], 'required' => []];
        foreach ($node['allOf'] as $part) {
            $part = resolve(is_array($part) ? $part : [], $defs);
            $merged['properties'] += $part['properties'] ?? [];
            $merged['required'] = array_merge($merged['required'], $part['required'] ?? []);
        }
        unset($node['allOf']);
        $node = $merged + $node;
    }
    $type = $node['type'] ?? (isset($node['properties']) ? 'object' : null);
    if (is_array($type)) {
        $types = [];
        foreach ($type as $t) {
            $types[] = php_type(['type' => $t] + $node, $defs, $depth, $indent);
        }
        return implode('|', array_unique($types));
    }
    switch ($type) {
        case 'string':
            $wt = $node['x-windeep-type'] ?? null;
            return in_array($wt, ['money', 'rate', 'decimal'], true) ? 'numeric-string' : 'string';
        case 'integer':
            return 'int';
        case 'number':
            return 'float|int';
        case 'boolean':
            return 'bool';
        case 'null':
            return 'null';
        case 'array':
            if (isset($node['prefixItems']) && is_array($node['prefixItems'])) {
                $items = array_map(fn ($i) => php_type($i, $defs, $depth + 1, $indent), $node['prefixItems']);
                return 'array{' . implode(', ', $items) . '}';
            }
            return 'list<' . php_type($node['items'] ?? true, $defs, $depth + 1, $indent) . '>';
        case 'object':
            $props = $node['properties'] ?? [];
            if (!is_array($props) || $props === []) {
                $extra = $node['additionalProperties'] ?? true;
                return 'array<string, ' . php_type($extra, $defs, $depth + 1, $indent) . '>';
            }
            $required = array_flip(is_array($node['required'] ?? null) ? $node['required'] : []);
            $inner = $indent . '    ';
            $lines = [];
            foreach ($props as $name => $prop) {
                $opt = isset($required[$name]) ? '' : '?';
                $lines[] = $inner . key_name((string) $name) . $opt . ': ' . php_type($prop, $defs, $depth + 1, $inner);
            }
            return "array{\n" . implode(",\n", $lines) . "\n" . $indent . '}';
        default:
            return 'mixed';
    }
}

/** `loan_statement` → `loanStatement`. */
function method_name(string $operation): string
{
    return lcfirst(str_replace(' ', '', ucwords(str_replace('_', ' ', $operation))));
}

/** A phpdoc block: every line prefixed with ` * `. */
function doc_lines(string $text, string $prefix): string
{
    return implode("\n", array_map(fn ($l) => rtrim($prefix . $l), explode("\n", $text)));
}

$methods = [];
foreach ($operations as $name => $op) {
    $summary = $op['doc'] ?? $op['description'] ?? $op['summary'] ?? (resolve($op['input'] ?? [], $defs)['description'] ?? null);
    $summary = is_string($summary) && $summary !== '' ? strtok($summary, "\n") : "The `$name` operation.";
    $in = php_type($op['input'] ?? true, $defs, 0, '');
    $out = php_type($op['output'] ?? true, $defs, 0, '');
    $errors = array_values(array_filter($op['errors'] ?? [], 'is_string'));
    $doc = $summary . "\n\n" . "Runs `$name` through the C ABI.\n\n";
    $doc .= '@param ' . $in . "|object|string \$input JSON text or an object where the input needs {}\n";
    $doc .= '@return ' . $out . "\n";
    $doc .= '@throws \\Windeep\\WindeepException' . ($errors ? ' ' . implode(', ', $errors) : '');
    $method = method_name((string) $name);
    $methods[] = "    /**\n" . doc_lines($doc, '     * ') . "\n     */\n"
        . "    public function $method(array|object|string \$input): array\n    {\n"
        . "        /** @psalm-suppress MixedReturnTypeCoercion */\n"
        . "        return \$this->call('" . $name . "', \$input);\n    }\n";
}

$names = implode(",\n", array_map(fn ($n) => "        '" . $n . "'", array_keys($operations)));
$code = <<<PHP
<?php

declare(strict_types=1);

// Generated by bindings-php/tools/generate.php from {$source}: do not edit.

namespace Windeep\\Generated;

/**
 * One method per operation of the contract, each a typed {@see \\Windeep\\Client::call()}.
 */
trait Operations
{
    /** Every operation of the contract, in its order. */
    public const OPERATIONS = [
$names,
    ];

    /**
     * @param array<array-key, mixed>|object|string \$input
     * @return array<array-key, mixed>
     */
    abstract public function call(string \$operation, array|object|string \$input): array;


PHP;
$code .= implode("\n", $methods) . "}\n";
$code = preg_replace("/\n\n\n+/", "\n\n", $code);
file_put_contents($outPath, $code);
echo 'wrote ', $outPath, ' (', count($operations), " operations)\n";
