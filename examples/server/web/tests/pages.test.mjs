// Browser tests of the dashboard and the member portal against a running demo server
// (`windeep-server --demo`), in Debian's Chromium through playwright-core.
//
//   WINDEEP_URL=http://127.0.0.1:18080 WINDEEP_ADMIN_TOKEN_FILE=admin.token node --test tests/
//
// Each page is opened as each role; every figure the page shows (an element with
// `data-figure`, the path of the figure in the API's answer) is compared with the API's own
// answer, formatted here independently of the page's code; axe-core finds no serious or
// critical violation; the phone-width layout has no horizontal scrolling; screenshots go to
// screenshots/ (the README shows them).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const BASE = process.env.WINDEEP_URL || 'http://127.0.0.1:18080';
const ADMIN = readFileSync(process.env.WINDEEP_ADMIN_TOKEN_FILE || 'admin.token', 'utf8').trim();
const AS_OF = process.env.WINDEEP_AS_OF || '2026-09-30';
const SHOTS = new URL('../screenshots/', import.meta.url).pathname;
const AXE = require.resolve('axe-core/axe.min.js');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
mkdirSync(SHOTS, { recursive: true });

async function api(method, path, token, body) {
  const res = await fetch(BASE + path, {
    method,
    headers: {
      Authorization: token ? `Bearer ${token}` : undefined,
      'Content-Type': body === undefined ? undefined : 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// --- the society's way of writing figures, written here apart from the page's own code ---
function indian(int) {
  const neg = int.startsWith('-');
  const d = neg ? int.slice(1) : int;
  const head = d.slice(0, -3);
  const tail = d.slice(-3);
  const groups = head ? head.replace(/\B(?=(\d{2})+(?!\d))/g, ',') + ',' : '';
  return (neg ? '-' : '') + groups + tail;
}
function expectMoney(v) {
  if (v === null) return '—';
  const [i, f = ''] = v.split('.');
  const neg = i.startsWith('-');
  return `${neg ? '-' : ''}₹${indian(neg ? i.slice(1) : i)}.${f.padEnd(2, '0')}`;
}
const PERCENT_KEYS = /(ratio|efficiency|coverage)$/;
const MONEY_KEYS =
  /(demand|collected_current|arrears_opening|collected_arrears|outstanding_principal|provision|unpaid|amount|closing|debit|credit|balance|interest_due|fines_due|emi|principal|interest)$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function expected(path, v) {
  const key = path.split('.').pop();
  if (v === null || v === undefined) return '—';
  if (key === 'stars') return `${v} stars`;
  if (PERCENT_KEYS.test(key)) return `${v} %`;
  if (MONEY_KEYS.test(key) && typeof v === 'string') return expectMoney(v);
  if (typeof v === 'number') return indian(String(v));
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return v.split('-').reverse().join('-');
  if (/^\d{4}-\d{2}$/.test(v)) return `${MONTHS[Number(v.slice(5)) - 1]} ${v.slice(0, 4)}`;
  return null; // a label: only its raw value is compared
}
function resolve(obj, path) {
  return path.split('.').reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);
}

/** Compares every displayed figure with the API's answer; returns how many were compared. */
async function checkFigures(page, answer, prefix = '') {
  const figs = await page.$$eval('[data-figure]', (els) =>
    els.map((e) => ({ path: e.dataset.figure, value: e.dataset.value, text: e.textContent.trim() })),
  );
  let n = 0;
  for (const f of figs) {
    if (prefix && !f.path.startsWith(prefix)) continue;
    const v = resolve(answer, prefix ? f.path.slice(prefix.length) : f.path);
    assert.notEqual(v, undefined, `${f.path} is not in the API's answer`);
    assert.equal(f.value, v === null ? '' : String(v), `${f.path}: the page holds another value`);
    const want = expected(f.path, v);
    if (want !== null && f.path !== 'as_of') assert.equal(f.text, want, `${f.path} is shown as ${f.text}`);
    n += 1;
  }
  return n;
}

async function axe(page, name) {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } }),
  );
  const serious = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    serious.map((v) => `${v.id}: ${v.nodes.map((x) => x.target.join(' ')).join(' | ')}`),
    [],
    `${name}: serious accessibility violations`,
  );
}

async function noSideScroll(page, name) {
  const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(over <= 1, `${name}: the page is ${over}px wider than a phone screen`);
}

let browser;
const tokens = {};
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  tokens.super_admin = ADMIN;
  for (const role of ['manager', 'accountant', 'viewer']) {
    const r = await api('POST', '/tokens', ADMIN, { role, name: `pages-${role}` });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    tokens[role] = r.body.token;
  }
  for (const member of ['MEMB000001', 'MEMB000002', 'MEMB000005']) {
    const r = await api('POST', '/tokens', ADMIN, { role: 'member', name: `pages-${member}`, member_id: member });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    tokens[member] = r.body.token;
  }
});
after(async () => {
  await browser?.close();
});

async function newPage(viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, locale: 'en-IN' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, context, errors };
}

async function signInStaff(page, token) {
  await page.goto(`${BASE}/dashboard/?as_of=${AS_OF}`);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('dashboard', () => {
  for (const role of ['super_admin', 'manager', 'accountant', 'viewer']) {
    test(`${role} sees every figure as the API gives it`, async () => {
      const { page, context, errors } = await newPage();
      await signInStaff(page, tokens[role]);
      await page.waitForSelector(`body[data-loaded="${AS_OF}"]`);
      const answer = await api('GET', `/reports/dashboard?as_of=${AS_OF}`, tokens[role]);
      assert.equal(answer.status, 200);
      const n = await checkFigures(page, answer.body);
      // Every section is there and carries its figures.
      for (const path of [
        'npa.gross_npa_ratio',
        'npa.net_npa_ratio',
        'npa.provision_coverage',
        'par.0.ratio',
        'par.3.ratio',
        'portfolio.collection_efficiency.0.current_efficiency',
        'portfolio.collection_efficiency.0.overall_efficiency',
        'overdue_heat_map.0.installments',
        'overdue_by_group.0.unpaid',
        'credit_scores.4.members',
        'unmapped_by_age.3.amount',
        'checks.ok',
      ]) {
        assert.equal(await page.locator(`[data-figure="${path}"]`).count(), 1, `${path} is shown`);
      }
      assert.ok(n > 60, `only ${n} figures compared`);
      // Indian grouping shows on a figure of six digits or more.
      assert.match(await page.locator('[data-figure="portfolio.outstanding_principal"]').innerText(), /^₹\d{1,2},\d{2},\d{3}\.\d{2}$/);
      assert.ok((await page.locator('#content svg').count()) >= 5, 'the charts are drawn');
      if (role === 'manager') {
        await page.screenshot({ path: `${SHOTS}dashboard.png`, fullPage: true });
        await axe(page, 'dashboard');
      }
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  test('phone width: no sideways scrolling, screenshot', async () => {
    const { page, context } = await newPage(PHONE);
    await signInStaff(page, tokens.viewer);
    await page.waitForSelector(`body[data-loaded="${AS_OF}"]`);
    await noSideScroll(page, 'dashboard');
    await page.screenshot({ path: `${SHOTS}dashboard-phone.png`, fullPage: false });
    await axe(page, 'dashboard on a phone');
    await context.close();
  });

  test('a member token does not open the dashboard', async () => {
    const { page, context } = await newPage();
    await signInStaff(page, tokens.MEMB000001);
    await page.getByText('This token may not open the dashboard.').waitFor();
    assert.equal(await page.locator('#content [data-figure]').count(), 0);
    assert.ok(await page.locator('#sign-in').isVisible());
    await context.close();
  });

  test('the sign-in page is accessible', async () => {
    const { page, context } = await newPage();
    await page.goto(`${BASE}/dashboard/`);
    await axe(page, 'dashboard sign-in');
    await context.close();
  });
});

async function portalAs(member, viewport = DESKTOP) {
  const p = await newPage(viewport);
  await p.page.goto(`${BASE}/portal/`);
  // A session as the portal's sign-in leaves it (the token of that member).
  await p.page.evaluate(
    ([m, t]) => sessionStorage.setItem('windeep.member', JSON.stringify({ member_id: m, token: t })),
    [member, tokens[member]],
  );
  return p;
}

async function openView(page, view) {
  await page.goto('about:blank');
  await page.goto(`${BASE}/portal/#${view}`);
  await page.waitForSelector(`body[data-view="${view}"]`);
}

describe('portal', () => {
  test('passbook and savings passbook show the API figures', async () => {
    const { page, context, errors } = await portalAs('MEMB000005');
    await openView(page, 'passbook');
    const ledger = await api('GET', '/members/MEMB000005/ledger', tokens.MEMB000005);
    const n1 = await checkFigures(page, ledger.body, 'ledger.');
    const sv = await api('GET', '/savings/SAV2026000001', tokens.MEMB000005);
    const n2 = await checkFigures(page, sv.body, 'savings.SAV2026000001.');
    assert.ok(n1 > 4 && n2 > 4, `${n1} and ${n2} figures`);
    await axe(page, 'passbook');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('loan statement and payment history show the API figures', async () => {
    const { page, context, errors } = await portalAs('MEMB000001');
    await openView(page, 'loans');
    const l = await api('GET', '/loans/LN2026000001', tokens.MEMB000001);
    const ev = await api('GET', '/loans/LN2026000001/events', tokens.MEMB000001);
    const pays = ev.body.events.filter((e) => e.body.type === 'payment_received');
    const answer = {
      loan: {
        LN2026000001: {
          ...l.body.statement.state,
          payments: pays.map((e) => ({ value_date: e.value_date, amount: e.body.amount })),
        },
      },
    };
    const n = await checkFigures(page, answer);
    assert.ok(n > 20, `${n} figures`);
    assert.equal(await page.locator('[data-figure^="loan.LN2026000001.payments."][data-figure$=".amount"]').count(), pays.length);
    assert.equal(await page.locator('#payments-LN2026000001 svg').count(), 1, 'the payment chart is drawn');
    assert.equal(await page.locator('button.pdf').getAttribute('data-href'), '/loans/LN2026000001/statement.pdf');
    await page.screenshot({ path: `${SHOTS}portal-loan.png`, fullPage: true });
    await axe(page, 'loan statement');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('phone width: no sideways scrolling, screenshot', async () => {
    const { page, context } = await portalAs('MEMB000001', PHONE);
    await openView(page, 'loans');
    await noSideScroll(page, 'portal');
    await page.screenshot({ path: `${SHOTS}portal-phone.png` });
    await context.close();
  });

  test("a member cannot open another member's page", async () => {
    // The member's token with another member's number: the server refuses, the page says so
    // and shows nothing of the other member.
    const { page, context } = await portalAs('MEMB000001');
    await page.evaluate((t) => sessionStorage.setItem('windeep.member', JSON.stringify({ member_id: 'MEMB000002', token: t })), tokens.MEMB000001);
    await page.goto('about:blank');
    await page.goto(`${BASE}/portal/#passbook`);
    await page.waitForSelector('body[data-view="passbook-error"]');
    await page.getByText('You may open only your own pages.').waitFor();
    assert.equal(await page.locator('[data-figure]').count(), 0);
    for (const path of ['/members/MEMB000002/ledger', '/members/MEMB000002/accounts', '/loans/LN2026000002']) {
      assert.equal((await api('GET', path, tokens.MEMB000001)).status, 403, path);
    }
    await context.close();
  });

  test('the waiver and consent forms are accessible', async () => {
    const { page, context } = await portalAs('MEMB000002');
    for (const view of ['waiver', 'consent']) {
      await openView(page, view);
      await axe(page, view);
    }
    await context.close();
  });
});

// The sign-in with a one-time code, the waiver request and the guarantor consent need the
// portal endpoints of the API contract; on a server without them these tests are skipped.
const contract = await api('POST', '/portal/sign-in-code', null, { member_id: 'MEMB000001' }).catch(() => ({ status: 0 }));
const hasPortalApi = contract.status === 202;

describe('portal sign-in and requests', { skip: hasPortalApi ? false : 'the server has no /portal/sign-in-code' }, () => {
  async function codeFor(member) {
    const out = await api('GET', '/outbox', ADMIN);
    const mine = out.body.pending.filter((x) => x.kind === 'sign_in_code' && x.member_id === member);
    assert.ok(mine.length > 0, `no sign_in_code notification for ${member}`);
    // The contract says the notification carries a six-digit code; its field name is not
    // fixed, so the code is the six-digit string in the notification's body.
    const code = /\b\d{6}\b/.exec(JSON.stringify(mine[mine.length - 1].body));
    assert.ok(code, 'the notification carries a six-digit code');
    return code[0];
  }

  test('a member signs in with the code from the outbox and sees the portal', async () => {
    const { page, context } = await newPage();
    await page.goto(`${BASE}/portal/`);
    await page.getByLabel('Member number').fill('MEMB000001');
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByLabel('One-time code').waitFor();
    await page.getByLabel('One-time code').fill(await codeFor('MEMB000001'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('body[data-view="passbook"]');
    await page.screenshot({ path: `${SHOTS}portal-passbook.png`, fullPage: true });
    await context.close();
  });

  test('a wrong code is refused', async () => {
    const { page, context } = await newPage();
    await page.goto(`${BASE}/portal/`);
    await page.getByLabel('Member number').fill('MEMB000002');
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByLabel('One-time code').fill('000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The code is wrong or has expired.').waitFor();
    await context.close();
  });

  test('a fine waiver request lands for a manager', async () => {
    // End of day levies the fines of the overdue installments.
    const eod = await api('POST', '/jobs/end-of-day', ADMIN, { as_of: new Date().toISOString().slice(0, 10) });
    assert.equal(eod.status, 200, JSON.stringify(eod.body));
    const { page, context } = await portalAs('MEMB000001');
    await openView(page, 'waiver');
    await page.locator('#waiver-fine option').first().waitFor({ state: 'attached' });
    await page.getByLabel('Amount to waive (₹)').fill('50.00');
    await page.getByLabel('Reason').fill('Paid late because of a hospital stay');
    await page.getByRole('button', { name: 'Send the request' }).click();
    await page.getByText(/Request .* sent: pending/).waitFor();
    const pending = await api('GET', '/waiver-requests?status=pending', tokens.manager);
    assert.equal(pending.status, 200);
    assert.ok(JSON.stringify(pending.body).includes('LN2026000001'));
    await context.close();
  });

  test('a guarantor records consent on an application that names them', async () => {
    const app = {
      id: 'APP-PAGES',
      member_id: 'MEMB000001',
      product_id: 'LOAN-001',
      application: { amount: '10000', tenure: 12, annual_rate: '12', disbursed_on: '2026-10-05', first_due_on: '2026-11-05' },
      // The member facts are the server's own: an application carries none.
      guarantors: [{ member_id: 'MEMB000002', guarantee_amount: '5000' }],
    };
    assert.equal((await api('POST', '/applications', ADMIN, app)).status, 201);
    const { page, context } = await portalAs('MEMB000002');
    await openView(page, 'consent');
    await page.getByLabel('Application number').fill('APP-PAGES');
    await page.getByRole('button', { name: 'Record my decision' }).click();
    await page.getByText('Your decision was recorded.').waitFor();
    // Another member is not a guarantor of it: refused.
    const { page: other, context: c2 } = await portalAs('MEMB000005');
    await openView(other, 'consent');
    await other.getByLabel('Application number').fill('APP-PAGES');
    await other.getByRole('button', { name: 'Record my decision' }).click();
    await other.getByText(/The decision was not recorded/).waitFor();
    await c2.close();
    await context.close();
  });
});
