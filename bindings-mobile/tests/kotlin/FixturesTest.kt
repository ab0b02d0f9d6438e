// Replays every golden fixture in fixtures/ through the binding's generic `call` (the same
// semantics as bindings-python/tests/test_fixtures.py: the whole output equals `expected`, or
// the call throws the exception of `expected_error.code`), then checks error mapping and that a
// panic inside the library becomes an exception. Exits non-zero on any failure.
package org.windeep.test

import java.io.File
import kotlin.system.exitProcess
import org.windeep.WindeepException
import org.windeep.call
import org.windeep.operations
import org.windeep.panicProbe

private var failures = 0
private var checks = 0

private fun check(ok: Boolean, what: () -> String) {
    checks++
    if (!ok) {
        failures++
        System.err.println("FAIL: ${what()}")
    }
}

fun fixtureFiles(root: File): List<File> =
    root.walkTopDown()
        .filter { it.isFile && it.name.endsWith(".json") }
        .filter { !it.relativeTo(root).path.split(File.separatorChar).dropLast(1).contains("tools") }
        .sortedBy { it.relativeTo(root).invariantSeparatorsPath }
        .toList()

/** The codes whose refusal names the input field (`CoreError::field`). */
private val FIELD_CODES = setOf("E_BLANK_IDENTIFIER", "E_IDEMPOTENCY_CONFLICT", "E_PERCENT_OUT_OF_RANGE")
private var fieldsSeen = 0

fun replay(root: File) {
    val files = fixtureFiles(root)
    check(files.isNotEmpty()) { "no golden fixtures under $root" }
    val ops = operations().toSet()
    for (f in files) {
        val id = f.relativeTo(root).invariantSeparatorsPath
        @Suppress("UNCHECKED_CAST")
        val case = parseJson(f.readText()) as Map<String, Any>
        val op = case["operation"] as String
        check(op in ops) { "$id: operation '$op' is not in operations()" }
        check(("expected" in case) != ("expected_error" in case)) {
            "$id: a fixture has exactly one of 'expected' and 'expected_error'"
        }
        val input = writeJson(case["input"]!!)
        if ("expected" in case) {
            try {
                val out = parseJson(call(op, input))
                check(out == case["expected"]) { "$id: output differs from expected" }
            } catch (e: WindeepException) {
                check(false) { "$id: unexpected ${e.message}" }
            }
        } else {
            @Suppress("UNCHECKED_CAST")
            val code = (case["expected_error"] as Map<String, Any>)["code"] as String
            try {
                call(op, input)
                check(false) { "$id: expected $code, got an output" }
            } catch (e: WindeepException.Refused) {
                check(e.code == code) { "$id: expected $code, got ${e.code}: ${e.detail}" }
                // The refusals that name an input field carry it; the others carry none.
                check((e.field != null) == (code in FIELD_CODES)) { "$id: field ${e.field} for $code" }
                if (e.field != null) fieldsSeen++
            }
        }
    }
    check(fieldsSeen > 0) { "no refusal named its field" }
    println("replayed ${files.size} fixtures ($fieldsSeen refusals named their field)")
}

fun errorMapping() {
    try {
        call("no_such_operation", "{}")
        check(false) { "an unknown operation returned" }
    } catch (e: WindeepException.Refused) {
        check(e.code == "E_UNKNOWN_OPERATION") { "unknown operation gave ${e.code}" }
        check(e.detail.isNotEmpty()) { "empty message" }
    }
    try {
        call("schedule", "not json")
        check(false) { "bad JSON returned" }
    } catch (e: WindeepException.Refused) {
        check(e.code == "E_INVALID_INPUT") { "bad JSON gave ${e.code}" }
    }
    val bad = """{"principal": "100000", "annual_rate": "12", "tenure": 0,
        "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}"""
    try {
        call("schedule", bad)
        check(false) { "tenure 0 returned" }
    } catch (e: WindeepException) {
        check(e is WindeepException.Refused && e.code == "E_INVALID_TENURE") { "tenure 0 gave $e" }
    }
}

fun panicSafety() {
    try {
        panicProbe("probe 42")
        check(false) { "the panic probe returned" }
    } catch (e: WindeepException.Internal) {
        check(e.code == "E_INTERNAL") { "panic gave ${e.code}" }
        check(e.detail.contains("probe 42")) { "panic message lost: ${e.detail}" }
    }
    // The library still answers after a panic.
    check(operations().contains("schedule")) { "library unusable after a panic" }
}

fun main(args: Array<String>) {
    val root = File(args.getOrElse(0) { "fixtures" })
    replay(root)
    TypedReplay(::check).run(root)
    TypedAccountReplay(::check).run(root)
    errorMapping()
    panicSafety()
    println("$checks checks, $failures failures")
    if (failures > 0) exitProcess(1)
}
