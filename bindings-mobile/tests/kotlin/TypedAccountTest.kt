// Replays the golden fixtures of `allocate`, `loan_statement`, `loan_fines` and `approve_loan`
// through their typed functions. Each typed result is turned back into the operation's JSON
// shape (BigDecimal.toPlainString, LocalDate.toString, numbers as JsonNumber) and compared
// with the fixture's whole `expected` document; an `expected_error` must be the exception's
// code. A fixture whose input the typed request cannot state exactly (a field it does not
// have, a null, a number where text is expected, text that BigDecimal or LocalDate would
// rewrite) is left to the `call` replay and counted apart.
package org.windeep.test

import java.io.File
import java.math.BigDecimal
import java.time.LocalDate
import org.windeep.AllocateRequest
import org.windeep.AllocationResult
import org.windeep.ApprovalDecision
import org.windeep.ApprovalOverride
import org.windeep.ApprovalRequest
import org.windeep.CurrencySpec
import org.windeep.Guarantor
import org.windeep.GuarantorPolicy
import org.windeep.InstallmentDues
import org.windeep.LoanApplication
import org.windeep.LoanFinesResult
import org.windeep.LoanStatement
import org.windeep.MemberFacts
import org.windeep.ProductBounds
import org.windeep.WindeepException
import org.windeep.allocate
import org.windeep.approveLoan
import org.windeep.loanFines
import org.windeep.loanStatement

/** The fixture's input cannot be stated exactly by the typed request. */
private class NotExpressible(why: String) : Exception(why)

@Suppress("UNCHECKED_CAST")
private fun fields(v: Any?, allowed: Set<String>, where: String): Map<String, Any> {
    val m = v as? Map<String, Any> ?: throw NotExpressible("$where is not an object")
    val extra = m.keys - allowed
    if (extra.isNotEmpty()) throw NotExpressible("$where has $extra")
    if (m.values.any { it == JsonNull }) throw NotExpressible("$where has a null")
    return m
}

private fun list(v: Any?, where: String): List<Any> =
    (v as? List<*>)?.map { it ?: JsonNull } ?: throw NotExpressible("$where is not a list")

private fun str(v: Any?, where: String): String = v as? String ?: throw NotExpressible("$where is not text")

private fun dec(v: Any?, where: String): BigDecimal {
    val s = str(v, where)
    val d = runCatching { BigDecimal(s) }.getOrNull()
    if (d == null || d.toPlainString() != s) throw NotExpressible("$where '$s' is not plain decimal text")
    return d
}

private fun day(v: Any?, where: String): LocalDate {
    val s = str(v, where)
    val d = runCatching { LocalDate.parse(s) }.getOrNull()
    if (d == null || d.toString() != s) throw NotExpressible("$where '$s' is not an ISO date")
    return d
}

private fun u32(v: Any?, where: String): UInt {
    val n = (v as? JsonNumber)?.value ?: throw NotExpressible("$where is not a number")
    if (n.signum() < 0 || n.stripTrailingZeros().scale() > 0 || n > BigDecimal("4294967295")) {
        throw NotExpressible("$where $n is not a u32")
    }
    return n.toLong().toUInt()
}

private fun bool(v: Any?, where: String): Boolean = v as? Boolean ?: throw NotExpressible("$where is not a boolean")

private fun <T> opt(m: Map<String, Any>, key: String, read: (Any?, String) -> T): T? =
    if (key in m) read(m[key], key) else null

private fun currency(v: Any?): CurrencySpec {
    val c = fields(v, setOf("code", "minor_units"), "currency")
    return CurrencySpec(str(c["code"], "currency.code"), u32(c["minor_units"], "currency.minor_units"))
}

// --- the operations' JSON shapes, made from the typed results
private fun n(v: UInt) = JsonNumber(BigDecimal(v.toLong()))
private fun n(v: Long) = JsonNumber(BigDecimal(v))
private fun t(v: BigDecimal?): Any = v?.toPlainString() ?: JsonNull
private fun t(v: LocalDate?): Any = v?.toString() ?: JsonNull

private fun shape(a: AllocationResult): Map<String, Any> = mapOf(
    "policy" to mapOf("preset" to a.preset, "excess" to a.excessPolicy),
    "target" to (a.target?.let { n(it) } ?: JsonNull),
    "lines" to a.lines.map { mapOf("installment" to n(it.installment), "component" to it.component, "amount" to t(it.amount)) },
    "excess" to t(a.excess),
)

private fun shape(s: LoanStatement): Map<String, Any> {
    val state = mutableMapOf<String, Any>(
        "loan_id" to s.loanId, "as_of" to t(s.asOf), "status" to s.status,
        "closure" to (s.closure?.let { c ->
            mutableMapOf<String, Any>("type" to c.closureType, "closed_on" to t(c.closedOn),
                "guarantors_released" to c.guarantorsReleased).also { m ->
                c.successorLoanId?.let { m["successor_loan_id"] = it }
            }
        } ?: JsonNull),
        "annual_rate" to t(s.annualRate), "emi" to t(s.emi),
        "principal_disbursed" to t(s.principalDisbursed), "principal_capitalised" to t(s.principalCapitalised),
        "principal_prepaid" to t(s.principalPrepaid), "outstanding_principal" to t(s.outstandingPrincipal),
        "interest_due" to t(s.interestDue), "future_interest" to t(s.futureInterest),
        "fines_due" to t(s.finesDue), "member_credit" to t(s.memberCredit),
        "credited_to_savings" to t(s.creditedToSavings), "days_past_due" to n(s.daysPastDue),
        "next_due_on" to t(s.nextDueOn), "skips_used" to n(s.skipsUsed), "interest_only_used" to n(s.interestOnlyUsed),
        "installments" to s.installments.map { i -> mapOf(
            "number" to n(i.number), "due_on" to t(i.dueOn), "status" to i.status,
            "principal" to t(i.principal), "interest" to t(i.interest),
            "principal_paid" to t(i.principalPaid), "interest_paid" to t(i.interestPaid),
            "waived" to t(i.waived), "cancelled" to t(i.cancelled), "written_off" to t(i.writtenOff),
            "unpaid" to t(i.unpaid), "deferred_principal" to t(i.deferredPrincipal),
            "fines_due" to t(i.finesDue), "days_past_due" to n(i.daysPastDue)) },
        "fines" to s.fines.map { f -> mapOf(
            "key" to f.key, "installment" to n(f.installment), "rule_id" to f.ruleId,
            "occurrence" to n(f.occurrence), "amount" to t(f.amount), "paid" to t(f.paid),
            "waived" to t(f.waived), "written_off" to t(f.writtenOff), "balance" to t(f.balance)) },
    )
    s.writeOff?.let { w -> state["write_off"] = mapOf(
        "written_off_on" to t(w.writtenOffOn), "principal" to t(w.principal), "interest" to t(w.interest),
        "fines" to t(w.fines), "total" to t(w.total), "recovered" to t(w.recovered),
        "settlement_waived" to t(w.settlementWaived), "still_owed" to t(w.stillOwed)) }
    s.restructured?.let { r -> state["restructured"] = mapOf(
        "on" to t(r.on), "reason" to r.reason, "first_payment_on" to t(r.firstPaymentOn),
        "performance_months" to n(r.performanceMonths), "upgrade_from" to t(r.upgradeFrom)) }
    return mapOf("state" to state, "outcomes" to parseJson(s.outcomesJson))
}

private fun shape(r: LoanFinesResult): Map<String, Any> = mapOf(
    "assessments" to r.assessments.map { a -> mapOf(
        "action" to a.action,
        "key" to mapOf("loan_id" to a.loanId, "installment" to n(a.installment),
            "rule_id" to n(a.ruleId), "occurrence" to n(a.occurrence)),
        "kind" to a.kind, "accrued_to" to t(a.accruedTo), "days_late" to n(a.daysLate),
        "effective_days" to n(a.effectiveDays), "base" to t(a.base), "calculated" to t(a.calculated),
        "capped" to a.capped, "floored" to a.floored, "amount" to t(a.amount),
        "previous_amount" to t(a.previousAmount), "paid" to t(a.paid), "waived" to t(a.waived),
        "balance" to t(a.balance)) },
    "events" to parseJson(r.eventsJson),
)

private fun shape(d: ApprovalDecision): Map<String, Any> = mapOf(
    "approved" to d.approved,
    "refusals" to d.refusals.map { r -> mapOf(
        "code" to r.code, "guarantor" to (r.guarantor ?: JsonNull), "limit" to r.limit,
        "actual" to r.actual, "overridable" to r.overridable, "overridden" to r.overridden) },
    "overrides" to d.overrides.map { o -> mapOf("code" to o.code, "reason" to o.reason, "used" to o.used) },
)

// --- the typed requests, read from a fixture's input
private fun allocateRequest(input: Map<String, Any>): AllocateRequest {
    val m = fields(input, setOf("amount", "paid_on", "installment", "dues", "policy", "currency"), "input")
    val policy = opt(m, "policy") { v, w -> fields(v, setOf("preset", "excess"), w) } ?: emptyMap()
    return AllocateRequest(
        amount = dec(m["amount"], "amount"),
        paidOn = day(m["paid_on"], "paid_on"),
        dues = list(m["dues"], "dues").map { d ->
            val r = fields(d, setOf("installment", "due_on", "interest", "principal", "fine"), "dues[]")
            InstallmentDues(u32(r["installment"], "installment"), day(r["due_on"], "due_on"),
                dec(r["interest"], "interest"), dec(r["principal"], "principal"), opt(r, "fine", ::dec))
        },
        installment = opt(m, "installment", ::u32),
        preset = opt(policy, "preset", ::str),
        excess = opt(policy, "excess", ::str),
        currency = opt(m, "currency") { v, _ -> currency(v) },
    )
}

private fun approvalRequest(input: Map<String, Any>): ApprovalRequest {
    val m = fields(input, setOf("application", "member", "guarantors", "product", "guarantor_policy",
        "overrides", "currency"), "input")
    val a = fields(m["application"], setOf("amount", "tenure", "annual_rate", "disbursed_on", "first_due_on",
        "fixed_due_day", "frequency"), "application")
    val mem = fields(m["member"], setOf("savings_balance", "savings_months"), "member")
    val p = fields(m["product"], setOf("min_amount", "max_amount", "min_tenure", "max_tenure", "min_annual_rate",
        "max_annual_rate", "loan_to_savings_ratio", "required_savings_months", "min_guarantors",
        "max_guarantors", "min_first_due_gap_days", "max_first_due_gap_days"), "product")
    return ApprovalRequest(
        application = LoanApplication(dec(a["amount"], "amount"), u32(a["tenure"], "tenure"),
            dec(a["annual_rate"], "annual_rate"), day(a["disbursed_on"], "disbursed_on"),
            day(a["first_due_on"], "first_due_on"), opt(a, "fixed_due_day", ::u32), opt(a, "frequency", ::str)),
        member = MemberFacts(dec(mem["savings_balance"], "savings_balance"), u32(mem["savings_months"], "savings_months")),
        product = ProductBounds(opt(p, "min_amount", ::dec), opt(p, "max_amount", ::dec),
            opt(p, "min_tenure", ::u32), opt(p, "max_tenure", ::u32), opt(p, "min_annual_rate", ::dec),
            opt(p, "max_annual_rate", ::dec), opt(p, "loan_to_savings_ratio", ::dec),
            opt(p, "required_savings_months", ::u32), opt(p, "min_guarantors", ::u32),
            opt(p, "max_guarantors", ::u32), opt(p, "min_first_due_gap_days", ::u32),
            opt(p, "max_first_due_gap_days", ::u32)),
        guarantors = (opt(m, "guarantors", ::list) ?: emptyList()).map { g0 ->
            val g = fields(g0, setOf("member_id", "guarantee_amount", "savings_balance", "consent", "active",
                "active_guarantees", "current_liability", "max_guarantee_count", "max_guarantee_amount"), "guarantors[]")
            Guarantor(str(g["member_id"], "member_id"), dec(g["guarantee_amount"], "guarantee_amount"),
                dec(g["savings_balance"], "savings_balance"), opt(g, "consent", ::str), opt(g, "active", ::bool),
                opt(g, "active_guarantees", ::u32), opt(g, "current_liability", ::dec),
                opt(g, "max_guarantee_count", ::u32), opt(g, "max_guarantee_amount", ::dec))
        },
        guarantorPolicy = opt(m, "guarantor_policy") { v, w ->
            val gp = fields(v, setOf("max_guarantee_count", "max_guarantee_amount", "max_guarantee_percent_of_savings"), w)
            GuarantorPolicy(opt(gp, "max_guarantee_count", ::u32), opt(gp, "max_guarantee_amount", ::dec),
                opt(gp, "max_guarantee_percent_of_savings", ::dec))
        },
        overrides = (opt(m, "overrides", ::list) ?: emptyList()).map { o0 ->
            val o = fields(o0, setOf("code", "reason"), "overrides[]")
            ApprovalOverride(str(o["code"], "code"), opt(o, "reason", ::str) ?: "")
        },
        currency = opt(m, "currency") { v, _ -> currency(v) },
    )
}

class TypedAccountReplay(private val check: (Boolean, () -> String) -> Unit) {
    private val replayed = sortedMapOf<String, Int>()
    private val notTyped = sortedMapOf<String, Int>()

    fun run(root: File) {
        for (f in fixtureFiles(root)) {
            val id = f.relativeTo(root).invariantSeparatorsPath
            @Suppress("UNCHECKED_CAST")
            val case = parseJson(f.readText()) as Map<String, Any>
            val op = case["operation"] as String
            @Suppress("UNCHECKED_CAST")
            val input = case["input"] as? Map<String, Any> ?: emptyMap()
            val run: (() -> Any)? = try {
                when (op) {
                    "allocate" -> allocateRequest(input).let { r -> { shape(allocate(r)) } }
                    "loan_statement" -> {
                        fields(input, setOf("events", "as_of"), "input")
                        val events = writeJson(input["events"] ?: throw NotExpressible("no events"))
                        val asOf = day(input["as_of"], "as_of");
                        { shape(loanStatement(events, asOf)) }
                    }
                    "loan_fines" -> {
                        fields(input, setOf("events", "as_of", "rules", "product"), "input")
                        val events = writeJson(input["events"] ?: throw NotExpressible("no events"))
                        val rules = writeJson(input["rules"] ?: throw NotExpressible("no rules"))
                        val asOf = day(input["as_of"], "as_of")
                        val product = opt(input, "product", ::str);
                        { shape(loanFines(events, asOf, rules, product)) }
                    }
                    "approve_loan" -> approvalRequest(input).let { r -> { shape(approveLoan(r)) } }
                    else -> null
                }
            } catch (e: NotExpressible) {
                notTyped.merge(op, 1, Int::plus)
                null
            }
            if (run == null) continue
            replayed.merge(op, 1, Int::plus)
            if ("expected_error" in case) {
                @Suppress("UNCHECKED_CAST")
                val code = (case["expected_error"] as Map<String, Any>)["code"]
                try {
                    run()
                    check(false) { "$id: typed $op: expected $code" }
                } catch (e: WindeepException.Refused) {
                    check(e.code == code) { "$id: typed $op: expected $code, got ${e.code}: ${e.detail}" }
                }
            } else {
                try {
                    val got = run()
                    check(got == case["expected"]) {
                        "$id: typed $op differs\n  got  ${writeJson(got)}\n  want ${writeJson(case["expected"]!!)}"
                    }
                } catch (e: WindeepException) {
                    check(false) { "$id: typed $op threw ${e.message}" }
                }
            }
        }
        for (op in listOf("allocate", "loan_statement", "loan_fines", "approve_loan")) {
            check((replayed[op] ?: 0) > 0) { "no $op fixture replayed through the typed API" }
        }
        println("typed: replayed $replayed fixtures (left to call, input not expressible: $notTyped)")
    }
}
