#!/usr/bin/env python3
"""Checks that the Python package's keyword functions agree with the schema, field by field.

For every operation in schema/windeep.schema.json (``schedule`` is the native function of the
extension module and is checked by its own tests) bindings-python/python/windeep/_operations.py
must define a function of that name whose keyword-only parameters are exactly the operation's
input fields; a field the schema requires has no default, every other field defaults to
``None``; a money, rate or decimal field is annotated ``Decimal`` and a date field
``datetime.date``; a field named like a Python keyword is the parameter with a trailing
underscore (``from_``). ``__all__`` and ``OPERATION_FUNCTIONS`` list every operation, and the package
exports every function. Reads the source only: no build needed.

Usage: python3 schema/check_python.py
"""

import ast
import keyword
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bindings-python" / "python" / "windeep"
NATIVE = {"schedule"}


def resolve(doc, schema):
    """A schema with a top-level $ref followed into $defs."""
    while isinstance(schema, dict) and "$ref" in schema:
        schema = doc["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def kind(doc, schema):
    """The x-windeep-type of a field's schema (through $ref and nullable anyOf), if any."""
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return None
    if "x-windeep-type" in schema:
        return schema["x-windeep-type"]
    for alt in schema.get("anyOf", []):
        k = kind(doc, alt)
        if k:
            return k
    return None


def main():
    doc = json.loads((ROOT / "schema" / "windeep.schema.json").read_text())
    tree = ast.parse((PACKAGE / "_operations.py").read_text())
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    names = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and node.value is not None:
            names[target.id] = node.value
    all_list = [e.value for e in names["__all__"].elts]
    op_functions = [k.value for k in names["OPERATION_FUNCTIONS"].args[0].keys]
    init = (PACKAGE / "__init__.py").read_text()
    failures = []
    operations = list(doc["operations"])
    if sorted(op_functions) != sorted(operations):
        failures.append(f"OPERATION_FUNCTIONS lists {sorted(set(op_functions) ^ set(operations))} wrongly")
    for op in operations:
        if op in NATIVE:
            continue
        if op not in all_list:
            failures.append(f"__all__ does not list {op}")
        if f'"{op}"' not in init:
            failures.append(f"windeep/__init__.py does not export {op}")
        fn = functions.get(op)
        if fn is None:
            failures.append(f"no function {op}")
            continue
        schema = resolve(doc, doc["operations"][op]["input"])
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        args = fn.args.kwonlyargs
        for a in args:
            # A field named like a Python keyword (`from`) is the parameter `from_`.
            if a.arg.endswith("_") and keyword.iskeyword(a.arg[:-1]):
                a.arg = a.arg[:-1]
        defaults = dict(zip([a.arg for a in args], fn.args.kw_defaults))
        params = [a.arg for a in args]
        if fn.args.args or fn.args.vararg or fn.args.kwarg:
            failures.append(f"{op}: parameters must all be keyword-only")
        if sorted(params) != sorted(props):
            failures.append(f"{op}: parameters {sorted(params)} but input fields {sorted(props)}")
        for a in args:
            if a.arg not in props:
                continue
            has_default = defaults.get(a.arg) is not None
            if (a.arg in required) == has_default:
                want = "no default" if a.arg in required else "default None"
                failures.append(f"{op}({a.arg}): the schema says {want}")
            annotation = ast.unparse(a.annotation) if a.annotation else ""
            k = kind(doc, props[a.arg])
            if k in ("money", "rate", "decimal") and "Decimal" not in annotation:
                failures.append(f"{op}({a.arg}): a {k} is annotated {annotation!r}")
            if k == "date" and "datetime.date" not in annotation:
                failures.append(f"{op}({a.arg}): a date is annotated {annotation!r}")
    for f in failures:
        print(f)
    print(f"{len(operations)} operations checked against the Python functions, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
