// The console end to end, in Debian's Chromium: an admin signs in with the
// password and the authenticator code, every page loads, passes axe-core
// with no violations and is photographed at desktop and phone width
// (test-results/console/), a dead job is replayed and the audit chain
// verified from the page, and an editor can neither see nor open the users
// page. No page may trip its CSP (nothing inline), and every API response
// the pages cause is checked against the OpenAPI document (startService).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createPostgresQueue } from '../../src/adapters/queue/postgres.ts';
import { totpCode, totpStep } from '../../src/modules/auth/mfa/totp.ts';
import { EVENTS_QUEUE } from '../../src/modules/events/outbox.ts';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient } from '../support/api.ts';
import {
  axeViolations,
  browserSkip,
  launchChromium,
  screenshotDir,
  VIEWPORTS,
} from '../support/browser.ts';
import { eventually } from '../support/eventually.ts';
import { silentLogger, startService, type StartedService } from '../support/start.ts';

/** Every page an admin sees, by fragment path and heading. */
const ADMIN_PAGES = [
  ['traffic', 'Live traffic'],
  ['jobs', 'Jobs'],
  ['orders', 'Orders'],
  ['catalog', 'Catalog'],
  ['webhooks', 'Webhooks'],
  ['mail', 'E-mail'],
  ['audit', 'Audit log'],
  ['users', 'Users'],
  ['api-keys', 'API keys'],
] as const;

/** An element's computed background colour, read in the page (tests have no DOM types). */
const BACKGROUND = (element: unknown): string =>
  (
    globalThis as unknown as {
      getComputedStyle(element: unknown): { backgroundColor: string };
    }
  ).getComputedStyle(element).backgroundColor;

describe('console in a browser', { skip: browserSkip }, () => {
  let service: StartedService;
  let browser: Browser;
  let admin: { context: BrowserContext; page: Page };
  let totpSecret: string;
  /** The admin's API token, from before the second factor was enrolled. */
  let adminToken: string;
  let totpUsedStep: number;
  let shots: string;
  const cspViolations: string[] = [];

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    // Generous: the whole suite may share two busy cores with the browser.
    context.setDefaultTimeout(60_000);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) {
        cspViolations.push(`${page.url()} (${message.location().url}): ${message.text()}`);
      }
    });
    return { context, page };
  }

  /** Opens a console page and waits until it has drawn (heading shown, nothing busy). */
  async function open(page: Page, path: string, title: string): Promise<void> {
    const target = `${service.url}/console#/${path}`;
    // Going to the URL the page is already at changes nothing: load it again instead.
    if (page.url() === target) await page.reload();
    else await page.goto(target);
    await page.locator('#main h1', { hasText: title }).waitFor();
    await page.locator('#main [aria-busy]').waitFor({ state: 'detached' });
  }

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${service.url}/console`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function expectAxeClean(page: Page, what: string): Promise<void> {
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], `${what}: accessibility violations`);
  }

  async function photograph(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(shots, `${name}-desktop.png`), fullPage: true });
    await page.setViewportSize(VIEWPORTS.phone);
    await page.screenshot({ path: join(shots, `${name}-phone.png`), fullPage: true });
    const overflow = await page.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    assert.ok(Number(overflow) <= 0, `${name}: the page is wider than a phone screen`);
    await page.setViewportSize(VIEWPORTS.desktop);
  }

  before(async () => {
    // No workers: the test's own queue worker decides which job dies.
    service = await startService({ env: { WORKERS: 'off' } });
    shots = await screenshotDir('console');
    browser = await launchChromium();
    // The admin has a second factor: enrolled through the API as a user would.
    const api = apiClient(service.url);
    const { accessToken } = await api.login(
      DEMO_ACCOUNTS.admin.email,
      DEMO_ACCOUNTS.admin.password,
    );
    const started = await api.call('/api/v1/me/mfa/totp', { method: 'POST', token: accessToken });
    assert.equal(started.status, 201);
    totpSecret = ((await started.json()) as { secret: string }).secret;
    adminToken = accessToken;
    totpUsedStep = totpStep(Date.now());
    const confirmed = await api.call('/api/v1/me/mfa/totp/confirm', {
      method: 'POST',
      token: accessToken,
      json: { code: totpCode(totpSecret, totpUsedStep) },
    });
    assert.equal(confirmed.status, 200, await confirmed.clone().text());
    admin = await newPage();
  });

  after(async () => {
    await browser?.close();
    await service?.close();
  });

  test('the page is served under a CSP that allows nothing inline', async () => {
    const res = await fetch(`${service.url}/console`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self';/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|nonce-/);
    const html = await res.text();
    assert.doesNotMatch(html, /<script>|<style|\sstyle=|\son[a-z]+=/i);
  });

  test('an admin signs in with the password, then the authenticator code', async () => {
    const { page } = admin;
    await page.goto(`${service.url}/console`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAxeClean(page, 'sign-in');
    await photograph(page, 'sign-in');

    await page.getByLabel('E-mail').fill(DEMO_ACCOUNTS.admin.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();

    await page.getByLabel('Password').fill(DEMO_ACCOUNTS.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authenticator code').waitFor();
    await expectAxeClean(page, 'second step');
    // A step the enrolment did not use: each code is accepted once.
    const step = Math.max(totpUsedStep + 1, totpStep(Date.now()));
    await page.getByLabel('Authenticator code').fill(totpCode(totpSecret, step));
    // From the keyboard: Enter in the field submits the step.
    await page.getByLabel('Authenticator code').press('Enter');

    await page.locator('#main h1', { hasText: 'Live traffic' }).waitFor();
    const nav = await page.locator('#nav a').allTextContents();
    assert.deepEqual(
      nav,
      ADMIN_PAGES.map(([, title]) => title),
    );
  });

  test('every page draws, passes axe-core, and fits a phone', async () => {
    const { page } = admin;
    for (const [path, title] of ADMIN_PAGES) {
      await open(page, path, title);
      assert.equal(await page.locator('#main [role=alert]').count(), 0, `${title}: an error shown`);
      await expectAxeClean(page, title);
      await photograph(page, path);
    }
  });

  test('from the keyboard: the skip link leads to the page, not away from it', async () => {
    const { page } = admin;
    await open(page, 'jobs', 'Jobs');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await skip.focus();
    const box = await skip.boundingBox();
    assert.ok(box !== null && box.y >= 0, 'on screen once focused');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Jobs');
    assert.ok(page.url().endsWith('#/jobs'), page.url());
  });

  test('a dead letter is replayed from the jobs page', async () => {
    const worker = createPostgresQueue({
      sql: service.sql,
      logger: silentLogger(),
      pollIntervalMs: 20,
    });
    let id: string;
    try {
      id = await worker.enqueue(EVENTS_QUEUE, { probe: 'console' }, { maxAttempts: 1 });
      worker.process(EVENTS_QUEUE, () => Promise.reject(new Error('receiver down')));
      await eventually('the job is dead', async () =>
        (await worker.listDead(EVENTS_QUEUE)).some((job) => job.id === id),
      );
    } finally {
      await worker.stop();
    }
    const { page } = admin;
    await open(page, 'jobs', 'Jobs');
    const letters = page.getByRole('region', { name: 'Dead letters' });
    await letters.locator('tr', { hasText: 'receiver down' }).waitFor();
    await page.getByRole('button', { name: `Replay job ${id}` }).click();
    await page.locator('#status', { hasText: `Job ${id} queued again.` }).waitFor();
    await page.locator('#main [aria-busy]').waitFor({ state: 'detached' });
    assert.equal(
      await page.getByRole('button', { name: `Replay job ${id}` }).count(),
      0,
      'no longer a dead letter',
    );
    const probe = createPostgresQueue({ sql: service.sql, logger: silentLogger() });
    try {
      assert.ok(!(await probe.listDead(EVENTS_QUEUE)).some((job) => job.id === id));
    } finally {
      await probe.stop();
    }
  });

  test('an order is paid and shipped with its state actions on the orders page', async () => {
    const api = apiClient(service.url);
    const accessToken = adminToken;
    const products = (await (await api.call('/api/v1/products?limit=1')).json()) as {
      data: { id: string }[];
    };
    const placed = await api.call('/api/v1/orders', {
      method: 'POST',
      token: accessToken,
      headers: { 'idempotency-key': `console-${Date.now()}` },
      json: { items: [{ productId: products.data[0]!.id, quantity: 1 }] },
    });
    assert.equal(placed.status, 201, await placed.clone().text());
    const { id } = (await placed.json()) as { id: string };

    const { page } = admin;
    await open(page, 'orders', 'Orders');
    await page.getByRole('button', { name: `Pay order ${id}` }).click();
    await page.locator('#status', { hasText: `Order ${id} is now paid.` }).waitFor();
    await page.getByRole('button', { name: `Ship order ${id}` }).click();
    await page.locator('#status', { hasText: `Order ${id} is now shipped.` }).waitFor();
    const idCell = page.locator('td > code', { hasText: new RegExp(`^${id}$`) });
    const row = page.locator('#main tbody tr', { has: idCell });
    await row.locator('.badge', { hasText: 'shipped' }).waitFor();
    await expectAxeClean(page, 'orders with actions');
  });

  test('a sent e-mail is previewed as text and HTML; a suppression is lifted', async () => {
    const api = apiClient(service.url);
    const forgot = await api.call('/api/v1/auth/password/forgot', {
      method: 'POST',
      json: { email: DEMO_ACCOUNTS.customer.email },
    });
    assert.equal(forgot.status, 202);
    await service.background.idle();
    const suppressed = await api.call('/api/v1/admin/mail/suppressions', {
      method: 'POST',
      token: adminToken,
      json: { email: 'bounced@example.com', detail: 'mailbox full' },
    });
    assert.equal(suppressed.status, 201, await suppressed.clone().text());

    const { page } = admin;
    await open(page, 'mail', 'E-mail');
    await page.getByRole('button', { name: 'Reset your password' }).first().click();
    await page.getByRole('heading', { name: 'Preview: Reset your password' }).waitFor();
    assert.match(await page.locator('pre.mail-text').innerText(), /reset/i);
    // The HTML part renders inside its sandboxed frame, from its own route,
    // with the message's inline styles applied (its own CSP allows them; the
    // console's does not need to).
    const frame = page.locator('iframe.mail-html');
    assert.equal(await frame.getAttribute('sandbox'), '');
    assert.equal(await frame.getAttribute('srcdoc'), null);
    const body = page.frameLocator('iframe.mail-html').locator('body', { hasText: /reset/i });
    await body.waitFor();
    assert.equal(await body.evaluate(BACKGROUND), 'rgb(244, 244, 245)', 'the message’s body style');
    const button = page
      .frameLocator('iframe.mail-html')
      .locator('a', { hasText: 'Choose a new password' })
      .first();
    assert.equal(
      await button.evaluate(BACKGROUND),
      'rgb(29, 78, 216)',
      'the message’s button style',
    );
    await expectAxeClean(page, 'mail preview');
    await photograph(page, 'mail-preview');

    await page.getByRole('button', { name: 'Remove suppression of bounced@example.com' }).click();
    await page
      .locator('#status', { hasText: 'bounced@example.com receives mail again.' })
      .waitFor();
    await page.locator('#main [aria-busy]').waitFor({ state: 'detached' });
    assert.equal(await page.locator('#main td', { hasText: 'bounced@example.com' }).count(), 0);
  });

  test('the audit chain is verified from the audit page', async () => {
    const { page } = admin;
    await open(page, 'audit', 'Audit log');
    // The replay above is in the log.
    await page.locator('td', { hasText: 'admin.job_replayed' }).first().waitFor();
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    const verdict = page.locator('#verification', {
      hasText: /Chain intact: \d+ entries verified/,
    });
    await verdict.waitFor();
    await expectAxeClean(page, 'audit after verification');
  });

  test('an editor sees the catalog but can neither see nor open the users page', async () => {
    const editor = await newPage();
    try {
      const { page } = editor;
      await signIn(page, DEMO_ACCOUNTS.editor.email, DEMO_ACCOUNTS.editor.password);
      await page.locator('#main h1', { hasText: 'Orders' }).waitFor();
      const nav = await page.locator('#nav a').allTextContents();
      assert.deepEqual(nav, ['Orders', 'Catalog', 'API keys']);

      await open(page, 'catalog', 'Catalog');
      assert.ok((await page.locator('#main tbody tr').count()) > 0, 'products are listed');
      await page.getByLabel('Search products').fill('zzzz-no-such-product');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.locator('#main p', { hasText: 'no product matches' }).waitFor();

      await page.goto(`${service.url}/console#/users`);
      await page.getByRole('alert').filter({ hasText: 'cannot open the Users page' }).waitFor();
      await expectAxeClean(page, 'users page refused');
      await photograph(page, 'editor-users-refused');
      // And the API behind the page refuses the session too.
      const status = await page.evaluate(
        "fetch('/api/v1/admin/users', { credentials: 'same-origin' }).then((res) => res.status)",
      );
      assert.equal(status, 403);
    } finally {
      await editor.context.close();
    }
  });

  test('no page tripped its content security policy', () => {
    assert.deepEqual(cspViolations, []);
  });
});
