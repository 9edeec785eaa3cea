import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReportPage, type ReportChart } from '../../src/report/page.js';

const chart = (title: string): ReportChart => ({
  title,
  points: { ts: [0, 60_000, 120_000], value: [1, NaN, 3.14159265358979], lo: [NaN, 0, 1], hi: [NaN, 2, 5] },
  spans: [{ kind: 'firing', from: 60_000, to: 120_000 }],
  markers: [{ ts: 120_000, value: 3.14159265358979, kind: 'fired', label: 'fired </script><b>' }],
});

test('text and data cannot break out of their elements: a series named </script> stays text', () => {
  const evil = 'x{l="</script><script>alert(1)</script>"}';
  const html = renderReportPage({
    title: 'T <i>',
    summaryTables: [{ caption: 'c', header: ['a&b'], rows: [['<td>']] }],
    charts: [chart(evil)],
  });
  assert.equal(html.match(/<script/g)!.length, 3, 'the data, uPlot and the page script: no other script element');
  assert.ok(html.includes('<title>T &lt;i&gt;</title>'));
  assert.ok(html.includes('&lt;td&gt;') && html.includes('a&amp;b'));
  assert.ok(html.includes(`<h2>x{l=&quot;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;}</h2>`));
  const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!;
  const data = JSON.parse(json) as {
    charts: { t: number[]; v: (number | null)[]; lo: (number | null)[]; spans: number[][]; markers: { label: string }[] }[];
  };
  const c = data.charts[0]!;
  assert.deepEqual(c.t, [0, 60, 120], 'times in seconds, uPlot’s unit');
  assert.deepEqual(c.v, [1, null, 3.141593], 'NaN is a gap; values rounded to 7 digits');
  assert.deepEqual(c.lo, [null, 0, 1]);
  assert.deepEqual(c.spans, [[1, 60, 120]]);
  assert.equal(c.markers[0]!.label, 'fired </script><b>');
});

test('the page loads nothing from elsewhere: the library and its stylesheet are inlined', () => {
  const html = renderReportPage({ title: 't', summaryTables: [], charts: [chart('a')] });
  assert.doesNotMatch(html, /\bsrc=|<link(?![^>]*href="data:)/);
  assert.match(html, /uPlot/);
  assert.match(html, /\.uplot\b/, "uPlot's stylesheet");
});
