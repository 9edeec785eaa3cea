/**
 * A report page in the real headless browser (Debian's chromium, driven by playwright-core):
 * loads a file:// page with every request that is not file: or data: aborted and recorded,
 * and collects console errors and page errors. The caller reads the page, takes its screenshot
 * and closes it. A missing chromium is a failure that says how to install it, never a skip.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface LoadedPage {
  readonly page: Page;
  /** Console messages of type error, and uncaught exceptions. */
  readonly errors: string[];
  /** URLs the page tried to fetch that are neither file: nor data: (each was aborted). */
  readonly network: string[];
  close(): Promise<void>;
}

/** Opens `file` in a fresh headless chromium; close() stops the browser (call it in t.after). */
export async function openReport(file: string, viewport = { width: 1280, height: 900 }): Promise<LoadedPage> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with  apt-get install -y chromium`);
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    timeout: 60_000,
  });
  const errors: string[] = [];
  const network: string[] = [];
  try {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      network.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 60_000 });
    return { page, errors, network, close: () => browser.close() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/** What the page drew in one chart figure, read in the browser. */
export interface DrawnChart {
  readonly id: string;
  readonly title: string;
  /** Whether the page script finished drawing it (data-drawn). */
  readonly drawn: boolean;
  /** Markers inside the visible range at the last draw (data-markers). */
  readonly markers: number;
  /** Canvas pixels near the value line's colour, the band's, and a firing marker's red. */
  readonly linePixels: number;
  readonly bandPixels: number;
  readonly redPixels: number;
  readonly canvasWidth: number;
}

export async function drawnCharts(page: Page): Promise<DrawnChart[]> {
  // Runs in the page (a string: the project compiles without the DOM's types).
  return page.evaluate<DrawnChart[]>(`(() => {
    const near = (d, i, r, g, b, tol) =>
      Math.abs(d[i] - r) <= tol && Math.abs(d[i + 1] - g) <= tol && Math.abs(d[i + 2] - b) <= tol && d[i + 3] > 200;
    return [...document.querySelectorAll('figure.chart')].map((fig) => {
      const canvas = fig.querySelector('canvas');
      let linePixels = 0, bandPixels = 0, redPixels = 0;
      if (canvas !== null) {
        const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < d.length; i += 4) {
          if (near(d, i, 29, 78, 216, 40)) linePixels++;
          // The band's translucent green over white: green clearly above red and blue.
          else if (d[i + 3] > 0 && d[i + 1] > d[i] + 8 && d[i + 1] >= d[i + 2] && d[i + 1] < 252) bandPixels++;
          if (near(d, i, 220, 38, 38, 30)) redPixels++;
        }
      }
      return {
        id: fig.id,
        title: fig.querySelector('h2')?.textContent ?? '',
        drawn: fig.dataset.drawn === '1',
        markers: Number(fig.dataset.markers ?? -1),
        linePixels, bandPixels, redPixels,
        canvasWidth: canvas ? canvas.width : 0,
      };
    });
  })()`);
}

/**
 * Moves the mouse onto the first marker of `kind` in chart `index` and returns the tooltip's
 * text then ('' when hidden) and the marker's label from the page's data.
 */
export async function hoverMarker(page: Page, index: number, kind: string): Promise<{ tip: string; label: string }> {
  const at = await page.evaluate<{ x: number; y: number; label: string } | null>(`(() => {
    const fig = document.getElementById('chart-${index}');
    fig.scrollIntoView({ block: 'center' });
    const u = fig.plot;
    const m = JSON.parse(document.getElementById('report-data').textContent).charts[${index}].markers.find((m) => m.kind === ${JSON.stringify(kind)});
    if (!m) return null;
    const r = u.over.getBoundingClientRect();
    return { x: r.left + u.valToPos(m.t, 'x'), y: r.top + u.valToPos(m.v, 'y'), label: m.label };
  })()`);
  if (at === null) throw new Error(`chart ${index} has no ${kind} marker`);
  await page.mouse.move(at.x, at.y);
  const tip = await page.evaluate<string>(`(() => {
    const t = document.querySelector('#chart-${index} .tip');
    return t && t.style.display === 'block' ? t.textContent : '';
  })()`);
  return { tip, label: at.label };
}
