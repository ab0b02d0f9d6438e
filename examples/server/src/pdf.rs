//! PDF loan statements and savings passbooks.
//!
//! A statement is laid out from what the core computed — the `loan_statement` replay, the
//! `schedule` operation's Key Fact Statement figures (EMI, APR, totals) and the stored events;
//! a passbook from `savings_schedule` — and written with `krilla` in DejaVu Sans Mono (embedded,
//! subset; it has the rupee sign), so columns of figures line up and the text layer reads back
//! with `pdftotext`. Amounts are shown with [`Money::to_indian`] and dates with the society's
//! [`DatePattern`]: no figure is computed here.
// Page coordinates are points in `f32` (the PDF's own unit); no money is near them.
#![allow(clippy::float_arithmetic)]

use krilla::Document;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use serde_json::Value;
use windeep_core::money::Money;
use windeep_core::present::DatePattern;

use crate::error::{ApiError, ApiResult};

static REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSansMono.ttf");
static BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSansMono-Bold.ttf");

/// How the society presents its papers: its name and how it writes dates.
///
/// # Example
/// ```
/// let s = windeep_server::pdf::Society::new("Windeep Co-operative Credit Society", "DD-MM-YYYY").unwrap();
/// assert_eq!(s.name, "Windeep Co-operative Credit Society");
/// ```
#[derive(Debug, Clone)]
pub struct Society {
    /// The society's name, printed at the top of every page.
    pub name: String,
    /// How dates are written (`DD-MM-YYYY` by default).
    pub dates: DatePattern,
}

impl Default for Society {
    fn default() -> Self {
        Self {
            name: "Windeep Co-operative Credit Society".to_owned(),
            dates: DatePattern::default(),
        }
    }
}

impl Society {
    /// A society from its name and date pattern.
    ///
    /// # Errors
    /// A blank or overlong (over 120 characters) name; a date pattern the core refuses
    /// (`E_INVALID_POLICY`).
    pub fn new(name: &str, date_pattern: &str) -> Result<Self, String> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
            return Err("the society's name must have 1 to 120 printable characters".to_owned());
        }
        let dates = DatePattern::parse(date_pattern).map_err(|e| e.to_string())?;
        Ok(Self {
            name: name.to_owned(),
            dates,
        })
    }
}

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Figures.
    Right,
}

/// One block of a sheet.
#[derive(Debug, Clone)]
pub enum Block {
    /// A heading.
    Heading(String),
    /// Label–value lines, two per line.
    Facts(Vec<(String, String)>),
    /// A table: columns (title, width in characters, alignment) and rows of cells.
    Table {
        /// Columns.
        columns: Vec<(String, usize, Align)>,
        /// Rows.
        rows: Vec<Vec<String>>,
    },
    /// A line of text.
    Note(String),
}

/// A document to print: a title, lines under it and blocks.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The title (`Loan statement`).
    pub title: String,
    /// Lines under the title (account, member, date).
    pub subtitle: Vec<String>,
    /// The body.
    pub blocks: Vec<Block>,
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 40.0;
const SIZE: f32 = 8.0;
const LINE: f32 = 11.0;
/// DejaVu Sans Mono's advance, 1233/2048 em.
const ADVANCE: f32 = 1233.0 / 2048.0;
/// Characters of the body size on a line.
pub const LINE_CHARS: usize = 107;

fn width(text: &str, size: f32) -> f32 {
    text.chars().count() as f32 * ADVANCE * size
}

/// Cuts `text` to `n` characters (the last one `…` when cut).
fn fit(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(n.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

struct Writer {
    doc: Document,
    regular: Font,
    bold: Font,
    pages: Vec<Vec<Op>>,
    y: f32,
}

enum Op {
    Text(f32, f32, bool, f32, String),
    Rule(f32),
}

impl Writer {
    fn new_page(&mut self, society: &str, title: &str) {
        self.pages.push(Vec::new());
        self.y = MARGIN + 12.0;
        self.text(MARGIN, 13.0, true, society);
        self.y += 16.0;
        self.text(MARGIN, 10.0, true, title);
        self.y += 6.0;
        self.rule();
        self.y += LINE + 2.0;
    }

    fn text(&mut self, x: f32, size: f32, bold: bool, s: &str) {
        if let Some(p) = self.pages.last_mut() {
            p.push(Op::Text(x, self.y, bold, size, s.to_owned()));
        }
    }

    fn rule(&mut self) {
        if let Some(p) = self.pages.last_mut() {
            p.push(Op::Rule(self.y));
        }
    }

    fn room(&self, lines: f32) -> bool {
        self.y + lines * LINE <= PAGE_H - MARGIN - LINE
    }

    fn finish(mut self, society: &str, title: &str) -> ApiResult<Vec<u8>> {
        let total = self.pages.len();
        for (n, ops) in std::mem::take(&mut self.pages).into_iter().enumerate() {
            let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
                .ok_or_else(|| ApiError::invalid("page size"))?;
            let mut page = self.doc.start_page_with(settings);
            let mut surface = page.surface();
            for op in &ops {
                draw(&mut surface, &self.regular, &self.bold, op);
            }
            let footer = format!("{society} · {title} · page {} of {total}", n + 1);
            let footer = fit(&footer, LINE_CHARS);
            draw(
                &mut surface,
                &self.regular,
                &self.bold,
                &Op::Text(MARGIN, PAGE_H - MARGIN + 10.0, false, 7.0, footer),
            );
            surface.finish();
            page.finish();
        }
        self.doc.set_metadata(
            Metadata::new()
                .title(format!("{society}: {title}"))
                .creator("windeep".to_owned()),
        );
        self.doc.finish().map_err(|e| {
            tracing::error!(error = ?e, "PDF could not be written");
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "E_INTERNAL",
                "the PDF could not be written",
            )
        })
    }
}

fn draw(surface: &mut Surface<'_>, regular: &Font, bold: &Font, op: &Op) {
    match op {
        Op::Text(x, y, b, size, s) => {
            let font = if *b { bold.clone() } else { regular.clone() };
            surface.draw_text(
                Point::from_xy(*x, *y),
                font,
                *size,
                s,
                false,
                TextDirection::Auto,
            );
        }
        Op::Rule(y) => {
            let mut pb = PathBuilder::new();
            pb.move_to(MARGIN, *y);
            pb.line_to(PAGE_W - MARGIN, *y);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    width: 0.5,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
                surface.set_fill(Some(krilla::paint::Fill::default()));
            }
        }
    }
}

fn table_line(columns: &[(String, usize, Align)], cells: &[String]) -> String {
    let mut line = String::new();
    for (i, (_, w, align)) in columns.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        let cell = fit(cells.get(i).map_or("", String::as_str), *w);
        let pad = w.saturating_sub(cell.chars().count());
        match align {
            Align::Left => {
                line.push_str(&cell);
                line.extend(std::iter::repeat_n(' ', pad));
            }
            Align::Right => {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(&cell);
            }
        }
    }
    line.trim_end().to_owned()
}

/// Writes a sheet as a PDF (A4, every row, the table header repeated on each page).
///
/// # Errors
/// `E_INTERNAL` if the PDF cannot be written (a font that does not load).
pub fn render(society: &Society, sheet: &Sheet) -> ApiResult<Vec<u8>> {
    let load = |data: &'static [u8]| {
        Font::new(data.into(), 0).ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "E_INTERNAL",
                "the PDF font does not load",
            )
        })
    };
    let mut w = Writer {
        doc: Document::new(),
        regular: load(REGULAR)?,
        bold: load(BOLD)?,
        pages: Vec::new(),
        y: 0.0,
    };
    let name = fit(&society.name, 70);
    let title = sheet.title.clone();
    w.new_page(&name, &title);
    for line in &sheet.subtitle {
        w.text(MARGIN, SIZE, false, &fit(line, LINE_CHARS));
        w.y += LINE;
    }
    for block in &sheet.blocks {
        match block {
            Block::Heading(h) => {
                if !w.room(4.0) {
                    w.new_page(&name, &title);
                }
                w.y += 6.0;
                w.text(MARGIN, 9.0, true, h);
                w.y += LINE + 1.0;
            }
            Block::Note(n) => {
                if !w.room(1.0) {
                    w.new_page(&name, &title);
                }
                w.text(MARGIN, SIZE, false, &fit(n, LINE_CHARS));
                w.y += LINE;
            }
            Block::Facts(pairs) => {
                let half = LINE_CHARS / 2;
                for chunk in pairs.chunks(2) {
                    if !w.room(1.0) {
                        w.new_page(&name, &title);
                    }
                    for (i, (label, value)) in chunk.iter().enumerate() {
                        let x = MARGIN + i as f32 * width(&" ".repeat(half + 1), SIZE);
                        let label = fit(label, 26);
                        w.text(x, SIZE, false, &label);
                        let value = fit(value, half - 29);
                        let vx = x + width(&" ".repeat(half - 2), SIZE) - width(&value, SIZE);
                        w.text(vx, SIZE, true, &value);
                    }
                    w.y += LINE;
                }
            }
            Block::Table { columns, rows } => {
                let header: Vec<String> = columns.iter().map(|c| c.0.clone()).collect();
                let head = |w: &mut Writer| {
                    w.text(MARGIN, SIZE, true, &table_line(columns, &header));
                    w.y += 3.0;
                    w.rule();
                    w.y += LINE - 1.0;
                };
                if !w.room(3.0) {
                    w.new_page(&name, &title);
                }
                head(&mut w);
                for row in rows {
                    if !w.room(1.0) {
                        w.new_page(&name, &title);
                        head(&mut w);
                    }
                    w.text(MARGIN, SIZE, false, &table_line(columns, row));
                    w.y += LINE;
                }
                if rows.is_empty() {
                    w.text(MARGIN, SIZE, false, "(none)");
                    w.y += LINE;
                }
            }
        }
    }
    w.finish(&name, &title)
}

// ---------------------------------------------------------------------------------------------
// From the core's answers to sheets

/// An amount from the core's JSON (a decimal string) in the Indian way; empty when absent.
///
/// # Errors
/// An amount the core would not have produced (more than two decimals, out of range).
pub fn rupees(v: &Value) -> ApiResult<String> {
    match v.as_str() {
        None => Ok(String::new()),
        Some(s) => {
            let m: Money = s.parse().map_err(ApiError::from)?;
            m.to_indian().map_err(ApiError::from)
        }
    }
}

/// A date from the core's JSON (`YYYY-MM-DD`) in the society's pattern; empty when absent.
///
/// # Errors
/// A date that is not ISO.
pub fn day(society: &Society, v: &Value) -> ApiResult<String> {
    match v.as_str() {
        None => Ok(String::new()),
        Some(s) => Ok(society
            .dates
            .format(windeep_core::parse_date(s).map_err(ApiError::from)?)),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.replace('_', " "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// What a loan statement is made of.
pub struct LoanPaper<'a> {
    /// Loan id.
    pub loan_id: &'a str,
    /// Member id and name.
    pub member: (&'a str, &'a str),
    /// The `loan_statement` operation's answer.
    pub statement: &'a Value,
    /// The `schedule` operation's answer on the disbursed terms (the KFS figures).
    pub schedule: &'a Value,
    /// The stored events, in order.
    pub events: &'a [Value],
}

/// The loan statement sheet: KFS figures, the position, every installment, every event.
///
/// # Errors
/// A figure the core would not have produced.
pub fn loan_sheet(society: &Society, p: &LoanPaper<'_>) -> ApiResult<Sheet> {
    let s = &p.statement["state"];
    let k = p.schedule;
    let r = |v: &Value| rupees(v);
    let d = |v: &Value| day(society, v);
    let mut blocks = vec![Block::Heading("Key Fact Statement".to_owned())];
    blocks.push(Block::Facts(vec![
        ("Loan amount".to_owned(), r(&k["principal"])?),
        ("Net disbursed".to_owned(), r(&k["net_disbursement"])?),
        (
            "Interest rate (p.a.)".to_owned(),
            format!("{}% {}", text(&k["annual_rate"]), text(&k["method"])),
        ),
        (
            "Annual percentage rate".to_owned(),
            k["apr"]
                .as_str()
                .map_or_else(String::new, |a| format!("{a}%")),
        ),
        ("EMI".to_owned(), r(&k["emi"])?),
        (
            "Installments".to_owned(),
            format!("{} {}", text(&k["tenure"]), text(&k["frequency"])),
        ),
        ("Processing fee".to_owned(), r(&k["processing_fee"])?),
        ("Total interest".to_owned(), r(&k["totals"]["interest"])?),
        ("Total payable".to_owned(), r(&k["totals"]["payable"])?),
        ("Disbursed on".to_owned(), d(&k["disbursed_on"])?),
        ("First due on".to_owned(), d(&k["first_due_on"])?),
        ("Last due on".to_owned(), d(&k["maturity_on"])?),
    ]));
    blocks.push(Block::Heading(format!(
        "Position as of {}",
        d(&s["as_of"])?
    )));
    blocks.push(Block::Facts(vec![
        ("Status".to_owned(), text(&s["status"])),
        ("Days past due".to_owned(), text(&s["days_past_due"])),
        (
            "Principal outstanding".to_owned(),
            r(&s["outstanding_principal"])?,
        ),
        ("Interest due".to_owned(), r(&s["interest_due"])?),
        ("Fines due".to_owned(), r(&s["fines_due"])?),
        ("Next due on".to_owned(), d(&s["next_due_on"])?),
    ]));
    blocks.push(Block::Heading("Installments".to_owned()));
    let mut rows = Vec::new();
    for i in s["installments"].as_array().into_iter().flatten() {
        rows.push(vec![
            text(&i["number"]),
            d(&i["due_on"])?,
            r(&i["principal"])?,
            r(&i["interest"])?,
            r(&i["principal_paid"])?,
            r(&i["interest_paid"])?,
            r(&i["fines_due"])?,
            r(&i["unpaid"])?,
            text(&i["status"]),
        ]);
    }
    blocks.push(Block::Table {
        columns: vec![
            ("No".to_owned(), 3, Align::Right),
            ("Due on".to_owned(), 11, Align::Left),
            ("Principal".to_owned(), 14, Align::Right),
            ("Interest".to_owned(), 12, Align::Right),
            ("Principal paid".to_owned(), 14, Align::Right),
            ("Interest paid".to_owned(), 13, Align::Right),
            ("Fines due".to_owned(), 10, Align::Right),
            ("Unpaid".to_owned(), 13, Align::Right),
            ("Status".to_owned(), 10, Align::Left),
        ],
        rows,
    });
    let fines = s["fines"].as_array().cloned().unwrap_or_default();
    if !fines.is_empty() {
        blocks.push(Block::Heading("Fines".to_owned()));
        let mut rows = Vec::new();
        for f in &fines {
            rows.push(vec![
                text(&f["installment"]),
                text(&f["rule_id"]),
                r(&f["amount"])?,
                r(&f["paid"])?,
                r(&f["waived"])?,
                r(&f["balance"])?,
            ]);
        }
        blocks.push(Block::Table {
            columns: vec![
                ("Inst".to_owned(), 4, Align::Right),
                ("Rule".to_owned(), 10, Align::Left),
                ("Levied".to_owned(), 12, Align::Right),
                ("Paid".to_owned(), 12, Align::Right),
                ("Waived".to_owned(), 12, Align::Right),
                ("Balance".to_owned(), 12, Align::Right),
            ],
            rows,
        });
    }
    blocks.push(Block::Heading("Transactions".to_owned()));
    let mut rows = Vec::new();
    for e in p.events {
        let b = &e["body"];
        let amount = if b["amount"].is_string() {
            r(&b["amount"])?
        } else if b["terms"]["principal"].is_string() {
            r(&b["terms"]["principal"])?
        } else {
            String::new()
        };
        let detail = [
            &b["payment_mode"],
            &b["reason"],
            &b["bank_transaction"],
            &b["installment"],
        ]
        .iter()
        .filter(|v| !v.is_null())
        .map(|v| text(v))
        .collect::<Vec<_>>()
        .join(" · ");
        rows.push(vec![
            text(&e["sequence"]),
            d(&e["value_date"])?,
            text(&b["type"]),
            amount,
            detail,
        ]);
    }
    blocks.push(Block::Table {
        columns: vec![
            ("No".to_owned(), 3, Align::Right),
            ("Date".to_owned(), 11, Align::Left),
            ("Event".to_owned(), 22, Align::Left),
            ("Amount".to_owned(), 16, Align::Right),
            ("Details".to_owned(), 50, Align::Left),
        ],
        rows,
    });
    blocks.push(Block::Note(
        "Figures computed by the windeep core from the loan's recorded events.".to_owned(),
    ));
    Ok(Sheet {
        title: "Loan statement".to_owned(),
        subtitle: vec![
            format!("Loan {}", p.loan_id),
            format!("Member {} — {}", p.member.0, p.member.1),
        ],
        blocks,
    })
}

/// The passbook sheet: balance and totals, every passbook line, every monthly due.
///
/// # Errors
/// A figure the core would not have produced.
pub fn passbook_sheet(
    society: &Society,
    account_id: &str,
    member: (&str, &str),
    st: &Value,
) -> ApiResult<Sheet> {
    let r = |v: &Value| rupees(v);
    let d = |v: &Value| day(society, v);
    let mut blocks = vec![Block::Heading(format!(
        "Position as of {}",
        d(&st["as_of"])?
    ))];
    blocks.push(Block::Facts(vec![
        ("Balance".to_owned(), r(&st["balance"])?),
        ("Total deposited".to_owned(), r(&st["total_deposited"])?),
        ("Total withdrawn".to_owned(), r(&st["total_withdrawn"])?),
        ("Interest credited".to_owned(), r(&st["total_interest"])?),
        ("Bonus credited".to_owned(), r(&st["total_bonus"])?),
        ("Dues unpaid".to_owned(), r(&st["dues_unpaid"])?),
        ("Fines due".to_owned(), r(&st["fines_due"])?),
        ("Unallocated".to_owned(), r(&st["unallocated"])?),
    ]));
    blocks.push(Block::Heading("Passbook".to_owned()));
    let mut rows = Vec::new();
    for l in st["passbook"].as_array().into_iter().flatten() {
        rows.push(vec![
            d(&l["date"])?,
            text(&l["type"]),
            r(&l["amount"])?,
            r(&l["balance"])?,
            text(&l["event_id"]),
        ]);
    }
    blocks.push(Block::Table {
        columns: vec![
            ("Date".to_owned(), 11, Align::Left),
            ("Entry".to_owned(), 22, Align::Left),
            ("Amount".to_owned(), 16, Align::Right),
            ("Balance".to_owned(), 16, Align::Right),
            ("Reference".to_owned(), 30, Align::Left),
        ],
        rows,
    });
    blocks.push(Block::Heading("Monthly dues".to_owned()));
    let mut rows = Vec::new();
    for m in st["schedule"].as_array().into_iter().flatten() {
        rows.push(vec![
            text(&m["number"]),
            d(&m["due_on"])?,
            r(&m["due"])?,
            r(&m["paid"])?,
            r(&m["unpaid"])?,
            d(&m["settled_on"])?,
            text(&m["status"]),
        ]);
    }
    blocks.push(Block::Table {
        columns: vec![
            ("No".to_owned(), 3, Align::Right),
            ("Due on".to_owned(), 11, Align::Left),
            ("Due".to_owned(), 14, Align::Right),
            ("Paid".to_owned(), 14, Align::Right),
            ("Unpaid".to_owned(), 14, Align::Right),
            ("Settled on".to_owned(), 11, Align::Left),
            ("Status".to_owned(), 10, Align::Left),
        ],
        rows,
    });
    blocks.push(Block::Note(
        "Figures computed by the windeep core from the account's recorded events.".to_owned(),
    ));
    Ok(Sheet {
        title: "Savings passbook".to_owned(),
        subtitle: vec![
            format!("Account {account_id}"),
            format!("Member {} — {}", member.0, member.1),
        ],
        blocks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lines_align_and_cut() {
        let cols = vec![
            ("A".to_owned(), 4, Align::Left),
            ("B".to_owned(), 6, Align::Right),
        ];
        assert_eq!(table_line(&cols, &["x".into(), "12".into()]), "x        12");
        assert_eq!(
            table_line(&cols, &["abcdef".into(), "1".into()]),
            "abc…      1"
        );
    }

    #[test]
    fn a_sheet_renders_as_a_pdf() {
        let sheet = Sheet {
            title: "T".into(),
            subtitle: vec!["s".into()],
            blocks: vec![Block::Table {
                columns: vec![("N".into(), 5, Align::Right)],
                rows: (0..200).map(|i| vec![i.to_string()]).collect(),
            }],
        };
        let pdf = render(&Society::default(), &sheet).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}

// ---------------------------------------------------------------------------------------------
// Routes

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::{Action, Principal};
use crate::routes::{load_account, load_events, op};

/// `?as_of=YYYY-MM-DD` (default today).
#[derive(serde::Deserialize)]
pub struct AsOf {
    #[serde(default)]
    as_of: Option<String>,
}

fn as_of(q: &AsOf) -> ApiResult<chrono::NaiveDate> {
    q.as_of.as_deref().map_or_else(
        || Ok(chrono::Utc::now().date_naive()),
        |s| windeep_core::parse_date(s).map_err(ApiError::from),
    )
}

fn pdf_response(bytes: Vec<u8>, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn safe_name(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `GET /loans/{id}/statement.pdf?as_of=`: the loan statement as a PDF (same roles as
/// `GET /loans/{id}`: a member only their own loans).
pub async fn loan_statement_pdf(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Query(q): Query<AsOf>,
) -> ApiResult<Response> {
    who.require(Action::ReadLoans)?;
    let a = load_account(&state, &id, "loan").await?;
    who.require_own(&a.member_id)?;
    let on = as_of(&q)?;
    let rows = load_events(&state, &id).await?;
    let events: Vec<Value> = rows
        .iter()
        .map(|r| serde_json::from_str(&r.2).map_err(|e| ApiError::invalid(e.to_string())))
        .collect::<ApiResult<_>>()?;
    let list = rows
        .iter()
        .map(|r| r.2.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let statement = op(
        "loan_statement",
        &format!(r#"{{"events":[{list}],"as_of":"{on}"}}"#),
    )?;
    let terms = events
        .first()
        .map(|e| e["body"]["terms"].clone())
        .unwrap_or(Value::Null);
    let schedule = op("schedule", &terms.to_string())?;
    let name = crate::portal::member_name_of(&state, &a.member_id).await?;
    let sheet = loan_sheet(
        &state.society,
        &LoanPaper {
            loan_id: &id,
            member: (&a.member_id, &name),
            statement: &statement,
            schedule: &schedule,
            events: &events,
        },
    )?;
    let bytes = render(&state.society, &sheet)?;
    Ok(pdf_response(
        bytes,
        &format!("statement-{}-{on}.pdf", safe_name(&id)),
    ))
}

/// `GET /savings/{id}/passbook.pdf?as_of=`: the savings passbook as a PDF (same roles as
/// `GET /savings/{id}`).
pub async fn passbook_pdf(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Query(q): Query<AsOf>,
) -> ApiResult<Response> {
    who.require(Action::ReadSavings)?;
    let a = load_account(&state, &id, "savings").await?;
    who.require_own(&a.member_id)?;
    let on = as_of(&q)?;
    let rows = load_events(&state, &id).await?;
    let header = a.header.as_deref().unwrap_or("{}");
    let h = header.trim_end();
    let h = h.strip_suffix('}').unwrap_or(h);
    let sep = if h.trim_end().ends_with('{') { "" } else { "," };
    let list = rows
        .iter()
        .map(|r| r.2.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let st = op(
        "savings_schedule",
        &format!(r#"{{"account":{h}{sep}"events":[{list}]}},"as_of":"{on}"}}"#),
    )?;
    let name = crate::portal::member_name_of(&state, &a.member_id).await?;
    let sheet = passbook_sheet(&state.society, &id, (&a.member_id, &name), &st)?;
    let bytes = render(&state.society, &sheet)?;
    Ok(pdf_response(
        bytes,
        &format!("passbook-{}-{on}.pdf", safe_name(&id)),
    ))
}
