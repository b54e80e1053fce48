// Time to first render of the dashboard (run by scripts/bench-web through
// tests/tests/web_view.rs):  node bench.mjs <base_url> <config.json>
// Each round measures, in the same browser: a navigation to /health/live (the
// reference: a trivial handler), then a navigation to the dashboard. Reported per
// round: the server's own time (Server-Timing), time to first byte, and first
// contentful paint. Prints one JSON report on the last line.
import { readFileSync } from 'node:fs';
import { launch } from './lib.mjs';

const [base, configPath] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(configPath, 'utf8'));
const rounds = cfg.rounds || 20;

const browser = await launch();
const chromiumVersion = browser.version();
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
await page.goto(base + '/app/login');
await page.fill('#tenant', cfg.tenant);
await page.fill('#email', cfg.email);
await page.fill('#password', cfg.password);
await Promise.all([page.waitForURL(base + '/app'), page.click('form[action="/app/login"] button[type=submit]')]);

const nav = async (url) => {
  await page.goto(url, { waitUntil: 'load' });
  return page.evaluate(() => new Promise((resolve) => {
    const done = () => {
      const n = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      resolve({
        ttfb: n.responseStart - n.requestStart,
        response_end: n.responseEnd - n.startTime,
        dom_content_loaded: n.domContentLoadedEventEnd - n.startTime,
        fcp: fcp ? fcp.startTime : null,
        server: Object.fromEntries((n.serverTiming || []).map((s) => [s.name, s.duration])),
        bytes: n.transferSize,
      });
    };
    if (performance.getEntriesByName('first-contentful-paint').length) done();
    else setTimeout(done, 300);
  }));
};

const samples = { health: [], dashboard: [] };
for (let i = 0; i < rounds + 2; i++) {
  const h = await nav(base + '/health/live');
  const d = await nav(base + '/app');
  if (i >= 2) { // two warm-up rounds
    samples.health.push(h);
    samples.dashboard.push(d);
  }
}
await browser.close();

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : null;
};
const p95 = (xs) => {
  const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.ceil(v.length * 0.95) - 1)] : null;
};
const summary = (list, key) => ({ median: median(list.map(key)), p95: p95(list.map(key)) });
console.log(JSON.stringify({
  rounds,
  chromium: chromiumVersion,
  health: { ttfb: summary(samples.health, (s) => s.ttfb), response_end: summary(samples.health, (s) => s.response_end) },
  dashboard: {
    server_total: summary(samples.dashboard, (s) => s.server.total),
    server_db: summary(samples.dashboard, (s) => s.server.db),
    server_render: summary(samples.dashboard, (s) => s.server.render),
    ttfb: summary(samples.dashboard, (s) => s.ttfb),
    dom_content_loaded: summary(samples.dashboard, (s) => s.dom_content_loaded),
    fcp: summary(samples.dashboard, (s) => s.fcp),
    bytes: median(samples.dashboard.map((s) => s.bytes)),
  },
}));
