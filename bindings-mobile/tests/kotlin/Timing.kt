// Times a 12-row schedule from Kotlin on the JVM through the binding (`call` and the typed
// `schedule`), for BENCHMARKS.md; the Rust counterpart is examples/schedule_timing.rs.
package org.windeep.test

import java.math.BigDecimal
import java.time.LocalDate
import org.windeep.ScheduleRequest
import org.windeep.call
import org.windeep.schedule

private const val INPUT = """{"principal": "100000", "annual_rate": "12", "tenure": 12,
    "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}"""

private fun perCall(n: Int, f: () -> Unit): Long {
    repeat(n / 10) { f() }
    val start = System.nanoTime()
    repeat(n) { f() }
    return (System.nanoTime() - start) / n
}

fun main() {
    val request = ScheduleRequest(BigDecimal("100000"), BigDecimal("12"), 12u,
        LocalDate.of(2026, 1, 5), LocalDate.of(2026, 2, 5))
    check(schedule(request).installments.size == 12)
    val n = 20_000
    val json = perCall(n) { call("schedule", INPUT) }
    val typed = perCall(n) { schedule(request) }
    println(String.format("kotlin call(\"schedule\") 12 rows: %d ns/call (%d calls)", json, n))
    println(String.format("kotlin typed schedule     12 rows: %d ns/call (%d calls)", typed, n))
}
