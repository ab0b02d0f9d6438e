// A minimal JSON reader/writer for the tests (the JVM has none built in). Numbers are read as
// BigDecimal so that equality is exact; objects compare as maps (key order does not matter).
package org.windeep.test

import java.math.BigDecimal

class JsonNumber(val value: BigDecimal) {
    override fun equals(other: Any?) = other is JsonNumber && value.compareTo(other.value) == 0
    override fun hashCode() = value.stripTrailingZeros().hashCode()
    override fun toString() = value.toPlainString()
}

object JsonNull { override fun toString() = "null" }

class JsonReader(private val s: String) {
    private var i = 0

    fun read(): Any {
        val v = value()
        ws()
        require(i == s.length) { "trailing text at $i" }
        return v
    }

    private fun ws() { while (i < s.length && s[i].isWhitespace()) i++ }

    private fun value(): Any {
        ws()
        return when (val c = s[i]) {
            '{' -> obj()
            '[' -> arr()
            '"' -> str()
            't' -> { expect("true"); true }
            'f' -> { expect("false"); false }
            'n' -> { expect("null"); JsonNull }
            else -> if (c == '-' || c.isDigit()) num() else error("unexpected '$c' at $i")
        }
    }

    private fun expect(word: String) {
        require(s.startsWith(word, i)) { "expected $word at $i" }
        i += word.length
    }

    private fun obj(): Map<String, Any> {
        val m = LinkedHashMap<String, Any>()
        i++
        ws()
        if (s[i] == '}') { i++; return m }
        while (true) {
            ws()
            val k = str()
            ws(); require(s[i] == ':') { "expected ':' at $i" }; i++
            m[k] = value()
            ws()
            when (s[i++]) { ',' -> continue; '}' -> return m; else -> error("bad object at $i") }
        }
    }

    private fun arr(): List<Any> {
        val l = ArrayList<Any>()
        i++
        ws()
        if (s[i] == ']') { i++; return l }
        while (true) {
            l.add(value())
            ws()
            when (s[i++]) { ',' -> continue; ']' -> return l; else -> error("bad array at $i") }
        }
    }

    private fun str(): String {
        require(s[i] == '"') { "expected string at $i" }
        i++
        val b = StringBuilder()
        while (true) {
            val c = s[i++]
            when (c) {
                '"' -> return b.toString()
                '\\' -> when (val e = s[i++]) {
                    'n' -> b.append('\n'); 't' -> b.append('\t'); 'r' -> b.append('\r')
                    'b' -> b.append('\b'); 'f' -> b.append('\u000c')
                    'u' -> { b.append(s.substring(i, i + 4).toInt(16).toChar()); i += 4 }
                    else -> b.append(e)
                }
                else -> b.append(c)
            }
        }
    }

    private fun num(): JsonNumber {
        val start = i
        while (i < s.length && (s[i].isDigit() || s[i] in "+-.eE")) i++
        return JsonNumber(BigDecimal(s.substring(start, i)))
    }
}

fun parseJson(text: String): Any = JsonReader(text).read()

fun writeJson(v: Any): String = StringBuilder().also { write(v, it) }.toString()

private fun write(v: Any, out: StringBuilder) {
    when (v) {
        is Map<*, *> -> {
            out.append('{')
            v.entries.forEachIndexed { n, (k, x) ->
                if (n > 0) out.append(',')
                writeString(k as String, out); out.append(':'); write(x!!, out)
            }
            out.append('}')
        }
        is List<*> -> {
            out.append('[')
            v.forEachIndexed { n, x -> if (n > 0) out.append(','); write(x!!, out) }
            out.append(']')
        }
        is String -> writeString(v, out)
        else -> out.append(v.toString())
    }
}

private fun writeString(s: String, out: StringBuilder) {
    out.append('"')
    for (c in s) {
        when {
            c == '"' -> out.append("\\\"")
            c == '\\' -> out.append("\\\\")
            c < ' ' -> out.append(String.format("\\u%04x", c.code))
            else -> out.append(c)
        }
    }
    out.append('"')
}
