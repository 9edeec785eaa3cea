import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { createLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { startHttpServer, type ProbeResult } from '../../src/observe/http.js';

const HOST = '127.0.0.1';

/** Start a server on a free loopback port; the test closes it through `t.after`. */
async function start(
  t: { after: (fn: () => Promise<void>) => void },
  probes: { health?: () => ProbeResult; ready?: () => ProbeResult } = {},
) {
  const metrics = createMetrics();
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
  const server = await startHttpServer({
    host: HOST,
    port: 0,
    metrics: metrics.registry,
    health: probes.health ?? (() => ({ ok: true })),
    ready: probes.ready ?? (() => ({ ok: true })),
    logger,
  });
  t.after(() => server.close());
  return { server, metrics, lines, url: (path: string) => `http://${HOST}:${server.port}${path}` };
}

test('GET /metrics returns the Prometheus text format with sigmawatch metrics', async (t) => {
  const { server, metrics, url } = await start(t);
  assert.ok(server.port > 0, 'port 0 resolves to the real port');
  metrics.records.inc(42);
  const res = await fetch(url('/metrics'));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), metrics.registry.contentType);
  const body = await res.text();
  assert.match(body, /^# HELP sigmawatch_records_total /m);
  assert.match(body, /^sigmawatch_records_total 42$/m);
  // A query string does not change the route.
  assert.equal((await fetch(url('/metrics?x=1'))).status, 200);
});

test('/healthz answers 200 when healthy and 503 with detail when not', async (t) => {
  let healthy = true;
  const { url } = await start(t, {
    health: () => (healthy ? { ok: true, detail: { uptime: 1 } } : { ok: false, detail: { reason: 'consumer crashed' } }),
  });
  let res = await fetch(url('/healthz'));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(await res.json(), { status: 'ok', uptime: 1 });

  healthy = false;
  res = await fetch(url('/healthz'));
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { status: 'unhealthy', reason: 'consumer crashed' });
});

test('/readyz is 503 with the reason until ready flips, then 200', async (t) => {
  let ready = false;
  const { url } = await start(t, {
    ready: () => (ready ? { ok: true, detail: { partitions: [0, 1] } } : { ok: false, detail: { reason: 'no partitions assigned' } }),
  });
  let res = await fetch(url('/readyz'));
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { status: 'not ready', reason: 'no partitions assigned' });

  ready = true;
  res = await fetch(url('/readyz'));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok', partitions: [0, 1] });
});

test('a probe that throws answers 503 and is logged', async (t) => {
  const { url, lines } = await start(t, {
    ready: () => {
      throw new Error('state unavailable');
    },
  });
  const res = await fetch(url('/readyz'));
  assert.equal(res.status, 503);
  assert.deepEqual(await res.json(), { status: 'not ready', error: 'state unavailable' });
  assert.ok(lines.some((l) => l.level === 50 && l.msg === 'readiness probe threw'));
});

test('unknown paths are 404, non-GET methods 405, HEAD is answered without a body', async (t) => {
  const { url } = await start(t);
  let res = await fetch(url('/nope'));
  assert.equal(res.status, 404);
  await res.body?.cancel();

  for (const method of ['POST', 'PUT', 'DELETE']) {
    res = await fetch(url('/metrics'), { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
    await res.body?.cancel();
  }

  res = await fetch(url('/healthz'), { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '');
});

test('close() is prompt with an idle keep-alive connection open, and idempotent', async (t) => {
  const { server, url, lines } = await start(t);
  const agent = new Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const status = await new Promise<number>((resolve, reject) => {
    request(url('/healthz'), { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
  assert.equal(status, 200);
  assert.equal(Object.values(agent.freeSockets).flat().length, 1, 'one idle keep-alive socket');

  const t0 = performance.now();
  await server.close();
  assert.ok(performance.now() - t0 < 1000, 'close does not wait for the keep-alive timeout');
  await server.close();
  assert.ok(lines.some((l) => l.msg === 'http server closed'));
  await assert.rejects(fetch(url('/healthz')));
});

test('startHttpServer rejects when the port is taken', async (t) => {
  const { server } = await start(t);
  const logger = createLogger({ level: 'silent' });
  await assert.rejects(
    startHttpServer({
      host: HOST,
      port: server.port,
      metrics: createMetrics().registry,
      health: () => ({ ok: true }),
      ready: () => ({ ok: true }),
      logger,
    }),
    { code: 'EADDRINUSE' },
  );
});
