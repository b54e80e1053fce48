// The managers' work in the web view (run by tests/tests/web_view.rs):
//   node web_flows.mjs <base_url> <config.json>
// Approves a reorder suggestion, approves a count variance, watches a stock figure
// change live while a move is posted through the API, and uses the header search.
// Prints one JSON report on the last line of stdout; the Rust test checks it against
// the API.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from './lib.mjs';

const [base, configPath] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(configPath, 'utf8'));
mkdirSync(cfg.artifacts, { recursive: true });
const report = { reorder: {}, count: {}, live: {}, search: {}, screenshots: [] };

async function shot(page, name) {
  const path = join(cfg.artifacts, `flow-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  report.screenshots.push(path);
}

const onHand = (page, id) =>
  page.locator(`dd[data-live-product="${id}"]`).first().textContent().then((t) => t.trim());

const browser = await launch();
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  page = await context.newPage();
  page.setDefaultTimeout(30000);

  // Sign in (this user has no second factor; the MFA sign-in is web_view.mjs's).
  await page.goto(base + '/app/login');
  await page.fill('#tenant', cfg.tenant);
  await page.fill('#email', cfg.email);
  await page.fill('#password', cfg.password);
  await Promise.all([page.waitForURL(base + '/app'), page.click('form[action="/app/login"] button[type=submit]')]);

  // 1. Reorder: approve the first suggestion that can be ordered, land on its order.
  await page.goto(base + '/app/purchasing/reorder');
  const card = page.locator('li.suggestion:has(form.approve)').first();
  report.reorder.rule_id = await card.getAttribute('data-rule');
  report.reorder.suggested = (await card.locator('input[name=qty]').inputValue()).trim();
  await shot(page, 'reorder');
  await Promise.all([
    page.waitForURL(/\/app\/purchasing\/orders\/[0-9a-f-]+\?created=1$/),
    card.locator('form.approve button[type=submit]').click(),
  ]);
  report.reorder.po_id = page.url().match(/orders\/([0-9a-f-]+)/)[1];
  report.reorder.po_reference = (await page.textContent('#po-reference')).trim();
  report.reorder.notice = (await page.textContent('#po-created')).trim();
  report.reorder.page_lines = await page.$$eval('#po-lines tbody tr', (rows) =>
    rows.map((r) => ({ product: r.getAttribute('data-product'), qty: r.querySelector('.qty').textContent.trim() })));
  await shot(page, 'purchase-order');
  await page.goto(base + '/app/purchasing/orders?status=draft');
  report.reorder.listed = (await page.locator(`#purchase-orders tr[data-po="${report.reorder.po_id}"]`).count()) === 1;

  // 2. Count: stock before, approve the line's variance, stock after.
  await page.goto(base + '/app/inventory/products/' + cfg.product_id);
  report.count.on_hand_before = await onHand(page, cfg.product_id);
  await page.goto(base + '/app/counts/' + cfg.count_id);
  const line = page.locator('#count-lines tbody tr').first();
  report.count.state_before = await line.getAttribute('data-state');
  await shot(page, 'count-before');
  await Promise.all([
    page.waitForURL(/\/app\/counts\/[0-9a-f-]+\?posted=/),
    line.locator('form.line-approve button[type=submit]').click(),
  ]);
  report.count.result = (await page.textContent('#count-result')).trim();
  report.count.state_after = await page.locator('#count-lines tbody tr').first().getAttribute('data-state');
  await shot(page, 'count-after');
  await page.goto(base + '/app/inventory/products/' + cfg.product_id);
  report.count.on_hand_after = await onHand(page, cfg.product_id);

  // 2b. Approvals inbox: the counter's open request is listed; reject it with a reason.
  await page.goto(base + '/app/approvals');
  const request = page.locator(`#approvals li[data-subject="${cfg.reject_count_id}"]`);
  report.reject = { listed: (await request.count()) === 1 };
  await shot(page, 'approvals');
  await Promise.all([page.waitForURL(base + '/app/counts/' + cfg.reject_count_id), request.locator('a').click()]);
  await page.fill('#reject-reason', cfg.reject_reason);
  await Promise.all([
    page.waitForURL(/\?rejected=1$/),
    page.click('#reject-count button[type=submit]'),
  ]);
  report.reject.notice = (await page.locator('#count-rejected').count()) === 1;
  report.reject.request_still_shown = (await page.locator('#approval-request').count()) === 1;

  // 3. Live: the product page is open and connected; a move is posted through the
  // API (as a phone or an integration would); the figure changes without a reload.
  await page.goto(base + '/app/inventory/products/' + cfg.product_id);
  await page.waitForFunction(() => document.documentElement.dataset.live === 'ready');
  await page.evaluate(() => { window.__sameDocument = true; });
  report.live.before = await onHand(page, cfg.product_id);
  const resp = await fetch(base + '/api/v1/stock/moves', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + cfg.api_token },
    body: JSON.stringify(cfg.live_move),
  });
  report.live.move_status = resp.status;
  if (resp.status !== 201) report.live.move_error = await resp.text();
  await page.waitForSelector(`dd[data-live-product="${cfg.product_id}"][data-live-updated]`);
  report.live.after = await onHand(page, cfg.product_id);
  report.live.reloaded = !(await page.evaluate(() => window.__sameDocument === true));
  await shot(page, 'live');

  // 4. Search from the header: a product by SKU, the new order by its reference.
  await page.fill('#global-q', cfg.sku);
  await Promise.all([page.waitForURL(/\/app\/search\?q=/), page.press('#global-q', 'Enter')]);
  report.search.product_found =
    (await page.locator(`#results-products a[href="/app/inventory/products/${cfg.product_id}"]`).count()) === 1;
  await shot(page, 'search');
  await page.fill('#global-q', report.reorder.po_reference);
  await Promise.all([page.waitForURL(/\/app\/search\?q=PO/), page.press('#global-q', 'Enter')]);
  report.search.order_found =
    (await page.locator(`#results-orders a[href="/app/purchasing/orders/${report.reorder.po_id}"]`).count()) === 1;

  // 5. CSV import (partial mode): one good row, one without a SKU; the report lists
  // the failed row, and the upload's progress bar reached the end.
  await page.goto(base + '/app/inventory/import');
  await page.selectOption('#import-kind', 'products');
  await page.selectOption('#import-mode', 'partial');
  await page.setInputFiles('#import-file', {
    name: 'products.csv', mimeType: 'text/csv', buffer: Buffer.from(cfg.import_csv, 'utf8'),
  });
  await page.evaluate(() => { window.__sameDocument = true; });
  await page.click('#csv-import button[type=submit]');
  await page.waitForSelector('#import-summary');
  const summary = page.locator('#import-summary');
  report.import = {
    imported: Number(await summary.getAttribute('data-imported')),
    failed: Number(await summary.getAttribute('data-failed')),
    committed: (await summary.getAttribute('data-committed')) === 'true',
    error_rows: await page.locator('#import-errors tbody tr').count(),
    error_row_no: (await page.locator('#import-errors tbody tr td').first().textContent()).trim(),
    progress: await page.evaluate(() => document.getElementById('import-progress').value),
    reloaded: !(await page.evaluate(() => window.__sameDocument === true)),
  };
  await shot(page, 'import');
} catch (e) {
  report.error = String(e && e.stack || e);
  if (page) {
    report.error_url = page.url();
    report.error_text = (await page.textContent('body').catch(() => '')).slice(0, 800);
    await page.screenshot({ path: join(cfg.artifacts, 'flow-error.png'), fullPage: true }).catch(() => {});
  }
  console.log(JSON.stringify(report));
  await browser.close();
  process.exit(1);
}
await browser.close();
console.log(JSON.stringify(report));
