// The member portal: sign-in with a one-time code, passbook, loan statements (with the PDF),
// payment history, a fine waiver request and guarantor consent. Every figure comes from the
// server's API (the core's operations); this page only formats and draws them.
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { ApiError, call, download, el, saveSession, session, table } from './api.js';
import { date, rupees } from './format.js';
import './style.css';

echarts.use([BarChart, GridComponent, TooltipComponent, SVGRenderer]);

const $ = (id) => document.getElementById(id);
const PAYMENT_TYPES = new Set([
  'payment_received',
  'interest_only_payment',
  'part_payment',
  'foreclosed',
  'credit_applied',
]);
let chartHandle = null;

function status(text, kind = '') {
  const s = $('status');
  s.textContent = text;
  s.className = `status ${kind}`;
}

function me() {
  return session('member');
}

async function api(method, path, body) {
  const s = me();
  try {
    return await call(method, path, { token: s?.token, body });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      saveSession('member', null);
      show();
      status('Your session has ended; please sign in again.', 'error');
    }
    throw e;
  }
}

const m = (path, v) => ({ text: rupees(v), figure: path, value: v ?? '' });

function card(id, title, ...children) {
  return el(
    'section',
    { class: 'card', id, 'aria-labelledby': `${id}-title` },
    el('h2', { id: `${id}-title` }, title),
    ...children,
  );
}

async function accounts() {
  const s = me();
  return api('GET', `/members/${encodeURIComponent(s.member_id)}/accounts`);
}

async function passbook() {
  const s = me();
  const [ledger, acc] = await Promise.all([
    api('GET', `/members/${encodeURIComponent(s.member_id)}/ledger`),
    accounts(),
  ]);
  const parts = [
    card(
      'passbook',
      'Passbook',
      el(
        'p',
        {},
        'Closing balance ',
        el('strong', { 'data-figure': 'ledger.closing', 'data-value': ledger.closing }, rupees(ledger.closing)),
        ` on ${date(ledger.to)}.`,
      ),
      table(
        'Member ledger',
        ['Date', 'Entry', 'Debit', 'Credit', 'Balance'],
        ledger.rows.map((r, i) => [
          { text: date(r.date), figure: `ledger.rows.${i}.date`, value: r.date },
          r.entry_id,
          m(`ledger.rows.${i}.debit`, r.debit),
          m(`ledger.rows.${i}.credit`, r.credit),
          m(`ledger.rows.${i}.balance`, r.balance),
        ]),
      ),
    ),
  ];
  for (const id of acc.savings) {
    const sv = await api('GET', `/savings/${encodeURIComponent(id)}`);
    const lines = sv.passbook;
    parts.push(
      card(
        `savings-${id}`,
        `Savings account ${id}`,
        el(
          'p',
          {},
          'Balance ',
          el('strong', { 'data-figure': `savings.${id}.balance`, 'data-value': sv.balance }, rupees(sv.balance)),
          ' · ',
          pdfButton(`/savings/${encodeURIComponent(id)}/passbook.pdf`, `passbook-${id}.pdf`, 'Download the passbook (PDF)'),
        ),
        table(
          `Passbook of ${id}`,
          ['Date', 'Particulars', 'Amount', 'Balance'],
          lines.map((r, i) => [
            { text: date(r.date), figure: `savings.${id}.passbook.${i}.date`, value: r.date },
            r.type.replaceAll('_', ' '),
            m(`savings.${id}.passbook.${i}.amount`, r.amount),
            m(`savings.${id}.passbook.${i}.balance`, r.balance),
          ]),
        ),
      ),
    );
  }
  return parts;
}

function pdfButton(path, filename, label) {
  return el(
    'button',
    {
      type: 'button',
      class: 'secondary pdf',
      'data-href': path,
      onclick: async () => {
        try {
          await download(path, me().token, filename);
          status(`${filename} downloaded.`, 'ok');
        } catch (e) {
          status(`The PDF could not be downloaded: ${e.message}`, 'error');
        }
      },
    },
    label,
  );
}

async function loans() {
  const acc = await accounts();
  if (acc.loans.length === 0) return [card('loans', 'Loan statements', el('p', {}, 'You have no loans.'))];
  const out = [];
  for (const id of acc.loans) {
    const [l, events] = await Promise.all([
      api('GET', `/loans/${encodeURIComponent(id)}`),
      api('GET', `/loans/${encodeURIComponent(id)}/events`),
    ]);
    const st = l.statement.state;
    const rows = st.installments || [];
    const pays = (Array.isArray(events) ? events : events.events || []).filter((e) =>
      PAYMENT_TYPES.has(e.body?.type),
    );
    const chartBox = el('div', {
      class: 'chart small',
      id: `payments-${id}`,
      role: 'img',
      'aria-label': `Payments on loan ${id} by date; the table below lists each payment.`,
    });
    requestAnimationFrame(() => {
      chartHandle = echarts.init(chartBox, null, { renderer: 'svg' });
      chartHandle.setOption({
        animation: false,
        tooltip: {},
        grid: { left: 64, right: 16, bottom: 32, top: 16 },
        xAxis: { type: 'category', data: pays.map((e) => date(e.value_date)) },
        yAxis: { type: 'value' },
        series: [{ type: 'bar', data: pays.map((e) => Number(e.body.amount)), itemStyle: { color: '#0b5cab' } }],
      });
    });
    out.push(
      card(
        `loan-${id}`,
        `Loan ${id}`,
        el(
          'div',
          { class: 'meter' },
          fig('Status', st.status, `loan.${id}.status`, st.status),
          fig('Outstanding principal', rupees(st.outstanding_principal), `loan.${id}.outstanding_principal`, st.outstanding_principal),
          fig('Interest due', rupees(st.interest_due), `loan.${id}.interest_due`, st.interest_due),
          fig('Fines due', rupees(st.fines_due), `loan.${id}.fines_due`, st.fines_due),
          fig('EMI', rupees(st.emi), `loan.${id}.emi`, st.emi),
          fig('Days past due', String(st.days_past_due ?? 0), `loan.${id}.days_past_due`, String(st.days_past_due ?? 0)),
        ),
        el('p', {}, pdfButton(`/loans/${encodeURIComponent(id)}/statement.pdf`, `statement-${id}.pdf`, 'Download the statement (PDF)')),
        el('h3', {}, 'Payment history'),
        chartBox,
        table(
          `Payments on ${id}`,
          ['Date', 'Kind', 'Amount'],
          pays.map((e, i) => [
            { text: date(e.value_date), figure: `loan.${id}.payments.${i}.value_date`, value: e.value_date },
            e.body.type.replaceAll('_', ' '),
            m(`loan.${id}.payments.${i}.amount`, e.body.amount),
          ]),
        ),
        table(
          `Installments of ${id}`,
          ['No.', 'Due on', 'Status', 'Principal', 'Interest', 'Unpaid', 'Fines'],
          rows.map((r, i) => [
            String(r.number),
            { text: date(r.due_on), figure: `loan.${id}.installments.${i}.due_on`, value: r.due_on },
            r.status,
            m(`loan.${id}.installments.${i}.principal`, r.principal),
            m(`loan.${id}.installments.${i}.interest`, r.interest),
            m(`loan.${id}.installments.${i}.unpaid`, r.unpaid),
            m(`loan.${id}.installments.${i}.fines_due`, r.fines_due),
          ]),
        ),
      ),
    );
  }
  return out;
}

function fig(label, text, path, raw) {
  return el(
    'div',
    { class: 'figure' },
    el('div', { class: 'label' }, label),
    el('div', { class: 'value', 'data-figure': path, 'data-value': raw ?? '' }, text),
  );
}

async function openFines(loan) {
  const l = await api('GET', `/loans/${encodeURIComponent(loan)}`);
  return (l.statement.state.fines || []).filter((f) => f.balance && !/^0(\.0+)?$/.test(f.balance));
}

async function waiver() {
  const acc = await accounts();
  const fineSelect = el('select', { id: 'waiver-fine', name: 'fine', required: true });
  const submit = el('button', { type: 'submit' }, 'Send the request');
  const none = el('p', { id: 'waiver-none', hidden: true }, 'This loan has no fine to waive.');
  const loanSelect = el(
    'select',
    { id: 'waiver-loan', name: 'loan', required: true, onchange: () => fillFines() },
    acc.loans.map((l) => el('option', { value: l }, l)),
  );
  async function fillFines() {
    const loan = loanSelect.value;
    const fines = loan ? await openFines(loan) : [];
    fineSelect.replaceChildren(
      ...fines.map((f) =>
        el('option', { value: f.key, 'data-value': f.balance }, `Installment ${f.installment}: ${rupees(f.balance)} unpaid`),
      ),
    );
    submit.disabled = fines.length === 0;
    none.hidden = fines.length > 0;
  }
  const form = el(
    'form',
    { id: 'waiver-form' },
    el('label', {}, 'Loan', loanSelect),
    el('label', {}, 'Fine', fineSelect),
    el('label', {}, 'Amount to waive (₹)', el('input', { id: 'waiver-amount', name: 'amount', inputmode: 'decimal', pattern: '[0-9]+(\\.[0-9]{1,2})?', required: true })),
    el('label', {}, 'Reason', el('textarea', { id: 'waiver-reason', name: 'reason', rows: '2', required: true })),
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await api('POST', `/loans/${encodeURIComponent(loanSelect.value)}/waiver-requests`, {
        amount: $('waiver-amount').value.trim(),
        reason: $('waiver-reason').value.trim(),
        fine: fineSelect.value,
      });
      status(`Request ${r.id} sent: ${r.status}. A manager will decide on it.`, 'ok');
      $('waiver-amount').value = '';
      $('waiver-reason').value = '';
    } catch (err) {
      status(`The request was not accepted: ${err.message}`, 'error');
    }
  });
  const parts = [
    card(
      'waiver',
      'Fine waiver request',
      el('p', {}, 'Ask the society to waive a fine; a manager approves or rejects it.'),
      none,
      form,
    ),
  ];
  await fillFines();
  return parts;
}

async function consent() {
  const form = el(
    'form',
    { id: 'consent-form' },
    el('label', {}, 'Application number', el('input', { id: 'consent-application', name: 'application', required: true })),
    el(
      'label',
      {},
      'Your decision',
      el(
        'select',
        { id: 'consent-value', name: 'consent' },
        el('option', { value: 'true' }, 'I agree to stand guarantor'),
        el('option', { value: 'false' }, 'I do not agree'),
      ),
    ),
    el('button', { type: 'submit' }, 'Record my decision'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', `/applications/${encodeURIComponent($('consent-application').value.trim())}/guarantor-consents`, {
        consent: $('consent-value').value === 'true',
      });
      status('Your decision was recorded.', 'ok');
      form.reset();
    } catch (err) {
      status(`The decision was not recorded: ${err.message}`, 'error');
    }
  });
  return [
    card(
      'consent',
      'Guarantor consent',
      el('p', {}, 'A member who names you as guarantor needs your consent before the loan is approved.'),
      form,
    ),
  ];
}

const VIEWS = { passbook, loans, waiver, consent };

async function open(view) {
  if (!VIEWS[view]) view = 'passbook';
  for (const b of document.querySelectorAll('nav.tabs button')) {
    if (b.dataset.view === view) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
  if (chartHandle) {
    chartHandle.dispose();
    chartHandle = null;
  }
  status('Loading…');
  try {
    const parts = await VIEWS[view]();
    $('view').replaceChildren(...parts);
    status('');
    document.body.dataset.view = view;
    if (location.hash !== `#${view}`) history.replaceState(null, '', `#${view}`);
  } catch (e) {
    $('view').replaceChildren();
    document.body.dataset.view = `${view}-error`;
    status(
      e instanceof ApiError && e.status === 403 ? 'You may open only your own pages.' : `This page could not be loaded: ${e.message}`,
      'error',
    );
  }
}

function show() {
  const s = me();
  $('sign-in').hidden = Boolean(s);
  $('portal').hidden = !s;
  $('sign-out').hidden = !s;
  $('who').textContent = s ? `Member ${s.member_id}` : '';
}

$('code-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    await call('POST', '/portal/sign-in-code', { body: { member_id: $('member-id').value.trim() } });
    $('session-form').hidden = false;
    $('code').focus();
    status('If the number is yours, a six-digit code is on its way.', 'ok');
  } catch (err) {
    status(`The code could not be sent: ${err.message}`, 'error');
  }
});
$('session-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const member_id = $('member-id').value.trim();
  try {
    const r = await call('POST', '/portal/session', { body: { member_id, code: $('code').value.trim() } });
    saveSession('member', { member_id, token: r.token, expires_at: r.expires_at });
    $('code').value = '';
    $('session-form').hidden = true;
    show();
    open(location.hash.slice(1));
  } catch (err) {
    status(err.status === 401 ? 'The code is wrong or has expired.' : `Sign-in failed: ${err.message}`, 'error');
  }
});
$('sign-out').addEventListener('click', () => {
  saveSession('member', null);
  $('view').replaceChildren();
  show();
  status('Signed out.');
});
for (const b of document.querySelectorAll('nav.tabs button')) {
  b.addEventListener('click', () => open(b.dataset.view));
}
window.addEventListener('resize', () => chartHandle?.resize());
window.addEventListener('hashchange', () => {
  show();
  if (me() && document.body.dataset.view !== location.hash.slice(1)) open(location.hash.slice(1));
});

show();
if (me()) open(location.hash.slice(1));
