// The local HTTP target every contender calls: counts calls per task id and remembers when
// each first arrived. GET /stats reports; POST /reset clears.
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
let calls = new Map();
let firstAt = 0;
let lastAt = 0;
let total = 0;

createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/stats') {
    const arrivals = {};
    let duplicates = 0;
    for (const [id, entry] of calls) {
      arrivals[id] = entry.at;
      if (entry.count > 1) duplicates += 1;
    }
    response.setHeader('Content-Type', 'application/json');
    response.end(JSON.stringify({ total, distinct: calls.size, duplicates, firstAt, lastAt, arrivals }));
    return;
  }
  if (request.method === 'GET' && request.url === '/count') {
    response.setHeader('Content-Type', 'application/json');
    response.end(JSON.stringify({ total, distinct: calls.size }));
    return;
  }
  if (request.method === 'POST' && request.url === '/reset') {
    calls = new Map();
    firstAt = lastAt = total = 0;
    response.end('{}');
    return;
  }
  const now = Date.now();
  const id = request.headers['x-asyncqueue-task-id'] ?? request.headers['x-job-id'] ?? 'unknown';
  request.resume();
  request.on('end', () => {
    total += 1;
    firstAt ||= now;
    lastAt = now;
    const entry = calls.get(id);
    if (entry) entry.count += 1;
    else calls.set(id, { count: 1, at: now });
    response.setHeader('Content-Type', 'application/json');
    response.end('{"ok":true}');
  });
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
