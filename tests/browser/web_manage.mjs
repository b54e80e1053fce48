// The managers' decisions in the web view (run by tests/tests/web_view.rs):
//   node web_manage.mjs <base_url> <config.json>
// Approves one count line and rejects another with a reason; watches a count's
// progress change live on its page and on the dashboard while lines are posted
// through the API; confirms a draft purchase order and receives part of a line;
// creates, tests, disables, enables and deletes a webhook (and sees a refused form
// explained in the page's language); searches contacts and opens one. Each part
// runs when its config is given. Prints one JSON report
// on the last line of stdout; the Rust test checks it against the API.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from './lib.mjs';

const [base, configPath] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(configPath, 'utf8'));
mkdirSync(cfg.artifacts, { recursive: true });
const report = { screenshots: [] };

async function shot(page, name) {
  const path = join(cfg.artifacts, `manage-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  report.screenshots.push(path);
}

async function api(method, path, body) {
  const resp = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + cfg.api_token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  return { status: resp.status, text };
}

const text = (page, sel) => page.locator(sel).first().textContent().then((t) => t.trim());
const row = (page, key) => page.locator(`#count-lines tbody tr[data-line="${key}"]`);

const browser = await launch();
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  page = await context.newPage();
  page.setDefaultTimeout(30000);

  await page.goto(base + '/app/login');
  await page.fill('#tenant', cfg.tenant);
  await page.fill('#email', cfg.email);
  await page.fill('#password', cfg.password);
  await Promise.all([page.waitForURL(base + '/app'), page.click('form[action="/app/login"] button[type=submit]')]);

  // 1. Count lines decided one by one: reject one with a reason, approve the other.
  if (cfg.decide) {
    const d = cfg.decide;
    report.decide = {};
    await page.goto(base + '/app/counts/' + d.count_id);
    await shot(page, 'count-lines');
    const rejectRow = row(page, d.reject_line);
    await rejectRow.locator('details.line-reject summary').click();
    await rejectRow.locator('details.line-reject input[name=reason]').fill(d.reason);
    await Promise.all([
      page.waitForURL(/\?line_rejected=1/),
      rejectRow.locator('details.line-reject button[type=submit]').click(),
    ]);
    report.decide.rejected_notice = (await page.locator('#count-line-rejected').count()) === 1;
    report.decide.rejected_state = await row(page, d.reject_line).getAttribute('data-state');
    report.decide.rejected_text = await text(page, `#count-lines tr[data-line="${d.reject_line}"] .rejection`);
    report.decide.reject_controls_left = await row(page, d.reject_line).locator('form').count();
    await shot(page, 'count-line-rejected');
    await Promise.all([
      page.waitForURL(/\?posted=1/),
      row(page, d.approve_line).locator('form.line-approve button[type=submit]').click(),
    ]);
    report.decide.result = await text(page, '#count-result');
    report.decide.approved_state = await row(page, d.approve_line).getAttribute('data-state');
    report.decide.still_rejected = await row(page, d.reject_line).getAttribute('data-state');
    await shot(page, 'count-line-approved');
  }

  // 2. Live count progress: lines posted through the API change the figures on the
  // open count page and on the dashboard without a reload.
  if (cfg.live) {
    const l = cfg.live;
    report.live = { post_status: [] };
    await page.goto(base + '/app/counts/' + l.count_id);
    await page.waitForFunction(() => document.documentElement.dataset.live === 'ready');
    await page.evaluate(() => { window.__sameDocument = true; });
    report.live.page_before = await text(page, '#count-progress');
    let r = await api('POST', `/api/v1/counts/${l.count_id}/lines`, l.lines[0]);
    report.live.post_status.push(r.status);
    if (r.status !== 201) report.live.post_error = r.text;
    await page.waitForSelector('#count-progress[data-live-updated]');
    report.live.page_after = await text(page, '#count-progress');
    report.live.page_reloaded = !(await page.evaluate(() => window.__sameDocument === true));
    await shot(page, 'count-live');

    await page.goto(base + '/app');
    await page.waitForFunction(() => document.documentElement.dataset.live === 'ready');
    await page.evaluate(() => { window.__sameDocument = true; });
    const sel = `[data-live-count-progress="${l.count_id}"]`;
    report.live.dashboard_before = await text(page, sel);
    r = await api('POST', `/api/v1/counts/${l.count_id}/lines`, l.lines[1]);
    report.live.post_status.push(r.status);
    if (r.status !== 201) report.live.post_error = r.text;
    await page.waitForSelector(sel + '[data-live-updated]');
    report.live.dashboard_after = await text(page, sel);
    report.live.dashboard_bar_max = await page.locator(`progress[data-live-count-bar="${l.count_id}"]`).getAttribute('max');
    report.live.dashboard_reloaded = !(await page.evaluate(() => window.__sameDocument === true));
    await shot(page, 'dashboard-live');
  }

  // 3. Purchase order: confirm the draft, then receive part of its first line.
  if (cfg.po) {
    const o = cfg.po;
    report.po = {};
    await page.goto(base + '/app/purchasing/orders/' + o.order_id);
    report.po.status_before = await page.getAttribute('#po-status', 'data-status');
    await shot(page, 'po-draft');
    await Promise.all([page.waitForURL(/\?confirmed=1$/), page.click('#po-confirm button[type=submit]')]);
    report.po.confirmed_notice = (await page.locator('#po-confirmed').count()) === 1;
    report.po.status_confirmed = await page.getAttribute('#po-status', 'data-status');
    const line = page.locator('#po-lines tbody tr').first();
    report.po.product_id = await line.getAttribute('data-product');
    report.po.line_id = await line.getAttribute('data-line');
    report.po.on_hand_before = await text(page, `#po-lines tr[data-line="${report.po.line_id}"] td.on-hand`);
    const rows = page.locator('#po-receive-lines tbody tr');
    for (let i = 0; i < await rows.count(); i++) {
      const r = rows.nth(i);
      const first = (await r.getAttribute('data-line')) === report.po.line_id;
      await r.locator('input[name^=qty_]').fill(first ? o.receive_qty : '0');
      const lot = r.locator('input[name^=lot_]');
      if (await lot.count()) await lot.fill('LOT-WEB-1');
    }
    await shot(page, 'po-receive');
    await Promise.all([page.waitForURL(/\?received=1$/), page.click('#po-receive button[type=submit]')]);
    report.po.received_notice = (await page.locator('#po-received').count()) === 1;
    report.po.status_after = await page.getAttribute('#po-status', 'data-status');
    report.po.received_after = await text(page, `#po-lines tr[data-line="${report.po.line_id}"] td.received`);
    report.po.on_hand_after = await text(page, `#po-lines tr[data-line="${report.po.line_id}"] td.on-hand`);
    await shot(page, 'po-received');
  }

  // 4. Webhooks: create, send a test, disable, enable, delete; a refused form says why.
  if (cfg.hook) {
    const h = cfg.hook;
    report.hook = {};
    await page.goto(base + '/app/admin/webhooks');
    await page.fill('#hook-url', h.url);
    await page.check('#kind-stock');
    await page.check('#kind-count');
    await page.fill('#hook-other', 'webhook.test');
    await page.fill('#hook-description', h.description);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#hook-new button[type=submit]')]);
    report.hook.created_notice = (await page.locator('#hook-created').count()) === 1;
    report.hook.secret = await text(page, '#hook-secret');
    await shot(page, 'webhook-created');
    const row = page.locator('#webhooks tbody tr', { has: page.locator(`code:text-is("${h.url}")`) });
    report.hook.id = await row.getAttribute('data-webhook');
    const byId = () => page.locator(`#webhooks tr[data-webhook="${report.hook.id}"]`);
    await Promise.all([page.waitForURL(/done=tested$/), byId().locator('form.hook-test button').click()]);
    report.hook.tested_notice = (await page.locator('#hook-done').count()) === 1;
    await Promise.all([
      page.waitForURL(base + '/app/admin/webhooks/' + report.hook.id),
      byId().locator('td a').first().click(),
    ]);
    report.hook.log = await page.$$eval('#deliveries tbody tr', (rows) =>
      rows.map((r) => ({ kind: r.getAttribute('data-kind'), status: r.getAttribute('data-status') })));
    await shot(page, 'webhook-log');
    await page.goto(base + '/app/admin/webhooks');
    await Promise.all([page.waitForURL(/done=disabled$/), byId().locator('form.hook-toggle button').click()]);
    report.hook.active_after_disable = await byId().getAttribute('data-active');
    report.hook.test_button_when_disabled = await byId().locator('form.hook-test').count();
    await shot(page, 'webhook-disabled');
    await Promise.all([page.waitForURL(/done=enabled$/), byId().locator('form.hook-toggle button').click()]);
    report.hook.active_after_enable = await byId().getAttribute('data-active');
    await byId().locator('details.hook-delete summary').click();
    await Promise.all([page.waitForURL(/done=deleted$/), byId().locator('details.hook-delete button[type=submit]').click()]);
    report.hook.rows_after_delete = await byId().count();
    // No event kind chosen: refused, and the page says which field (in English here).
    await page.fill('#hook-url', h.url);
    const resp = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click('#hook-new button[type=submit]'),
    ]).then((r) => r[0]);
    report.hook.refused_status = resp ? resp.status() : null;
    report.hook.refused_message = await text(page, '#error-message');
    report.hook.refused_field = await text(page, '#error-field');
    await shot(page, 'webhook-refused');
  }

  // 5. Contacts: search, page through, open one.
  if (cfg.contact) {
    const c = cfg.contact;
    report.contact = {};
    await page.goto(base + '/app/contacts');
    report.contact.first_page_first = await page.locator('#contacts tbody tr').first().getAttribute('data-contact');
    report.contact.next_link = (await page.locator('nav.pager a[rel=next]').count()) === 1;
    if (report.contact.next_link) {
      await Promise.all([page.waitForURL(/offset=25/), page.click('nav.pager a[rel=next]')]);
      report.contact.second_page_first = await page.locator('#contacts tbody tr').first().getAttribute('data-contact');
    }
    await page.goto(base + '/app/contacts');
    await page.fill('#contact-q', c.search);
    await Promise.all([page.waitForURL(/\/app\/contacts\?q=/), page.click('#contact-search button[type=submit]')]);
    report.contact.found = await page.$$eval('#contacts tbody tr', (rows) => rows.map((r) => r.getAttribute('data-contact')));
    await shot(page, 'contacts-search');
    await Promise.all([
      page.waitForURL(base + '/app/contacts/' + c.contact_id),
      page.click(`#contacts tr[data-contact="${c.contact_id}"] a`),
    ]);
    report.contact.name = await text(page, '#contact-name');
    report.contact.stage = await text(page, '#contact-stage');
    report.contact.score = await page.getAttribute('#contact-score', 'data-score');
    report.contact.segments = await page.$$eval('#contact-segments li', (li) => li.map((l) => l.textContent.trim()));
    report.contact.activities = await page.$$eval('#contact-activities li', (li) =>
      li.map((l) => ({ id: l.getAttribute('data-activity'), kind: l.getAttribute('data-kind') })));
    report.contact.sidebar = (await page.locator('nav a[href="/app/contacts"]').count()) >= 1;
    await shot(page, 'contact');
  }
} catch (e) {
  report.error = String(e && e.stack || e);
  if (page) {
    report.error_url = page.url();
    report.error_text = (await page.textContent('body').catch(() => '')).slice(0, 800);
    await page.screenshot({ path: join(cfg.artifacts, 'manage-error.png'), fullPage: true }).catch(() => {});
  }
  console.log(JSON.stringify(report));
  await browser.close();
  process.exit(1);
}
await browser.close();
console.log(JSON.stringify(report));
