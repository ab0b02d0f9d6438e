// The hostile-input corpus (tests/hostile/make_corpus.py) through the Kotlin binding, as
// bindings-python/tests/test_hostile.py does it through Python.
//
// Each case runs in its own JVM (`HostileCaseKt`): the process must survive every file and input
// and see the core's error code as a WindeepException.Refused (or read the hostile-looking but
// valid statements), never die. The call must finish within 5 s (WINDEEP_HOSTILE_SECONDS for the
// unoptimised library test-kotlin.sh builds) and the process must stay under 512 MiB resident
// (the JVM reserves far more address space than it uses, so the limit is the peak resident set
// the child reads from /proc/self/status, VmHWM). Statement files go in as the JSON operation
// takes them (`content_base64`); the few larger than 16 MiB are covered by their `*_op.json`
// variants, and /dev/zero is left to the core and the CLI, as in Python.
package org.windeep.test

import java.io.File
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import kotlin.system.exitProcess
import org.windeep.WindeepException
import org.windeep.call

private const val LIMIT_KB = 512L * 1024
private const val MAX_FILE = 16L shl 20

private fun hostileCorpus(root: File, seconds: Long): List<String> {
    val out = Files.createTempDirectory("windeep-hostile-kotlin").toFile()
    val failures = mutableListOf<String>()
    try {
        val made = ProcessBuilder("python3", File(root, "tests/hostile/make_corpus.py").path, out.path)
            .redirectErrorStream(true).start()
        val log = made.inputStream.bufferedReader().readText()
        if (made.waitFor() != 0) return listOf("the corpus generator failed: $log")
        @Suppress("UNCHECKED_CAST")
        val cases = (parseJson(File(out, "manifest.json").readText()) as Map<String, Any>)["cases"]
            as List<Map<String, Any>>
        val java = File(System.getProperty("java.home"), "bin/java").path
        var ran = 0
        for (case in cases) {
            val name = case["file"] as String
            val path = if (name.startsWith("/")) File(name) else File(out, name)
            if (name.startsWith("/dev/") || path.length() > MAX_FILE) continue
            ran++
            val child = ProcessBuilder(
                java, "-Xmx256m",
                "-Djna.library.path=${System.getProperty("jna.library.path")}",
                "-cp", System.getProperty("java.class.path"),
                "org.windeep.test.HostileCaseKt", writeJson(case), path.path,
            ).redirectError(ProcessBuilder.Redirect.PIPE).start()
            // JVM start-up is not the library's time: the child measures the call itself, the
            // parent only stops a child that hangs.
            if (!child.waitFor(seconds + 30, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor()
                failures += "$name: still running after ${seconds + 30} s"
                continue
            }
            val lines = child.inputStream.bufferedReader().readText().trim().lines()
            val err = child.errorStream.bufferedReader().readText().takeLast(300)
            val got = lines.getOrElse(0) { "" }
            val ms = lines.getOrElse(1) { "-1" }.toLong()
            val hwm = lines.getOrElse(2) { "-1" }.toLong()
            val want = case["code"] as String
            when {
                child.exitValue() != 0 || got != want ->
                    failures += "$name: want $want, got \"$got\" (exit ${child.exitValue()}) $err"
                ms < 0 || ms > seconds * 1000 -> failures += "$name: the call took $ms ms"
                hwm <= 0 || hwm >= LIMIT_KB -> failures += "$name: peak resident set $hwm kB"
            }
        }
        if (ran < 20) failures += "only $ran cases ran"
        println("hostile corpus: $ran cases")
    } finally {
        out.deleteRecursively() // it holds a 200 MB file
    }
    return failures
}

private fun refused(what: String, code: String, block: () -> Unit): String? =
    try {
        block()
        "$what: returned"
    } catch (e: WindeepException.Refused) {
        if (e.code == code) null else "$what: ${e.code}: ${e.detail}"
    }

fun main(args: Array<String>) {
    val root = File(args.getOrElse(0) { "." })
    val seconds = (System.getenv("WINDEEP_HOSTILE_SECONDS") ?: "5").toLong()
    val failures = hostileCorpus(root, seconds).toMutableList()
    listOfNotNull(
        refused("deep JSON", "E_INVALID_INPUT") {
            call("schedule", "[".repeat(100_000) + "]".repeat(100_000))
        },
        refused("a repeated key", "E_INVALID_INPUT") {
            call("post_event", """{"books": {}, "event": {"amount":"9000.00","amount":"1.00"}}""")
        },
    ).forEach { failures += it }
    failures.forEach { System.err.println("FAIL: $it") }
    println("hostile: ${failures.size} failures")
    if (failures.isNotEmpty()) exitProcess(1)
}
