<?php

declare(strict_types=1);

namespace Windeep\Tests;

use Windeep\Client;

/** Shared helpers: the client, the golden fixtures and an order-blind comparison. */
final class Support
{
    private static ?Client $client = null;

    public static function client(): Client
    {
        return self::$client ??= new Client();
    }

    /** The repository's golden fixtures (`fixtures/` at the workspace root). */
    public static function fixturesDir(): string
    {
        return dirname(__DIR__, 2) . '/fixtures';
    }

    /**
     * Every golden case: each `*.json` below `fixtures/`, except the generators' `tools/`.
     *
     * @return list<string> paths relative to fixtures/, sorted
     */
    public static function fixtureFiles(): array
    {
        $root = self::fixturesDir();
        $files = [];
        $it = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($root, \FilesystemIterator::SKIP_DOTS));
        foreach ($it as $file) {
            /** @var \SplFileInfo $file */
            $rel = substr($file->getPathname(), strlen($root) + 1);
            $dirs = explode('/', $rel);
            array_pop($dirs);
            if ($file->isFile() && str_ends_with($rel, '.json') && !in_array('tools', $dirs, true)) {
                $files[] = $rel;
            }
        }
        sort($files, SORT_STRING);
        return $files;
    }

    /**
     * A JSON value with every object's keys sorted (a list keeps its order), so that two
     * documents compare equal exactly when they are the same JSON value, as Python's `==` on
     * `json.load` results.
     */
    public static function canonical(mixed $value): mixed
    {
        if (!is_array($value)) {
            return $value;
        }
        $out = array_map([self::class, 'canonical'], $value);
        if (!array_is_list($out)) {
            ksort($out, SORT_STRING);
        }
        return $out;
    }
}
