import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, type DecodeReason } from '../../../src/codec/errors.js';
import { createDecoder, sniffFormat } from '../../../src/ingest/formats/index.js';
import { prometheusLabelName, prometheusMetricName, MetricKind } from '../../../src/ingest/formats/otlp/naming.js';
import { bucketQuantile } from '../../../src/ingest/formats/otlp/quantile.js';
import { AggregationType } from '@opentelemetry/sdk-metrics';
import protobuf from 'protobufjs';
import { OTLP_METRICS_DESCRIPTOR } from '../../../src/ingest/formats/otlp/descriptor.js';
import { OtelProcess, pointTimes } from './otlp-support.js';
import { CollectingSink, utf8 } from './support.js';

const RESOURCE = { 'service.name': 'checkout', 'service.namespace': 'shop', 'service.instance.id': 'pod-1', 'host.name': 'node-7' };
const ENCODINGS = ['otlp-proto', 'otlp-json'] as const;
const encoded = (e: { proto: Uint8Array; json: Uint8Array }, format: (typeof ENCODINGS)[number]) =>
  format === 'otlp-proto' ? e.proto : e.json;

for (const format of ENCODINGS) {
  test(`${format}: gauge, up-down counter and counter from the OTel SDK: Prometheus names, labels, job and instance`, async () => {
    const app = new OtelProcess(RESOURCE);
    try {
      const attrs = { 'http.method': 'GET', '2xx': 'yes', 'http.route': '/cart' };
      const counter = app.meter.createCounter('http.server.requests', { unit: '{request}' });
      const updown = app.meter.createUpDownCounter('queue.size', { unit: 'By' });
      app.meter.createObservableGauge('system.memory.utilization', { unit: '1' }).addCallback((r) => r.observe(0.75, { state: 'used' }));
      counter.add(10, attrs);
      updown.add(300);
      const first = await app.export();
      counter.add(50, attrs);
      updown.add(-100);
      const second = await app.export();

      const decoder = createDecoder(format);
      const sink = new CollectingSink();
      decoder.decode(encoded(first, format), sink);
      decoder.decode(encoded(second, format), sink);
      const t1 = pointTimes(first.json);
      const t2 = pointTimes(second.json);

      const requests =
        'http_server_requests_total{http_method="GET",http_route="/cart",instance="pod-1",job="shop/checkout",key_2xx="yes"}';
      const ms1 = t1.get('http.server.requests')!.ms;
      const ms2 = t2.get('http.server.requests')!.ms;
      assert.deepEqual(
        sink.of(requests),
        [{ series: requests, ts: ms2, value: (50 * 1000) / (ms2 - ms1) }],
        'a rate from the second export on',
      );
      assert.deepEqual(
        sink.of('queue_size_bytes{instance="pod-1",job="shop/checkout"}').map((s) => s.value),
        [300, 200],
        'an up-down counter is a gauge',
      );
      assert.deepEqual(
        sink.of('system_memory_utilization_ratio{instance="pod-1",job="shop/checkout",state="used"}').map((s) => s.value),
        [0.75, 0.75],
      );
      assert.equal(sink.samples.length, 5);
      assert.equal(decoder.skipped.first_point, 1);
    } finally {
      await app.shutdown();
    }
  });

  test(`${format}: a restarted process (new start time, counter lower) is a counter reset, not a negative rate`, async () => {
    const before = new OtelProcess({ 'service.name': 'api' });
    const after = new OtelProcess({ 'service.name': 'api' });
    try {
      const c1 = before.meter.createCounter('jobs.done');
      c1.add(1000);
      const e1 = await before.export();
      c1.add(500);
      const e2 = await before.export();
      after.meter.createCounter('jobs.done').add(30); // the new process started after e2
      const e3 = await after.export();

      const decoder = createDecoder(format);
      const sink = new CollectingSink();
      for (const e of [e1, e2, e3]) decoder.decode(encoded(e, format), sink);
      const [p1, p2, p3] = [e1, e2, e3].map((e) => pointTimes(e.json).get('jobs.done')!);
      const values = sink.of('jobs_done_total{job="api"}').map((s) => s.value);
      assert.equal(values.length, 2);
      assert.equal(values[0], (500 * 1000) / (p2!.ms - p1!.ms));
      // the reset: 30 counted since the new process's start time, which lies between e2 and e3
      const expected = p3!.startMs > p2!.ms ? (30 * 1000) / (p3!.ms - p3!.startMs) : (30 * 1000) / (p3!.ms - p2!.ms);
      assert.equal(values[1], expected);
      assert.ok(values[1]! > 0);
    } finally {
      await before.shutdown();
      await after.shutdown();
    }
  });

  test(`${format}: histogram → _count and _sum rates, p50/p90/p99 from the interval's buckets only`, async () => {
    const app = new OtelProcess({ 'service.name': 'api' });
    try {
      const h = app.meter.createHistogram('http.server.duration', { unit: 'ms' });
      for (let i = 0; i < 7; i++) h.record(3, { route: '/a' }); // before the interval: must not count
      const first = await app.export();
      for (let i = 0; i < 1000; i++) h.record(30, { route: '/a' }); // all in the (25, 50] bucket
      const second = await app.export();

      const decoder = createDecoder(format);
      const sink = new CollectingSink();
      decoder.decode(encoded(first, format), sink);
      assert.equal(sink.samples.length, 0, 'the first cumulative point spans all time: no rate, no quantile');
      decoder.decode(encoded(second, format), sink);
      const ms1 = pointTimes(first.json).get('http.server.duration')!.ms;
      const ms2 = pointTimes(second.json).get('http.server.duration')!.ms;
      const base = 'http_server_duration_milliseconds';
      const by = new Map(sink.samples.map((s) => [s.series, s.value]));
      assert.equal(by.get(`${base}_count{job="api",route="/a"}`), (1000 * 1000) / (ms2 - ms1));
      assert.equal(by.get(`${base}_sum{job="api",route="/a"}`), (30_000 * 1000) / (ms2 - ms1));
      assert.equal(by.get(`${base}{job="api",quantile="0.5",route="/a"}`), 37.5);
      assert.equal(by.get(`${base}{job="api",quantile="0.9",route="/a"}`), 47.5);
      assert.ok(Math.abs(by.get(`${base}{job="api",quantile="0.99",route="/a"}`)! - 49.75) < 1e-9);
      assert.equal(sink.samples.length, 5);
    } finally {
      await app.shutdown();
    }
  });

  test(`${format}: delta temporality: counter value / interval, histogram quantiles from its own buckets`, async () => {
    const app = new OtelProcess({ 'service.name': 'api' }, 'delta');
    try {
      const c = app.meter.createCounter('bytes.sent', { unit: 'By' });
      const h = app.meter.createHistogram('latency', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.2, 0.4] } });
      c.add(4096);
      for (let i = 0; i < 100; i++) h.record(i < 50 ? 0.05 : 0.3);
      const e = await app.export();
      const decoder = createDecoder(format);
      const sink = new CollectingSink();
      decoder.decode(encoded(e, format), sink);
      const t = pointTimes(e.json).get('bytes.sent')!;
      // the unit's suffix is already a token of the name: not repeated (otlptranslator addUnitTokens)
      assert.deepEqual(sink.of('bytes_sent_total{job="api"}'), [
        { series: 'bytes_sent_total{job="api"}', ts: t.ms, value: (4096 * 1000) / (t.ms - t.startMs) },
      ]);
      // 50 in (0, 0.1], 50 in (0.2, 0.4]: p50 is the top of the first bucket, p90 = 0.2 + 0.2 × 40/50
      assert.equal(sink.of('latency_seconds{job="api",quantile="0.5"}')[0]!.value, 0.1);
      assert.ok(Math.abs(sink.of('latency_seconds{job="api",quantile="0.9"}')[0]!.value - 0.36) < 1e-12);
    } finally {
      await app.shutdown();
    }
  });
}

test('otlp-proto: an exponential histogram (SDK view) gives _count and _sum rates only', async () => {
  const app = new OtelProcess({ 'service.name': 'api' }, 'cumulative', [
    { instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
  ]);
  try {
    const h = app.meter.createHistogram('payload.size', { unit: 'By' });
    h.record(100);
    const first = await app.export();
    for (let i = 0; i < 10; i++) h.record(200);
    const second = await app.export();
    const decoder = createDecoder('otlp-proto');
    const sink = new CollectingSink();
    decoder.decode(first.proto, sink);
    decoder.decode(second.proto, sink);
    const ms1 = pointTimes(first.json).get('payload.size')!.ms;
    const ms2 = pointTimes(second.json).get('payload.size')!.ms;
    assert.deepEqual(
      sink.samples.map((s) => [s.series, s.value]),
      [
        ['payload_size_bytes_count{job="api"}', (10 * 1000) / (ms2 - ms1)],
        ['payload_size_bytes_sum{job="api"}', (2000 * 1000) / (ms2 - ms1)],
      ],
    );
  } finally {
    await app.shutdown();
  }
});

test('otlp-proto and otlp-json of the same export decode to the same samples', async () => {
  const app = new OtelProcess(RESOURCE);
  try {
    app.meter.createCounter('a.b').add(5, { k: 'v' });
    app.meter.createHistogram('h').record(12);
    app.meter.createObservableGauge('g').addCallback((r) => r.observe(-2.5, { x: 1, y: true }));
    const exports = [await app.export(), await app.export()];
    const run = (format: (typeof ENCODINGS)[number]) => {
      const decoder = createDecoder(format);
      const sink = new CollectingSink();
      for (const e of exports) decoder.decode(encoded(e, format), sink);
      return sink.samples;
    };
    const proto = run('otlp-proto');
    // gauge ×2, counter rate, histogram count and sum rates (no quantile: nothing observed in between)
    assert.equal(proto.length, 5);
    assert.deepEqual(run('otlp-json'), proto);
    assert.ok(proto.some((s) => s.series === 'g{instance="pod-1",job="shop/checkout",x="1",y="true"}'));
  } finally {
    await app.shutdown();
  }
});

test('sniffFormat: OTLP protobuf and OTLP JSON', async () => {
  const app = new OtelProcess(RESOURCE);
  try {
    app.meter.createCounter('c').add(1);
    const e = await app.export();
    assert.equal(sniffFormat(e.proto), 'otlp-proto');
    assert.equal(sniffFormat(e.json), 'otlp-json');
  } finally {
    await app.shutdown();
  }
});

test('otlp-json: a summary gives its quantiles as gauges and count and sum as rates; NaN points and no-value flags skipped', () => {
  // The JS SDK has no summary instrument: this request is written per the OTLP JSON encoding.
  const summary = (ns: string, count: string, sum: number, p50: number | string, flags = 0) =>
    utf8(
      JSON.stringify({
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'legacy' } }] },
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'rpc.latency',
                    unit: 's',
                    summary: {
                      dataPoints: [
                        {
                          startTimeUnixNano: '1768478400000000000',
                          timeUnixNano: ns,
                          count,
                          sum,
                          flags,
                          quantileValues: [
                            { quantile: 0.5, value: p50 },
                            { quantile: 0.99, value: 0.9 },
                          ],
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
  const decoder = createDecoder('otlp-json');
  const sink = new CollectingSink();
  decoder.decode(summary('1768478410000000000', '100', 20, 0.2), sink);
  decoder.decode(summary('1768478420000000000', '300', 60, 'NaN'), sink);
  decoder.decode(summary('1768478430000000000', '300', 60, 0.1, 1), sink);
  const ms = 1768478420000;
  assert.deepEqual(
    sink.samples.map((s) => [s.series, s.ts, s.value]),
    [
      ['rpc_latency_seconds{job="legacy",quantile="0.5"}', ms - 10_000, 0.2],
      ['rpc_latency_seconds{job="legacy",quantile="0.99"}', ms - 10_000, 0.9],
      ['rpc_latency_seconds{job="legacy",quantile="0.99"}', ms, 0.9],
      ['rpc_latency_seconds_count{job="legacy"}', ms, 20],
      ['rpc_latency_seconds_sum{job="legacy"}', ms, 4],
    ],
  );
  assert.equal(decoder.skipped.non_finite_value, 1);
  assert.equal(decoder.skipped.stale_marker, 1);
});

test('OTLP metric names as prometheus/otlptranslator builds them (UnderscoreEscapingWithSuffixes)', () => {
  const cases: [string, string, MetricKind, string][] = [
    ['http.server.duration', 'ms', MetricKind.Histogram, 'http_server_duration_milliseconds'],
    ['system.network.io', 'By', MetricKind.MonotonicCounter, 'system_network_io_bytes_total'],
    ['requests_total', '1', MetricKind.MonotonicCounter, 'requests_total'],
    ['total.requests', '', MetricKind.MonotonicCounter, 'requests_total'],
    ['cpu.utilization', '1', MetricKind.Gauge, 'cpu_utilization_ratio'],
    ['throughput', 'By/s', MetricKind.Gauge, 'throughput_bytes_per_second'],
    ['speed', 'm/h', MetricKind.Gauge, 'speed_meters_per_hour'],
    ['items', '{item}', MetricKind.NonMonotonicCounter, 'items'],
    ['latency_seconds', 's', MetricKind.Gauge, 'latency_seconds'],
    ['__weird..name__', '', MetricKind.Gauge, 'weird_name'],
    ['2fa.logins', '', MetricKind.Gauge, '_2fa_logins'],
    ['temp', 'Cel', MetricKind.Gauge, 'temp_celsius'],
    ['app:hits', 'foo/bar', MetricKind.Gauge, 'app:hits_foo_per_bar'],
  ];
  for (const [name, unit, kind, want] of cases) assert.equal(prometheusMetricName(name, unit, kind), want, `${name} [${unit}]`);
  assert.equal(prometheusLabelName('http.request.method'), 'http_request_method');
  assert.equal(prometheusLabelName('a..b'), 'a_b');
  assert.equal(prometheusLabelName('9lives'), 'key_9lives');
  assert.equal(prometheusLabelName('_private'), '_private');
  assert.equal(prometheusLabelName('__reserved__'), null);
  assert.equal(prometheusLabelName('___'), null);
});

test('bucketQuantile matches histogram_quantile on edge cases', () => {
  assert.equal(bucketQuantile(0.5, [1, 2], [0, 10, 0], 10), 1.5);
  assert.equal(bucketQuantile(0.99, [1, 2], [0, 0, 10], 10), 2, 'rank in +Inf: the highest finite bound');
  assert.equal(bucketQuantile(0.5, [-1, 2], [10, 0, 0], 10), -1, 'first bucket with a bound ≤ 0 is its bound');
  assert.ok(Number.isNaN(bucketQuantile(0.5, [], [10], 10)));
});

const BAD: [string, (typeof ENCODINGS)[number], Uint8Array, DecodeReason][] = [
  ['empty value', 'otlp-proto', new Uint8Array(0), 'empty_value'],
  ['bytes that are not protobuf', 'otlp-proto', new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), 'bad_shape'],
  ['text, not protobuf', 'otlp-proto', utf8('cpu usage=1 1700000000000000000'), 'bad_shape'],
  ['empty value', 'otlp-json', new Uint8Array(0), 'empty_value'],
  ['not JSON', 'otlp-json', utf8('{"resourceMetrics":'), 'not_json'],
  ['an array', 'otlp-json', utf8('[]'), 'bad_shape'],
  ['resourceMetrics an object', 'otlp-json', utf8('{"resourceMetrics":{}}'), 'bad_shape'],
  [
    'a point without time',
    'otlp-json',
    utf8('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"asDouble":1}]}}]}]}]}'),
    'bad_timestamp',
  ],
  [
    'a point time that is not a number',
    'otlp-json',
    utf8(
      '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"soon","asDouble":1}]}}]}]}]}',
    ),
    'bad_timestamp',
  ],
  [
    'a point without a value',
    'otlp-json',
    utf8(
      '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"timeUnixNano":"1768478400000000000"}]}}]}]}]}',
    ),
    'bad_shape',
  ],
  ['a metric without a name', 'otlp-json', utf8('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{}}]}]}]}'), 'bad_shape'],
];
for (const [what, format, input, reason] of BAD) {
  test(`${format}: ${what} → DecodeError ${reason}`, () => {
    assert.throws(
      () => createDecoder(format).decode(input, new CollectingSink()),
      (e: unknown) => e instanceof DecodeError && e.reason === reason,
    );
  });
}

test('otlp-proto: fields the SDK always sets may be absent (no start time, no histogram sum): still decoded', () => {
  // Encoded with protobufjs from the vendored official schema: no OTel SDK leaves these out.
  const root = protobuf.Root.fromJSON(OTLP_METRICS_DESCRIPTOR);
  const Request = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
  const request = (t: number, v: number) =>
    Request.encode(
      Request.fromObject({
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  { name: 'c', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: [{ timeUnixNano: t * 1e6, asInt: v }] } },
                  {
                    name: 'h',
                    histogram: {
                      aggregationTemporality: 2,
                      dataPoints: [{ timeUnixNano: t * 1e6, count: v, bucketCounts: [v, 0], explicitBounds: [1] }],
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    ).finish();
  const decoder = createDecoder('otlp-proto');
  const sink = new CollectingSink();
  const t = Date.UTC(2026, 0, 15);
  decoder.decode(request(t, 10), sink);
  decoder.decode(request(t + 10_000, 30), sink);
  assert.deepEqual(
    sink.samples.map((s) => [s.series, s.value]),
    [
      ['c_total', 2],
      ['h_count', 2],
      ['h{quantile="0.5"}', 0.5],
      ['h{quantile="0.9"}', 0.9],
      ['h{quantile="0.99"}', 0.99],
    ],
  );
});
