// Smoke test of the Kotlin/JVM jar (release/smoke.sh): a schedule, a refusal, the versions.
// The native library is the one inside the jar (linux-x86-64/), found by JNA on the classpath.
import java.math.BigDecimal
import java.time.LocalDate
import org.windeep.ScheduleRequest
import org.windeep.WindeepException
import org.windeep.schedule
import org.windeep.schemaVersion
import org.windeep.version

val expected = args[0]
fun request(tenure: UInt) = ScheduleRequest(
    principal = BigDecimal("100000"),
    annualRate = BigDecimal("12"),
    tenure = tenure,
    disbursedOn = LocalDate.of(2026, 1, 5),
    firstDueOn = LocalDate.of(2026, 2, 5),
)
val s = schedule(request(12u))
check(s.emi?.compareTo(BigDecimal("8884.88")) == 0) { "EMI ${s.emi}" }
val refusal = try {
    schedule(request(0u))
    error("tenure 0 was accepted")
} catch (e: WindeepException.Refused) {
    e.code
}
check(refusal == "E_INVALID_TENURE") { "refusal $refusal" }
check(version() == expected) { "version ${version()}" }
check(schemaVersion() == expected) { "schema version ${schemaVersion()}" }
check(System.getProperty("jna.library.path") == null) { "jna.library.path is set" }
println("kotlin: EMI ${s.emi}, tenure 0 refused with $refusal, library ${version()}, schema ${schemaVersion()}")
