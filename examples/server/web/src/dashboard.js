// The manager's dashboard. Every figure is read from GET /reports/dashboard (the core's
// `dashboard` operation); this page only formats and draws them.
import * as echarts from 'echarts/core';
import { BarChart, GaugeChart, HeatmapChart, LineChart } from 'echarts/charts';
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { ApiError, call, el, saveSession, session, table } from './api.js';
import { count, date, month, percent, rupees } from './format.js';
import './style.css';

echarts.use([
  BarChart,
  GaugeChart,
  HeatmapChart,
  LineChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  SVGRenderer,
]);

const $ = (id) => document.getElementById(id);
const charts = [];

function status(text, kind = '') {
  const s = $('status');
  s.textContent = text;
  s.className = `status ${kind}`;
}

/** A chart in a labelled region; `describe` is the text alternative. */
function chart(id, label, describe, option, small = false) {
  const box = el('div', {
    id,
    class: small ? 'chart small' : 'chart',
    role: 'img',
    'aria-label': `${label}. ${describe}`,
  });
  requestAnimationFrame(() => {
    const c = echarts.init(box, null, { renderer: 'svg' });
    c.setOption({ animation: false, aria: { enabled: false }, ...option });
    charts.push(c);
  });
  return box;
}

function figure(label, text, path, raw) {
  return el(
    'div',
    { class: 'figure' },
    el('div', { class: 'label' }, label),
    el('div', { class: 'value', 'data-figure': path, 'data-value': raw ?? '' }, text),
  );
}

const m = (path, v) => ({ text: rupees(v), figure: path, value: v ?? '' });
const p = (path, v) => ({ text: percent(v), figure: path, value: v ?? '' });
const n = (path, v) => ({ text: count(v), figure: path, value: String(v) });
const num = (v) => (v === null || v === undefined ? null : Number(v));

function efficiency(d) {
  const rows = d.portfolio.collection_efficiency;
  const base = 'portfolio.collection_efficiency';
  return el(
    'section',
    { class: 'card', id: 'efficiency', 'aria-labelledby': 'efficiency-title' },
    el('h2', { id: 'efficiency-title' }, 'Collection efficiency'),
    chart(
      'efficiency-chart',
      'Collection efficiency by month',
      'Current-period and overall efficiency, percent, month by month; the table below gives every figure.',
      {
        tooltip: { trigger: 'axis' },
        legend: { data: ['Current period', 'Overall'] },
        grid: { left: 48, right: 16, bottom: 32, top: 40 },
        xAxis: { type: 'category', data: rows.map((r) => month(r.month)) },
        yAxis: { type: 'value', name: '%', min: 0 },
        series: [
          { name: 'Current period', type: 'bar', data: rows.map((r) => num(r.current_efficiency)) },
          { name: 'Overall', type: 'line', data: rows.map((r) => num(r.overall_efficiency)) },
        ],
      },
    ),
    table(
      'Collection efficiency by month',
      ['Month', 'Demand', 'Collected (current)', 'Arrears at start', 'Collected (arrears)', 'Current %', 'Overall %'],
      rows.map((r, i) => [
        { text: month(r.month), figure: `${base}.${i}.month`, value: r.month },
        m(`${base}.${i}.demand`, r.demand),
        m(`${base}.${i}.collected_current`, r.collected_current),
        m(`${base}.${i}.arrears_opening`, r.arrears_opening),
        m(`${base}.${i}.collected_arrears`, r.collected_arrears),
        p(`${base}.${i}.current_efficiency`, r.current_efficiency),
        p(`${base}.${i}.overall_efficiency`, r.overall_efficiency),
      ]),
    ),
  );
}

function npaMeter(d) {
  const x = d.npa;
  return el(
    'section',
    { class: 'card', id: 'npa', 'aria-labelledby': 'npa-title' },
    el('h2', { id: 'npa-title' }, 'NPA meter'),
    chart(
      'npa-chart',
      'Gross NPA ratio',
      `Gross NPA ${percent(x.gross_npa_ratio)} of the portfolio.`,
      {
        series: [
          {
            type: 'gauge',
            min: 0,
            max: 100,
            progress: { show: true },
            axisLine: { lineStyle: { width: 14, color: [[0.05, '#1d6b35'], [0.1, '#b7791f'], [1, '#a4161a']] } },
            axisLabel: { distance: 18, fontSize: 10 },
            pointer: { width: 4 },
            title: { offsetCenter: [0, '78%'], fontSize: 12 },
            detail: { formatter: '{value} %', fontSize: 18, offsetCenter: [0, '48%'] },
            data: [{ value: num(x.gross_npa_ratio) ?? 0, name: 'Gross NPA' }],
          },
        ],
      },
      true,
    ),
    el(
      'div',
      { class: 'meter' },
      figure('Gross NPA ratio', percent(x.gross_npa_ratio), 'npa.gross_npa_ratio', x.gross_npa_ratio),
      figure('Net NPA ratio', percent(x.net_npa_ratio), 'npa.net_npa_ratio', x.net_npa_ratio),
      figure('Provision coverage', percent(x.provision_coverage), 'npa.provision_coverage', x.provision_coverage),
      figure('NPA loans', count(x.loans), 'npa.loans', String(x.loans)),
      figure('NPA outstanding', rupees(x.outstanding_principal), 'npa.outstanding_principal', x.outstanding_principal),
      figure('Provision held', rupees(x.provision), 'npa.provision', x.provision),
    ),
  );
}

function par(d) {
  return el(
    'section',
    { class: 'card', id: 'par', 'aria-labelledby': 'par-title' },
    el('h2', { id: 'par-title' }, 'Portfolio at risk'),
    el(
      'div',
      { class: 'meter' },
      figure('Active loans', count(d.portfolio.loans), 'portfolio.loans', String(d.portfolio.loans)),
      figure(
        'Outstanding principal',
        rupees(d.portfolio.outstanding_principal),
        'portfolio.outstanding_principal',
        d.portfolio.outstanding_principal,
      ),
    ),
    chart(
      'par-chart',
      'Portfolio at risk',
      'PAR 1, 30, 60 and 90 as a percentage of the portfolio; the table below gives every figure.',
      {
        tooltip: {},
        grid: { left: 48, right: 16, bottom: 32, top: 24 },
        xAxis: { type: 'category', data: d.par.map((x) => x.name) },
        yAxis: { type: 'value', name: '%', min: 0 },
        series: [{ type: 'bar', data: d.par.map((x) => num(x.ratio)), itemStyle: { color: '#a4161a' } }],
      },
      true,
    ),
    table(
      'Portfolio at risk',
      ['Measure', 'Loans', 'Outstanding principal', 'Share of portfolio'],
      d.par.map((x, i) => [
        { text: x.name, figure: `par.${i}.name`, value: x.name },
        n(`par.${i}.loans`, x.loans),
        m(`par.${i}.outstanding_principal`, x.outstanding_principal),
        p(`par.${i}.ratio`, x.ratio),
      ]),
    ),
  );
}

function heatMap(d) {
  const cells = d.overdue_heat_map;
  const months = [...new Set(cells.map((c) => c.due_month))];
  const bands = d.portfolio.ageing.map((b) => b.bucket).filter((b) => b !== '0');
  const groups = d.overdue_by_group;
  const groupNames = [...new Set(groups.map((g) => g.group))];
  return el(
    'section',
    { class: 'card', id: 'overdue', 'aria-labelledby': 'overdue-title' },
    el('h2', { id: 'overdue-title' }, 'Overdue heat map'),
    cells.length === 0
      ? el('p', {}, 'No installment is overdue.')
      : chart(
          'overdue-chart',
          'Overdue installments by DPD band and month of due date',
          'Darker cells hold more overdue installments; the table below gives every cell.',
          {
            tooltip: {},
            grid: { left: 64, right: 16, bottom: 72, top: 16 },
            xAxis: { type: 'category', data: months.map(month), splitArea: { show: true } },
            yAxis: { type: 'category', data: bands, name: 'DPD', splitArea: { show: true } },
            visualMap: {
              min: 0,
              max: Math.max(1, ...cells.map((c) => c.installments)),
              calculable: false,
              orient: 'horizontal',
              left: 'center',
              bottom: 0,
              inRange: { color: ['#fde0dd', '#a4161a'] },
            },
            series: [
              {
                type: 'heatmap',
                label: { show: true },
                data: cells.map((c) => [months.indexOf(c.due_month), bands.indexOf(c.band), c.installments]),
              },
            ],
          },
        ),
    table(
      'Overdue installments by DPD band and month of due date',
      ['Due month', 'DPD band', 'Installments', 'Unpaid'],
      cells.map((c, i) => [
        { text: month(c.due_month), figure: `overdue_heat_map.${i}.due_month`, value: c.due_month },
        { text: c.band, figure: `overdue_heat_map.${i}.band`, value: c.band },
        n(`overdue_heat_map.${i}.installments`, c.installments),
        m(`overdue_heat_map.${i}.unpaid`, c.unpaid),
      ]),
    ),
    groups.length === 0
      ? null
      : chart(
          'group-chart',
          'Overdue installments by member group and DPD band',
          'Darker cells hold more overdue installments; the table below gives every cell.',
          {
            tooltip: {},
            grid: { left: 96, right: 16, bottom: 72, top: 16 },
            xAxis: { type: 'category', data: bands, name: 'DPD' },
            yAxis: { type: 'category', data: groupNames },
            visualMap: {
              min: 0,
              max: Math.max(1, ...groups.map((c) => c.installments)),
              orient: 'horizontal',
              left: 'center',
              bottom: 0,
              inRange: { color: ['#fde0dd', '#a4161a'] },
            },
            series: [
              {
                type: 'heatmap',
                label: { show: true },
                data: groups.map((c) => [bands.indexOf(c.band), groupNames.indexOf(c.group), c.installments]),
              },
            ],
          },
          true,
        ),
    table(
      'Overdue by member group',
      ['Group', 'DPD band', 'Loans', 'Installments', 'Unpaid'],
      groups.map((c, i) => [
        { text: c.group, figure: `overdue_by_group.${i}.group`, value: c.group },
        { text: c.band, figure: `overdue_by_group.${i}.band`, value: c.band },
        n(`overdue_by_group.${i}.loans`, c.loans),
        n(`overdue_by_group.${i}.installments`, c.installments),
        m(`overdue_by_group.${i}.unpaid`, c.unpaid),
      ]),
    ),
  );
}

const RATING = { excellent: 'Excellent', good: 'Good', average: 'Average', poor: 'Poor', bad: 'Bad' };

function scores(d) {
  const s = d.credit_scores;
  return el(
    'section',
    { class: 'card', id: 'scores', 'aria-labelledby': 'scores-title' },
    el('h2', { id: 'scores-title' }, 'Credit-score distribution'),
    chart(
      'scores-chart',
      'Members by credit score',
      'Members with 5 to 1 stars; the table below gives every figure.',
      {
        tooltip: {},
        grid: { left: 40, right: 16, bottom: 32, top: 16 },
        xAxis: { type: 'category', data: s.map((x) => `${x.stars}★ ${RATING[x.rating]}`) },
        yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'bar', data: s.map((x) => x.members), itemStyle: { color: '#0b5cab' } }],
      },
      true,
    ),
    table(
      'Members by credit score',
      ['Score', 'Rating', 'Members'],
      s.map((x, i) => [
        { text: `${x.stars} stars`, figure: `credit_scores.${i}.stars`, value: String(x.stars) },
        { text: RATING[x.rating], figure: `credit_scores.${i}.rating`, value: x.rating },
        n(`credit_scores.${i}.members`, x.members),
      ]),
    ),
  );
}

function bank(d) {
  const a = d.unmapped_by_age;
  const sum = d.checks.summary;
  return el(
    'section',
    { class: 'card', id: 'bank', 'aria-labelledby': 'bank-title' },
    el('h2', { id: 'bank-title' }, 'Bank reconciliation'),
    el(
      'div',
      { class: 'meter' },
      figure('Unmapped lines', count(sum.unmapped_transactions), 'checks.summary.unmapped_transactions', String(sum.unmapped_transactions)),
      figure('Unmapped amount', rupees(sum.unmapped_amount), 'checks.summary.unmapped_amount', sum.unmapped_amount),
    ),
    table(
      'Unmapped bank lines by age (days)',
      ['Age, days', 'Lines', 'Amount'],
      a.map((x, i) => [
        { text: x.age, figure: `unmapped_by_age.${i}.age`, value: x.age },
        n(`unmapped_by_age.${i}.lines`, x.lines),
        m(`unmapped_by_age.${i}.amount`, x.amount),
      ]),
    ),
  );
}

function findings(d) {
  const c = d.checks;
  return el(
    'section',
    { class: 'card', id: 'checks', 'aria-labelledby': 'checks-title' },
    el('h2', { id: 'checks-title' }, 'Daily check'),
    el(
      'p',
      {},
      el(
        'span',
        { class: c.ok ? 'ok-badge' : 'bad-badge', 'data-figure': 'checks.ok', 'data-value': String(c.ok) },
        c.ok ? 'All checks passed' : 'Findings to review',
      ),
      ` — ${c.checks.length} checks run on ${date(c.as_of)}.`,
    ),
    table(
      'Findings',
      ['Check', 'Severity', 'Items', 'Figures'],
      c.violations.map((v, i) => [
        { text: v.check, figure: `checks.violations.${i}.check`, value: v.check },
        { text: v.severity, figure: `checks.violations.${i}.severity`, value: v.severity },
        v.ids.join(', '),
        Object.entries(v.amounts)
          .map(([k, x]) => `${k}: ${rupees(x)}`)
          .join('; '),
      ]),
    ),
    table(
      'Alerts',
      ['Rule', 'Threshold', 'Found', 'Items'],
      c.alerts.map((x, i) => [
        { text: x.rule, figure: `checks.alerts.${i}.rule`, value: x.rule },
        x.threshold,
        x.value,
        x.items.join(', '),
      ]),
    ),
  );
}

async function load(asOf) {
  const s = session('staff');
  if (!s) return;
  status('Loading…');
  try {
    const d = await call('GET', `/reports/dashboard?as_of=${encodeURIComponent(asOf)}`, { token: s.token });
    charts.splice(0).forEach((c) => c.dispose());
    $('as-of-text').textContent = `Books of ${date(d.as_of)}`;
    $('as-of-text').dataset.value = d.as_of;
    const content = $('content');
    content.replaceChildren(
      el('div', { class: 'grid' }, npaMeter(d), par(d)),
      efficiency(d),
      heatMap(d),
      el('div', { class: 'grid' }, scores(d), bank(d)),
      findings(d),
    );
    status(`Figures as of ${date(d.as_of)}.`, 'ok');
    document.body.dataset.loaded = d.as_of;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      saveSession('staff', null);
      show();
      status(e.status === 403 ? 'This token may not open the dashboard.' : 'The token was not accepted.', 'error');
    } else {
      status(`The dashboard could not be loaded: ${e.message}`, 'error');
    }
  }
}

function show() {
  const signedIn = Boolean(session('staff'));
  $('sign-in').hidden = signedIn;
  $('board').hidden = !signedIn;
  $('sign-out').hidden = !signedIn;
}

$('sign-in-form').addEventListener('submit', (e) => {
  e.preventDefault();
  saveSession('staff', { token: $('token').value.trim() });
  $('token').value = '';
  show();
  load($('as-of').value);
});
$('as-of-form').addEventListener('submit', (e) => {
  e.preventDefault();
  load($('as-of').value);
});
$('sign-out').addEventListener('click', () => {
  saveSession('staff', null);
  $('content').replaceChildren();
  show();
  status('Signed out.');
});
window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

const params = new URLSearchParams(location.search);
$('as-of').value = params.get('as_of') || new Date().toISOString().slice(0, 10);
show();
if (session('staff')) load($('as-of').value);
