// A tiny HTTP service: GET /schedule?principal=100000&annual_rate=12&tenure=12
//   &disbursed_on=2026-01-05&first_due_on=2026-02-05  → the schedule as JSON.
// A refusal answers 422 with {code, message, field}. Node's built-in http, no framework.
//   node examples/node/server.mjs [port]
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { callAsync, WindeepError } from '../../bindings-node/index.mjs';

const run = (input) => callAsync('schedule', input);

export function handler(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (req.method !== 'GET' || url.pathname !== '/schedule') {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'NOT_FOUND' }));
    return;
  }
  const q = Object.fromEntries(url.searchParams);
  // Query values are text already: money, rates and dates pass through as strings.
  const input = { ...q, tenure: Number(q.tenure) };
  run(input).then((out) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  }, (e) => {
    const known = e instanceof WindeepError;
    res.writeHead(known ? 422 : 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify(known ? { code: e.code, message: e.message, field: e.field } : { code: 'E_INTERNAL' }));
  });
}

export function start(port = 0) {
  return new Promise((resolve) => {
    const server = createServer(handler);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await start(Number(process.argv[2] ?? 8080));
  console.log(`listening on http://127.0.0.1:${server.address().port}/schedule`);
}
