// The server's JSON API with the signed-in token (kept for this browser tab only).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function session(kind) {
  const raw = sessionStorage.getItem(`windeep.${kind}`);
  return raw ? JSON.parse(raw) : null;
}

export function saveSession(kind, value) {
  if (value) sessionStorage.setItem(`windeep.${kind}`, JSON.stringify(value));
  else sessionStorage.removeItem(`windeep.${kind}`);
}

export async function call(method, path, { token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    throw new ApiError(res.status, data?.code || 'E_HTTP', data?.message || res.statusText);
  }
  return data;
}

/** Fetches a file with the token and hands it to the browser as a download. */
export async function download(path, token, filename) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) {
    const data = await res.json().catch(() => null);
    throw new ApiError(res.status, data?.code || 'E_HTTP', data?.message || res.statusText);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Builds an element: el('td', {class: 'x'}, 'text', child). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** A table: a caption, header cells and rows of cells ({text, figure} or text). */
export function table(caption, head, rows, attrs = {}) {
  return el(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    el(
      'table',
      attrs,
      el('caption', {}, caption),
      el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col' }, h)))),
      el(
        'tbody',
        {},
        rows.map((r) =>
          el(
            'tr',
            {},
            r.map((c, i) => {
              const cell = typeof c === 'object' && c !== null ? c : { text: c };
              const tag = i === 0 ? 'th' : 'td';
              return el(
                tag,
                {
                  scope: i === 0 ? 'row' : undefined,
                  'data-figure': cell.figure,
                  'data-value': cell.value,
                  class: i > 0 ? 'num' : undefined,
                },
                cell.text,
              );
            }),
          ),
        ),
      ),
    ),
  );
}
