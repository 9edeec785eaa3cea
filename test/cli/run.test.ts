import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { CLI, runCli } from '../support/cli.js';

test('run without brokers refuses to start (exit 2) and says how to configure them; it never starts a broker by surprise', async () => {
  const r = await runCli(['run'], { env: { KAFKA_BROKERS: '', SIGMAWATCH_KAFKA_BROKERS: '' } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /no Kafka brokers configured: set kafka\.brokers .* or KAFKA_BROKERS .*--local-broker/);
  assert.doesNotMatch(r.stderr + r.stdout, /starting|Maven|broker \d/i);
});

/** A loopback port that nothing listens on (bound by the OS, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const [command, extra] of [
  ['run', ['--set', 'http.port=0']],
  ['relay', ['--set', 'relay.http_port=0', '--set', 'relay.alertmanagers=http://127.0.0.1:9']],
] as const) {
  test(`${command}: an unreachable broker fails start-up within kafka.connect_timeout, with one clear message (exit 1)`, async () => {
    const port = await closedPort();
    const started = Date.now();
    const r = await runCli([command, '--set', `kafka.brokers=127.0.0.1:${port}`, '--set', 'kafka.connect_timeout=2s', ...extra], {
      timeoutMs: 30_000,
    });
    const tookMs = Date.now() - started;
    assert.equal(r.code, 1, r.stderr);
    assert.ok(tookMs < 15_000, `took ${tookMs} ms (kafka.connect_timeout 2s, shutdown deadline 10s)`);
    const fatal = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level === 60);
    assert.equal(fatal.length, 1, r.stdout);
    assert.match(
      fatal[0]!.msg,
      new RegExp(`could not start within kafka.connect_timeout \\(2000 ms\\): are the brokers 127.0.0.1:${port} reachable\\?`),
    );
  });
}

test('SIGTERM while the brokers are still unreachable at start-up stops the worker at once (exit 0)', async (t) => {
  const port = await closedPort();
  const child = spawn(process.execPath, [CLI, 'run', '--set', `kafka.brokers=127.0.0.1:${port}`, '--set', 'http.port=0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Wait until kafkajs has tried (and failed) to connect: start-up is under way.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connection attempt logged within 20 s:\n${out}`)), 20_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (/Connection error|ECONNREFUSED/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const signalled = Date.now();
  child.kill('SIGTERM');
  const code = await exited;
  const tookMs = Date.now() - signalled;
  assert.equal(code, 0, out);
  assert.ok(tookMs < 5_000, `exit ${tookMs} ms after SIGTERM`);
});
