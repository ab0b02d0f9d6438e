#!/usr/bin/env python3
"""Writes the hostile-input corpus into a folder (nothing large is committed).

    python3 tests/hostile/make_corpus.py OUT_DIR

Each case is a statement file (imported with `windeep import`, `bank::stream_statement`, the
Python binding's `bank_import`) or an operation input (run with `windeep call`, `ops::call`,
the Python binding's `call`). `OUT_DIR/manifest.json` lists them with the error code each must
be refused with, or `"ok"` for a hostile-looking input that must be read correctly. Every case
must finish within 5 s in a process limited to 512 MiB of address space.
"""

from __future__ import annotations

import base64
import io
import json
import os
import sys
import zipfile

HEADER = "Txn Date,Description,Debit,Credit\n"
ROW = "05/01/2026,NEFT HDFCN26005123456 RAMESH,,500.00\n"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet_xml(rows: str, dimension: str = "A1:D2") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    )


def sst_xml(strings: list[str]) -> str:
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'


def header_row() -> str:
    cells = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip("ABCD", ["Txn Date", "Description", "Debit", "Credit"])
    )
    return f'<row r="1">{cells}</row>'


def xlsx(parts: dict[str, bytes | str], streamed: dict[str, object] | None = None) -> bytes:
    """A workbook; `streamed` parts are iterables of byte chunks, compressed as they come."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        base = {
            "[Content_Types].xml": CONTENT_TYPES,
            "_rels/.rels": RELS,
            "xl/workbook.xml": WORKBOOK,
            "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
            "xl/sharedStrings.xml": sst_xml([]),
        }
        base.update(parts)
        for name in streamed or {}:
            base.pop(name, None)
        for name, data in base.items():
            z.writestr(name, data)
        for name, chunks in (streamed or {}).items():
            with z.open(name, "w", force_zip64=True) as f:
                for chunk in chunks:  # type: ignore[attr-defined]
                    f.write(chunk)
    return buf.getvalue()


def spaces(total: int, chunk: int = 1 << 20):
    """The sheet XML head, `total` bytes of spaces, the tail: a zip bomb's payload."""
    yield sheet_xml("", "A1").split("<sheetData>")[0].encode() + b"<sheetData>"
    block = b" " * chunk
    for _ in range(total // chunk):
        yield block
    yield b"</sheetData></worksheet>"


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "target/hostile"
    os.makedirs(out, exist_ok=True)
    cases: list[dict[str, object]] = []

    def file(name: str, data: bytes, fmt: str, code: str, why: str) -> None:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        cases.append({"kind": "statement", "file": name, "format": fmt, "code": code, "why": why})

    def big_file(name: str, chunks, fmt: str, code: str, why: str) -> None:
        with open(os.path.join(out, name), "wb") as f:
            for c in chunks:
                f.write(c)
        cases.append({"kind": "statement", "file": name, "format": fmt, "code": code, "why": why})

    def op(name: str, operation: str, text: str, code: str, why: str) -> None:
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            f.write(text)
        cases.append({"kind": "operation", "file": name, "operation": operation, "code": code, "why": why})

    # --- XLSX -------------------------------------------------------------------------------
    dim = xlsx({
        "xl/worksheets/sheet1.xml": sheet_xml(
            header_row() + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
            "A1:XFD1048576",
        )
    })
    file("dimension_bomb.xlsx", dim, "xlsx", "E_STATEMENT_SHEET_TOO_LARGE",
         "cells at A1 and XFD1048576: a dense range would be 17 billion cells")
    lie = xlsx({"xl/worksheets/sheet1.xml": sheet_xml(
        header_row() + '<row r="2"><c r="A2" t="inlineStr"><is><t>05/01/2026</t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>x</t></is></c><c r="D2"><v>500</v></c></row>',
        "A1:XFD1048576")})
    file("dimension_lie.xlsx", lie, "xlsx", "ok",
         "declares A1:XFD1048576 but has two rows: read by the cells it has")
    far = xlsx({
        "xl/worksheets/sheet1.xml": sheet_xml(
            header_row()
            + '<row r="2"><c r="A2" t="inlineStr"><is><t>05/01/2026</t></is></c>'
            '<c r="B2" t="inlineStr"><is><t>x</t></is></c><c r="D2"><v>500</v></c></row>'
            + '<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>note</t></is></c></row>',
            "A1:D1000000",
        )
    })
    file("far_row.xlsx", far, "xlsx", "ok",
         "a row at 1,000,000 after a transaction: the rows between are empty, not stored")
    file("zip_bomb.xlsx", xlsx({}, {"xl/worksheets/sheet1.xml": spaces(1536 << 20)}), "xlsx",
         "E_STATEMENT_DECOMPRESSED_TOO_LARGE", "1.5 GB of sheet XML in a few MB")
    long = "A" * 30000
    refs = "".join(
        f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c><c r="B{r}" t="s"><v>0</v></c></row>'
        for r in range(2, 20002)
    )
    file("shared_strings_bomb.xlsx",
         xlsx({"xl/sharedStrings.xml": sst_xml([long]),
               "xl/worksheets/sheet1.xml": sheet_xml(header_row() + refs, "A1:B20001")}),
         "xlsx", "E_STATEMENT_SHEET_TOO_LARGE",
         "one 30 KB shared string referenced by 40,000 cells: 1.2 GB once expanded")
    file("shared_strings_many.xlsx",
         xlsx({}, {"xl/sharedStrings.xml": [sst_xml(["a"] * 2_000_000).encode()]}),
         "xlsx", "E_STATEMENT_DECOMPRESSED_TOO_LARGE",
         "two million tiny shared strings (32 MB of XML, each kept in memory)")
    file("long_cell.xlsx",
         xlsx({"xl/sharedStrings.xml": sst_xml(["B" * 100_000]),
               "xl/worksheets/sheet1.xml": sheet_xml(header_row() + '<row r="2"><c r="B2" t="s"><v>0</v></c></row>')}),
         "xlsx", "E_STATEMENT_CELL_TOO_LONG", "a 100 KB cell")
    file("not_a_zip.xlsx", b"\0" * 4096, "xlsx", "E_STATEMENT_UNREADABLE", "zeros named .xlsx")
    cases.append({"kind": "statement", "file": "/dev/zero", "format": "xlsx",
                  "code": "E_STATEMENT_UNREADABLE", "why": "/dev/zero as a workbook"})

    # --- CSV --------------------------------------------------------------------------------
    big_file("comma_line.csv", (b"," * (1 << 20) for _ in range(200)), "csv",
             "E_STATEMENT_TOO_MANY_COLUMNS", "one 200 MB line of commas")
    big_file("long_line.csv", (b"a" * (1 << 20) for _ in range(3)), "csv",
             "E_STATEMENT_LINE_TOO_LONG", "one 3 MB line without a delimiter")
    file("long_quoted_cell.csv",
         (HEADER + '05/01/2026,"' + "x" * 100_000 + '",,500.00\n').encode(), "csv",
         "E_STATEMENT_CELL_TOO_LONG", "a 100 KB narration")
    big_file("many_rows.csv", [HEADER.encode(), b"\xe2\x80\x94,,,\n" * 2_000_001], "csv",
             "E_STATEMENT_TOO_MANY_ROWS", "two million rows after the header")
    cases.append({"kind": "statement", "file": "/dev/zero", "format": "csv",
                  "code": "E_STATEMENT_ENCODING", "why": "/dev/zero as a CSV statement"})
    text = HEADER + ROW
    file("utf16le_bom.csv", b"\xff\xfe" + text.encode("utf-16-le"), "csv", "ok",
         "UTF-16 LE with a byte-order mark: decoded")
    file("utf16be_bom.csv", b"\xfe\xff" + text.encode("utf-16-be"), "csv", "ok",
         "UTF-16 BE with a byte-order mark: decoded")
    file("utf8_bom.csv", b"\xef\xbb\xbf" + text.encode(), "csv", "ok", "UTF-8 with a byte-order mark")
    file("latin1.csv", (HEADER + "05/01/2026,NEFT HDFCN26005123456 JOS\xc9,,500.00\n").encode("latin-1"),
         "csv", "ok", "Latin-1 (É as one byte): decoded")
    file("utf16le_no_bom.csv", text.encode("utf-16-le"), "csv", "E_STATEMENT_ENCODING",
         "UTF-16 without a byte-order mark")
    file("utf32.csv", b"\xff\xfe\0\0" + text.encode("utf-32-le")[4:], "csv", "E_STATEMENT_ENCODING",
         "UTF-32")

    # --- operation inputs -------------------------------------------------------------------
    op("deep_array.json", "schedule", "[" * 100_000 + "]" * 100_000, "E_INVALID_INPUT",
       "100,000 nested arrays")
    op("deep_object.json", "post_event", '{"a":' * 50_000 + "1" + "}" * 50_000, "E_INVALID_INPUT",
       "50,000 nested objects")
    op("repeated_amount.json", "post_event",
       '{"books": {}, "event": {"amount":"9000.00","amount":"1.00"}}', "E_INVALID_INPUT",
       "the same key twice")
    terms = {"principal": "100000", "annual_rate": "12", "tenure": 12,
             "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05",
             "processing_fee": {"kind": "fixed", "value": "500", "waived": True}}
    op("fee_unknown_field.json", "schedule", json.dumps(terms), "E_INVALID_INPUT",
       "an unknown field inside processing_fee")
    op("dimension_bomb_op.json", "bank_import", json.dumps({
        "account_id": "SBI-1", "format": "xlsx", "content_base64": base64.b64encode(dim).decode()}),
       "E_STATEMENT_SHEET_TOO_LARGE", "the dimension bomb through the JSON operation")
    op("comma_line_op.json", "bank_import", json.dumps({
        "account_id": "SBI-1", "content": "," * (8 << 20)}),
       "E_STATEMENT_TOO_MANY_COLUMNS", "an 8 MB line of commas through the JSON operation")
    op("quote_delimiter.json", "bank_import", json.dumps({
        "account_id": "SBI-1", "content": text, "delimiter": "a"}),
       "E_INVALID_INPUT", "a letter as the delimiter")

    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump({"cases": cases}, f, indent=1)
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
