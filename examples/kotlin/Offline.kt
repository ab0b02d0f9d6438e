// An offline schedule and a foreclosure quote on the JVM, through windeep's Kotlin binding.
// Built and run by bindings-mobile/test-kotlin.sh.
package org.windeep.example

import java.math.BigDecimal
import java.time.LocalDate
import org.windeep.ScheduleRequest
import org.windeep.foreclosureQuote
import org.windeep.schedule

fun main() {
    val s = schedule(
        ScheduleRequest(
            principal = BigDecimal("100000"),
            annualRate = BigDecimal("12"),
            tenure = 12u,
            disbursedOn = LocalDate.of(2026, 1, 5),
            firstDueOn = LocalDate.of(2026, 2, 5),
        ),
    )
    println("Schedule: ${s.installments[0].openingBalance} ${s.currency} at 12% for 12 months, EMI ${s.emi}, APR ${s.apr}%")
    println("  no  due on      principal   interest  installment    balance")
    for (r in s.installments) {
        println(String.format("  %2d  %s %10s %10s %12s %10s", r.number.toInt(), r.dueOn, r.principal.toPlainString(),
            r.interest.toPlainString(), r.installment.toPlainString(), r.closingBalance.toPlainString()))
    }
    println("  total payable ${s.totalPayable}, interest ${s.totalInterest}")

    // The loan's event log as the server stores it: disbursed, the first EMI paid, a fine.
    val events = """[
      {"id": "d1", "sequence": 1, "value_date": "2026-01-05", "idempotency_key": "DISB-LN1",
       "body": {"type": "disbursed", "loan_id": "LN1", "terms": {"principal": "100000",
         "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05",
         "first_due_on": "2026-02-05"}, "guarantors": ["M-0007"],
         "policy": {"prepayment_charge_pct": "2"}}},
      {"id": "p1", "sequence": 2, "value_date": "2026-02-05", "idempotency_key": "UTR-p1",
       "body": {"type": "payment_received", "amount": "8884.88"}}
    ]"""
    val q = foreclosureQuote(events, LocalDate.of(2026, 3, 20))
    println("Foreclosure on ${q.settlementOn} (${q.rule}): principal ${q.principal}, interest due ${q.interestDue}, " +
        "foreclosure interest ${q.foreclosureInterest}, prepayment charge ${q.prepaymentCharge}, " +
        "fines ${q.fines}, total ${q.total}")
}
