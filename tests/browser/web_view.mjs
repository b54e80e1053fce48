// Browser checks of the managers' web view (run by tests/tests/web_view.rs):
//   node web_view.mjs <base_url> <config.json>
// Prints one JSON report on the last line of stdout.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { axe, launch, overflow, setTheme, totp } from './lib.mjs';

const [base, configPath] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(configPath, 'utf8'));
mkdirSync(cfg.artifacts, { recursive: true });
const report = { login: {}, theme: {}, layout: {}, pages: [] };

const widgetOrder = (page) =>
  page.$$eval('#widgets > li.widget', (els) => els.map((e) => e.getAttribute('data-widget')));

const browser = await launch();
let page;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  page = await context.newPage();
  page.setDefaultTimeout(30000);

  // 1. Sign in: password, then the TOTP code.
  await page.goto(base + '/app');
  report.login.redirected_to_login = page.url().endsWith('/app/login');
  await page.fill('#tenant', cfg.tenant);
  await page.fill('#email', cfg.email);
  await page.fill('#password', cfg.password);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form[action="/app/login"] button[type=submit]')]);
  report.login.mfa_step_shown = (await page.locator('#code').count()) === 1;
  await page.fill('#code', totp(cfg.totp_secret));
  await Promise.all([page.waitForURL(base + '/app'), page.click('form[action="/app/login/mfa"] button[type=submit]')]);
  report.login.signed_in = (await page.locator('#widgets').count()) === 1;

  // 2. Theme: switch to dark without reload, then reload.
  await page.click('.theme-switch button[value=dark]');
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  await page.waitForFunction(() => document.querySelector('.theme-switch button[value=dark]').getAttribute('aria-pressed') === 'true');
  await page.reload();
  report.theme.after_reload = await page.evaluate(() => document.documentElement.dataset.theme);
  report.theme.background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  // 3. Dashboard layout by keyboard: focus the first widget's "move down" and press Enter.
  const initial = await widgetOrder(page);
  report.layout.initial = initial;
  await page.focus('#widgets > li.widget:first-child button[value=down]');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
  report.layout.keyboard_expected = [initial[1], initial[0], ...initial.slice(2)];
  await page.reload();
  report.layout.keyboard_after_reload = await widgetOrder(page);

  // ... and by drag and drop: the last widget onto the first.
  const before = await widgetOrder(page);
  await page.dragAndDrop('#widgets > li.widget:last-child .widget-head', '#widgets > li.widget:first-child .widget-head');
  await page.waitForFunction(() => document.getElementById('widgets').hasAttribute('data-saved-order'));
  report.layout.drag_expected = await widgetOrder(page);
  report.layout.drag_before = before;
  await page.reload();
  report.layout.drag_after_reload = await widgetOrder(page);

  // 4. Every page in both themes: axe, screenshots, 375 px.
  const pages = [
    ['dashboard', '/app'],
    ['products', '/app/inventory/products'],
    ['products-filtered', '/app/inventory/products?stock=low'],
    ['product', '/app/inventory/products/' + cfg.product_id],
    ['reorder', '/app/purchasing/reorder'],
    ['purchase-orders', '/app/purchasing/orders'],
    ['purchase-order', '/app/purchasing/orders/' + cfg.order_id],
    ['purchase-order-draft', '/app/purchasing/orders/' + cfg.draft_order_id],
    ['purchase-order-receive', '/app/purchasing/orders/' + cfg.confirmed_order_id],
    ['counts', '/app/counts'],
    ['count', '/app/counts/' + cfg.count_id],
    ['search', '/app/search?q=' + encodeURIComponent(cfg.search || 'a')],
    ['visits', '/app/visits'],
    ['contacts', '/app/contacts'],
    ['contacts-search', '/app/contacts?q=' + encodeURIComponent(cfg.contact_search)],
    ['contact', '/app/contacts/' + cfg.contact_id],
    ['import', '/app/inventory/import'],
    ['approvals', '/app/approvals'],
    ['webhooks', '/app/admin/webhooks'],
    ['webhook-log', '/app/admin/webhooks/' + cfg.webhook_id],
    ['notifications', '/app/notifications'],
    ['users', '/app/admin/users'],
    ['roles', '/app/admin/roles'],
    ['api-keys', '/app/admin/api-keys'],
    ['audit', '/app/admin/audit'],
    ['mfa', '/app/settings/mfa'],
  ];
  for (const theme of ['light', 'dark']) {
    await page.setViewportSize({ width: 1280, height: 900 });
    await setTheme(page, base, theme);
    for (const [name, path] of pages) {
      const entry = { name, theme, path, screenshots: [] };
      await page.setViewportSize({ width: 1280, height: 900 });
      const resp = await page.goto(base + path);
      entry.status = resp.status();
      entry.theme_attr = await page.evaluate(() => document.documentElement.dataset.theme);
      entry.axe_serious = await axe(page);
      if (name === 'count') {
        // The per-line reject form is inside a closed disclosure: check it open too.
        await page.evaluate(() => document.querySelectorAll('details.line-reject').forEach((d) => { d.open = true; }));
        entry.axe_serious.push(...await axe(page));
      }
      if (name === 'webhooks') {
        await page.evaluate(() => document.querySelectorAll('details.hook-delete').forEach((d) => { d.open = true; }));
        entry.axe_serious.push(...await axe(page));
      }
      if (name === 'product') {
        entry.barcode_images = await page.locator('.barcode-img svg[role=img]').count();
      }
      const wide = join(cfg.artifacts, `${name}-${theme}.png`);
      await page.screenshot({ path: wide, fullPage: true });
      entry.screenshots.push(wide);
      await page.setViewportSize({ width: 375, height: 812 });
      await page.goto(base + path);
      const o = await overflow(page);
      entry.scroll_width_375 = o.scrollWidth;
      entry.overflow_375 = o.scrollWidth > o.width;
      if (entry.overflow_375) entry.too_wide = o.wide;
      entry.axe_serious_375 = await axe(page);
      entry.axe_serious.push(...entry.axe_serious_375);
      const phone = join(cfg.artifacts, `${name}-${theme}-375.png`);
      await page.screenshot({ path: phone, fullPage: true });
      entry.screenshots.push(phone);
      report.pages.push(entry);
    }
  }

  // The sign-in page (signed out), following the system theme.
  for (const scheme of ['light', 'dark']) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: scheme });
    const p = await ctx.newPage();
    const entry = { name: 'login', theme: scheme, path: '/app/login', screenshots: [] };
    const resp = await p.goto(base + '/app/login');
    entry.status = resp.status();
    entry.axe_serious = await axe(p);
    const wide = join(cfg.artifacts, `login-${scheme}.png`);
    await p.screenshot({ path: wide, fullPage: true });
    entry.screenshots.push(wide);
    await p.setViewportSize({ width: 375, height: 812 });
    await p.goto(base + '/app/login');
    const o = await overflow(p);
    entry.scroll_width_375 = o.scrollWidth;
    entry.overflow_375 = o.scrollWidth > o.width;
    const phone = join(cfg.artifacts, `login-${scheme}-375.png`);
    await p.screenshot({ path: phone, fullPage: true });
    entry.screenshots.push(phone);
    report.pages.push(entry);
    await ctx.close();
  }
} catch (e) {
  report.error = String(e && e.stack || e);
  if (page) {
    report.error_url = page.url();
    report.error_text = (await page.textContent('body').catch(() => '')).slice(0, 500);
    await page.screenshot({ path: join(cfg.artifacts, 'error.png'), fullPage: true }).catch(() => {});
  }
  console.log(JSON.stringify(report));
  await browser.close();
  process.exit(1);
}
await browser.close();
console.log(JSON.stringify(report));
