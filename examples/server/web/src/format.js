// Presentation only: the figures arrive as decimal strings from the core and are written
// the way the society writes them. No arithmetic on amounts happens here.

/** Groups the digits of an integer string the Indian way: 1,00,000 and 12,34,56,789. */
export function groupIndian(digits) {
  if (digits.length <= 3) return digits;
  const last3 = digits.slice(-3);
  let rest = digits.slice(0, -3);
  const parts = [];
  while (rest.length > 2) {
    parts.unshift(rest.slice(-2));
    rest = rest.slice(0, -2);
  }
  if (rest) parts.unshift(rest);
  return `${parts.join(',')},${last3}`;
}

/** "100000.5" → "₹1,00,000.50"; null → "—". The text is not parsed as a number. */
export function rupees(text) {
  if (text === null || text === undefined) return '—';
  const s = String(text);
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) return s;
  const frac = (m[3] || '').padEnd(2, '0');
  return `${m[1]}₹${groupIndian(m[2])}.${frac}`;
}

/** "81.99" → "81.99 %"; null → "—". */
export function percent(text) {
  if (text === null || text === undefined) return '—';
  return `${text} %`;
}

/** An integer count with Indian grouping. */
export function count(n) {
  return groupIndian(String(n));
}

/** "2026-02-05" → "05-02-2026" (the society's day-month-year). */
export function date(iso) {
  if (!iso) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}-${m[2]}-${m[1]}` : iso;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-02" → "Feb 2026". */
export function month(text) {
  const m = /^(\d{4})-(\d{2})$/.exec(text || '');
  return m ? `${MONTHS[Number(m[2]) - 1]} ${m[1]}` : text;
}
