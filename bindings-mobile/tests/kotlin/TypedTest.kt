// Replays the golden fixtures of `schedule` (those whose input uses only the typed request's
// fields) and every `foreclosure_quote` fixture through the typed API, comparing each value
// with the fixture's expected text exactly (BigDecimal.toPlainString, LocalDate.toString).
package org.windeep.test

import java.io.File
import java.math.BigDecimal
import java.time.LocalDate
import org.windeep.ScheduleRequest
import org.windeep.WindeepException
import org.windeep.foreclosureQuote
import org.windeep.schedule
import org.windeep.topupQuote

private val TYPED_SCHEDULE_FIELDS =
    setOf("principal", "annual_rate", "tenure", "disbursed_on", "first_due_on", "method", "frequency")

@Suppress("UNCHECKED_CAST")
private fun obj(v: Any?) = v as Map<String, Any>

private fun text(v: BigDecimal?) = v?.toPlainString()

/** Whether the typed request can state this input (only its fields, each of its type). */
private fun expressible(input: Map<String, Any>): Boolean =
    TYPED_SCHEDULE_FIELDS.containsAll(input.keys) &&
        listOf("principal", "annual_rate").all { input[it] is String && runCatching { BigDecimal(input[it] as String) }.isSuccess } &&
        listOf("disbursed_on", "first_due_on").all { input[it] is String && runCatching { LocalDate.parse(input[it] as String) }.isSuccess } &&
        listOf("method", "frequency").all { it !in input || input[it] is String } &&
        (input["tenure"] as? JsonNumber)?.value?.let { it.signum() >= 0 && it.stripTrailingZeros().scale() <= 0 && it < BigDecimal(Int.MAX_VALUE) } == true

class TypedReplay(private val check: (Boolean, () -> String) -> Unit) {
    var schedules = 0
    var quotes = 0
    var topups = 0

    fun run(root: File) {
        for (f in fixtureFiles(root)) {
            val id = f.relativeTo(root).invariantSeparatorsPath
            val case = obj(parseJson(f.readText()))
            val input = obj(case["input"])
            when (case["operation"]) {
                "schedule" -> if (expressible(input)) typedSchedule(id, case, input)
                "foreclosure_quote" -> typedQuote(id, case, input)
                "topup_quote" -> typedTopUp(id, case, input)
            }
        }
        check(schedules > 0) { "no schedule fixture replayed through the typed API" }
        check(quotes > 0) { "no foreclosure_quote fixture replayed through the typed API" }
        check(topups > 0) { "no topup_quote fixture replayed through the typed API" }
        println("typed: replayed $schedules schedule, $quotes foreclosure_quote and $topups topup_quote fixtures")
    }

    private fun typedSchedule(id: String, case: Map<String, Any>, input: Map<String, Any>) {
        schedules++
        val request = ScheduleRequest(
            principal = BigDecimal(input["principal"] as String),
            annualRate = BigDecimal(input["annual_rate"] as String),
            tenure = (input["tenure"] as JsonNumber).value.toInt().toUInt(),
            disbursedOn = LocalDate.parse(input["disbursed_on"] as String),
            firstDueOn = LocalDate.parse(input["first_due_on"] as String),
            method = input["method"] as String?,
            frequency = input["frequency"] as String?,
        )
        if ("expected_error" in case) {
            val code = obj(case["expected_error"])["code"]
            try {
                schedule(request)
                check(false) { "$id: expected $code" }
            } catch (e: WindeepException.Refused) {
                check(e.code == code) { "$id: expected $code, got ${e.code}" }
            }
            return
        }
        val want = obj(case["expected"])
        val got = try { schedule(request) } catch (e: WindeepException) {
            check(false) { "$id: typed schedule threw ${e.message}" }; return
        }
        check(text(got.emi) == want["emi"]?.takeIf { it != JsonNull }) { "$id: emi ${got.emi}" }
        check(text(got.apr) == want["apr"]) { "$id: apr ${got.apr} != ${want["apr"]}" }
        check(got.maturityOn.toString() == want["maturity_on"]) { "$id: maturity_on" }
        check(text(got.netDisbursement) == want["net_disbursement"]) { "$id: net_disbursement" }
        check(got.method == want["method"] && got.frequency == want["frequency"]) { "$id: method/frequency" }
        val totals = obj(want["totals"])
        check(text(got.totalPayable) == totals["payable"] && text(got.totalInterest) == totals["interest"] &&
            text(got.totalPrincipal) == totals["principal"]) { "$id: totals" }
        val rows = want["installments"] as List<*>
        check(rows.size == got.installments.size) { "$id: ${got.installments.size} rows, expected ${rows.size}" }
        for ((row, w) in got.installments.zip(rows.map { obj(it) })) {
            check(row.dueOn.toString() == w["due_on"] && text(row.principal) == w["principal"] &&
                text(row.interest) == w["interest"] && text(row.installment) == w["installment"] &&
                text(row.openingBalance) == w["opening_balance"] && text(row.closingBalance) == w["closing_balance"]) {
                "$id: row ${row.number} differs"
            }
        }
    }

    private fun typedQuote(id: String, case: Map<String, Any>, input: Map<String, Any>) {
        quotes++
        val events = writeJson(input["events"]!!)
        val on = LocalDate.parse(input["settlement_on"] as String)
        if ("expected_error" in case) {
            val code = obj(case["expected_error"])["code"]
            try {
                foreclosureQuote(events, on)
                check(false) { "$id: expected $code" }
            } catch (e: WindeepException.Refused) {
                check(e.code == code) { "$id: expected $code, got ${e.code}" }
            }
            return
        }
        val want = obj(case["expected"])
        val q = try { foreclosureQuote(events, on) } catch (e: WindeepException) {
            check(false) { "$id: typed foreclosure_quote threw ${e.message}" }; return
        }
        check(q.settlementOn.toString() == want["settlement_on"]) { "$id: settlement_on" }
        check(q.rule == obj(want["rule"])["rule"]) { "$id: rule ${q.rule}" }
        for ((name, v) in listOf("principal" to q.principal, "interest_due" to q.interestDue,
            "foreclosure_interest" to q.foreclosureInterest, "prepayment_charge" to q.prepaymentCharge,
            "fines" to q.fines, "total" to q.total)) {
            check(text(v) == want[name]) { "$id: $name ${text(v)} != ${want[name]}" }
        }
    }

    private fun typedTopUp(id: String, case: Map<String, Any>, input: Map<String, Any>) {
        topups++
        val events = writeJson(input["events"]!!)
        val on = LocalDate.parse(input["on"] as String)
        val amount = BigDecimal(input["amount"] as String)
        val restructure = input["restructure"] as String?
        if ("expected_error" in case) {
            val code = obj(case["expected_error"])["code"]
            try {
                topupQuote(events, on, amount, restructure)
                check(false) { "$id: expected $code" }
            } catch (e: WindeepException.Refused) {
                check(e.code == code) { "$id: expected $code, got ${e.code}" }
            }
            return
        }
        val want = obj(case["expected"])
        val q = try { topupQuote(events, on, amount, restructure) } catch (e: WindeepException) {
            check(false) { "$id: typed topup_quote threw ${e.message}" }; return
        }
        for ((name, v) in listOf("topup_amount" to q.topupAmount, "new_principal" to q.newPrincipal,
            "collected_from_proceeds" to q.collectedFromProceeds, "cash_before_fee" to q.cashBeforeFee,
            "parent_principal" to q.parentPrincipal, "parent_interest_due" to q.parentInterestDue,
            "parent_fines" to q.parentFines)) {
            check(text(v) == want[name]) { "$id: $name ${text(v)} != ${want[name]}" }
        }
    }
}
