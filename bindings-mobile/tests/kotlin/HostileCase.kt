// One case of the hostile-input corpus, run by HostileTestKt in its own JVM:
//     HostileCaseKt CASE_JSON PATH
// Prints the outcome (`ok`, `no rows` or the core's E_… code), the call's time in ms and the
// process's peak resident set in kB.
package org.windeep.test

import java.io.File
import java.util.Base64
import org.windeep.WindeepException
import org.windeep.call

fun main(args: Array<String>) {
    @Suppress("UNCHECKED_CAST")
    val case = parseJson(args[0]) as Map<String, Any>
    val path = File(args[1])
    val started = System.nanoTime()
    val result = try {
        if (case["kind"] == "statement") {
            val input = writeJson(mapOf(
                "account_id" to "SBI-1",
                "format" to case["format"] as String,
                "content_base64" to Base64.getEncoder().encodeToString(path.readBytes()),
            ))
            @Suppress("UNCHECKED_CAST")
            val out = parseJson(call("bank_import", input)) as Map<String, Any>
            val summary = out["summary"] as Map<String, Any>
            if ((summary["new"] as JsonNumber).value.toLong() >= 1) "ok" else "no rows"
        } else {
            call(case["operation"] as String, path.readText())
            "ok"
        }
    } catch (e: WindeepException.Refused) {
        e.code
    } catch (e: WindeepException.Internal) {
        e.code
    }
    val ms = (System.nanoTime() - started) / 1_000_000
    val hwm = File("/proc/self/status").readLines()
        .firstOrNull { it.startsWith("VmHWM:") }?.split(Regex("\\s+"))?.getOrNull(1) ?: "-1"
    println(result)
    println(ms)
    println(hwm)
}
