/**
 * The script the report page runs in the browser: it reads the page's data (a JSON script
 * element), draws one uPlot chart per figure — values, the expected band between `hi` and `lo`,
 * pending and firing spans as shaded columns behind them, one marker per alert event — and shows
 * a marker's details when the cursor is near it. Kept as plain ES2020 text (it is not compiled for
 * Node); the browser test (test/report/) runs it in chromium.
 *
 * Each figure gets `data-drawn="1"` once drawn and `data-markers` = markers inside the visible
 * range at the last draw, which the test reads.
 */
export const PAGE_SCRIPT = String.raw`(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const SPAN_FILL = { pending: 'rgba(245, 158, 11, 0.22)', firing: 'rgba(220, 38, 38, 0.16)' };
  const MARK = {
    fired: { color: '#dc2626', shape: 'up' },
    severity_changed: { color: '#7c3aed', shape: 'diamond' },
    repeat: { color: '#ea580c', shape: 'dot' },
    resolved: { color: '#16a34a', shape: 'dot' },
    stale: { color: '#6b7280', shape: 'square' },
  };
  const SPAN_KINDS = ['pending', 'firing'];
  const iso = (s) => new Date(Math.round(s * 1000)).toISOString().replace('T', ' ').replace('.000Z', 'Z');
  const tzDate = (s) => uPlot.tzDate(new Date(s * 1000), 'Etc/UTC');
  const fmtValue = (v) => (v == null ? '-' : Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(+v.toPrecision(6)));

  function drawSpans(u, spans) {
    const ctx = u.ctx;
    const { top, height, left, width } = u.bbox;
    ctx.save();
    for (const [kind, from, to] of spans) {
      let x0 = u.valToPos(from, 'x', true);
      let x1 = u.valToPos(to, 'x', true);
      if (x1 < left || x0 > left + width) continue;
      x0 = Math.max(x0, left);
      x1 = Math.min(x1, left + width);
      ctx.fillStyle = SPAN_FILL[SPAN_KINDS[kind]];
      ctx.fillRect(x0, top, Math.max(x1 - x0, 2 * devicePixelRatio), height);
    }
    ctx.restore();
  }

  function drawMarker(ctx, shape, x, y, r) {
    ctx.beginPath();
    if (shape === 'up') {
      ctx.moveTo(x, y - r * 1.3);
      ctx.lineTo(x + r * 1.1, y + r * 0.8);
      ctx.lineTo(x - r * 1.1, y + r * 0.8);
      ctx.closePath();
    } else if (shape === 'diamond') {
      ctx.moveTo(x, y - r * 1.3);
      ctx.lineTo(x + r * 1.1, y);
      ctx.lineTo(x, y + r * 1.3);
      ctx.lineTo(x - r * 1.1, y);
      ctx.closePath();
    } else if (shape === 'square') {
      ctx.rect(x - r, y - r, 2 * r, 2 * r);
    } else {
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
    ctx.fill();
    ctx.stroke();
  }

  function drawMarkers(u, markers, fig) {
    const ctx = u.ctx;
    const { left, width } = u.bbox;
    const r = 4.5 * devicePixelRatio;
    let drawn = 0;
    ctx.save();
    ctx.lineWidth = devicePixelRatio;
    ctx.strokeStyle = '#ffffff';
    for (const m of markers) {
      const x = u.valToPos(m.t, 'x', true);
      if (x < left - 1 || x > left + width + 1) continue;
      const y = u.valToPos(m.v, 'y', true);
      const style = MARK[m.kind] || MARK.repeat;
      ctx.fillStyle = style.color;
      drawMarker(ctx, style.shape, x, y, r);
      drawn++;
    }
    ctx.restore();
    fig.dataset.markers = String(drawn);
    fig.dataset.drawn = '1';
  }

  function tooltip(u, markers, tip) {
    const { left, top } = u.cursor;
    if (left == null || left < 0) {
      tip.style.display = 'none';
      return;
    }
    let best = null;
    let bestD = 10 * 10;
    for (const m of markers) {
      const dx = u.valToPos(m.t, 'x') - left;
      const dy = u.valToPos(m.v, 'y') - top;
      const d = dx * dx + dy * dy;
      if (d <= bestD) {
        bestD = d;
        best = m;
      }
    }
    if (best === null) {
      tip.style.display = 'none';
      return;
    }
    tip.textContent = iso(best.t) + '  ' + best.label;
    tip.style.display = 'block';
    const x = u.valToPos(best.t, 'x');
    tip.style.left = Math.min(x + 10, u.over.clientWidth - tip.offsetWidth) + 'px';
    tip.style.top = Math.max(u.valToPos(best.v, 'y') - 34, 0) + 'px';
  }

  const plots = [];
  for (const c of data.charts) {
    const fig = document.getElementById(c.id);
    const host = fig.querySelector('.plot');
    const hasBand = c.lo.some((x) => x !== null);
    const tip = document.createElement('div');
    tip.className = 'tip';
    const opts = {
      width: Math.max(320, host.clientWidth),
      height: 260,
      tzDate,
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: 'time (UTC)', value: (u, v) => (v == null ? '-' : iso(v)) },
        { label: c.valueLabel, stroke: '#1d4ed8', width: 1.25, value: (u, v) => fmtValue(v), points: { show: c.t.length <= 120 } },
        { label: 'expected high', stroke: 'rgba(5, 150, 105, 0.75)', width: 1, dash: [4, 3], value: (u, v) => fmtValue(v), show: hasBand, points: { show: false } },
        { label: 'expected low', stroke: 'rgba(5, 150, 105, 0.75)', width: 1, dash: [4, 3], value: (u, v) => fmtValue(v), show: hasBand, points: { show: false } },
      ],
      bands: hasBand ? [{ series: [2, 3], fill: 'rgba(16, 185, 129, 0.12)' }] : [],
      hooks: {
        drawClear: [(u) => drawSpans(u, c.spans)],
        draw: [(u) => drawMarkers(u, c.markers, fig)],
        setCursor: [(u) => tooltip(u, c.markers, tip)],
      },
    };
    const u = new uPlot(opts, [c.t, c.v, c.hi, c.lo], host);
    u.over.appendChild(tip);
    fig.plot = u; // for a console (and the browser test): the chart's uPlot instance
    plots.push([u, host]);
  }
  let pending = 0;
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      for (const [u, host] of plots) u.setSize({ width: Math.max(320, host.clientWidth), height: 260 });
    });
  });
})();
`;
