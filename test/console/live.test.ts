// The console's live parts in Debian's Chromium, with the workers running
// (the outbox relay feeds the event streams; the image job makes
// thumbnails): the orders page shows a status changed through the API
// without a reload — for an admin over the admin event stream, for a
// shopper over their own order's stream — and an admin uploads a product
// image and sees its thumbnail once the job has run, while refusals (too
// large, not an allowed type, bytes that are not the declared image) are
// shown in the problem's own words. Every state passes axe-core and no page
// trips its CSP.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import {
  axeViolations,
  browserSkip,
  launchChromium,
  screenshotDir,
  VIEWPORTS,
} from '../support/browser.ts';
import { eventually } from '../support/eventually.ts';
import { startService, type StartedService } from '../support/start.ts';

// Small, so that a refused size is cheap to make.
const MAX_UPLOAD_BYTES = 64 * 1024;

describe('console live updates and image upload in a browser', { skip: browserSkip }, () => {
  let service: StartedService;
  let browser: Browser;
  let api: ApiClient;
  let adminToken: string;
  let customerToken: string;
  let shots: string;
  const cspViolations: string[] = [];
  const contexts: BrowserContext[] = [];

  async function signedIn(account: { email: string; password: string }): Promise<Page> {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    contexts.push(context);
    // Generous: the suite may share two busy cores with the browser.
    context.setDefaultTimeout(90_000);
    await context.addInitScript(`
      window.openedStreams = [];
      const Native = window.EventSource;
      window.EventSource = class extends Native {
        constructor(...args) {
          super(...args);
          window.openedStreams.push(this);
        }
      };
    `);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) {
        cspViolations.push(`${page.url()}: ${message.text()}`);
      }
    });
    await page.goto(`${service.url}/console`);
    await page.getByLabel('E-mail').fill(account.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#nav a').first().waitFor();
    return page;
  }

  async function open(page: Page, path: string, title: string): Promise<void> {
    await page.goto(`${service.url}/console#/${path}`);
    await page.locator('#main h1', { hasText: title }).waitFor();
    await page.locator('#main [aria-busy]').waitFor({ state: 'detached' });
  }

  async function expectAxeClean(page: Page, what: string): Promise<void> {
    assert.deepEqual(await axeViolations(page), [], `${what}: accessibility violations`);
  }

  async function placeOrder(token: string): Promise<string> {
    const products = (await (await api.call('/api/v1/products?limit=1')).json()) as {
      data: { id: string }[];
    };
    const placed = await api.call('/api/v1/orders', {
      method: 'POST',
      token,
      headers: { 'idempotency-key': `console-live-${Date.now()}-${Math.random()}` },
      json: { items: [{ productId: products.data[0]!.id, quantity: 1 }] },
    });
    assert.equal(placed.status, 201, await placed.clone().text());
    return ((await placed.json()) as { id: string }).id;
  }

  async function act(token: string, id: string, action: 'pay' | 'ship'): Promise<void> {
    const res = await api.call(`/api/v1/orders/${id}/${action}`, { method: 'POST', token });
    assert.equal(res.status, 200, await res.clone().text());
  }

  function statusOf(page: Page, id: string, status: string) {
    const idCell = page.locator('td > code', { hasText: new RegExp(`^${id}$`) });
    return page.locator('#main tbody tr', { has: idCell }).locator('.badge', { hasText: status });
  }

  /**
   * Every EventSource the page opened, by path, and whether it is open now.
   * Recorded by a wrapper the browser installs before the console's own
   * scripts run (an init script, which the page's CSP does not govern).
   */
  async function streamStates(page: Page): Promise<Record<string, string>> {
    return await page.evaluate<Record<string, string>>(
      `Object.fromEntries(window.openedStreams.map((s) => [new URL(s.url).pathname, s.readyState === 2 ? 'closed' : 'open']))`,
    );
  }

  before(async () => {
    service = await startService({ env: { BLOB_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) } });
    shots = await screenshotDir('console');
    browser = await launchChromium();
    api = apiClient(service.url);
    adminToken = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
      .accessToken;
    customerToken = (await api.login(DEMO_ACCOUNTS.customer.email, DEMO_ACCOUNTS.customer.password))
      .accessToken;
  });

  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await service?.close();
  });

  test('an admin sees an order paid and shipped through the API, without a reload', async () => {
    const page = await signedIn(DEMO_ACCOUNTS.admin);
    const id = await placeOrder(customerToken);
    await open(page, 'orders', 'Orders');
    await statusOf(page, id, 'pending').waitFor();
    let loads = 0;
    page.on('load', () => {
      loads += 1;
    });

    await act(customerToken, id, 'pay');
    await statusOf(page, id, 'paid').waitFor();
    await page.locator('#status', { hasText: `Order ${id} is now paid.` }).waitFor();
    await act(adminToken, id, 'ship');
    await statusOf(page, id, 'shipped').waitFor();
    assert.equal(loads, 0, 'the page was not reloaded');
    await expectAxeClean(page, 'orders updated live');
    await page.screenshot({ path: join(shots, 'orders-live-desktop.png'), fullPage: true });

    // Leaving the page closes its stream.
    assert.deepEqual(await streamStates(page), { '/api/v1/admin/events': 'open' });
    await page.getByRole('link', { name: 'Catalog' }).click();
    await page.locator('#main h1', { hasText: 'Catalog' }).waitFor();
    assert.deepEqual(await streamStates(page), { '/api/v1/admin/events': 'closed' });
  });

  test('a shopper sees their own order change over its stream', async () => {
    const id = await placeOrder(customerToken);
    const page = await signedIn(DEMO_ACCOUNTS.customer);
    await open(page, 'orders', 'Orders');
    await statusOf(page, id, 'pending').waitFor();

    await act(customerToken, id, 'pay');
    await statusOf(page, id, 'paid').waitFor();
    await act(adminToken, id, 'ship');
    await statusOf(page, id, 'shipped').waitFor();
    await expectAxeClean(page, 'shopper orders updated live');
    // A shopper cannot open the admin stream: only their own orders' streams were opened.
    const opened = Object.keys(await streamStates(page));
    assert.ok(opened.includes(`/api/v1/orders/${id}/events`), opened.join(', '));
    assert.ok(!opened.includes('/api/v1/admin/events'), opened.join(', '));
  });

  test('an admin uploads a PNG and sees its thumbnail once the job has run', async () => {
    const page = await signedIn(DEMO_ACCOUNTS.admin);
    await open(page, 'catalog', 'Catalog');
    const firstRow = page.locator('#main tbody tr').first();
    const title = await firstRow.locator('td').nth(1).innerText();
    const input = page.getByLabel(`Upload an image of ${title}`, { exact: true });

    const png = await sharp({
      create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: 90 } },
    })
      .png()
      .toBuffer();
    await input.setInputFiles({ name: 'red.png', mimeType: 'image/png', buffer: png });
    const thumbnail = firstRow.getByRole('img', { name: `Image of ${title}` });
    await thumbnail.waitFor();
    await eventually(
      'the thumbnail has loaded',
      async () =>
        (await thumbnail.evaluate((image) => {
          const loaded = image as unknown as { complete: boolean; naturalWidth: number };
          return loaded.complete ? loaded.naturalWidth : 0;
        })) > 0,
    );
    await page.locator('#status', { hasText: `The image of ${title} is uploaded.` }).waitFor();
    await expectAxeClean(page, 'catalog with a thumbnail');
    await page.screenshot({ path: join(shots, 'catalog-thumbnail-desktop.png'), fullPage: true });
    await page.setViewportSize(VIEWPORTS.phone);
    await page.screenshot({ path: join(shots, 'catalog-thumbnail-phone.png'), fullPage: true });
    const overflow = await page.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    assert.ok(Number(overflow) <= 0, 'the catalog is wider than a phone screen');
    await page.setViewportSize(VIEWPORTS.desktop);

    // After a reload the thumbnail is listed by the API, not only drawn after the upload.
    await open(page, 'catalog', 'Catalog');
    await page.reload();
    await page.locator('#main [aria-busy]').waitFor({ state: 'detached' });
    await page
      .locator('#main tbody tr')
      .first()
      .getByRole('img', { name: `Image of ${title}` })
      .waitFor();
  });

  test('refused uploads show the problem to the user', async () => {
    const page = await signedIn(DEMO_ACCOUNTS.admin);
    await open(page, 'catalog', 'Catalog');
    const row = page.locator('#main tbody tr').nth(1);
    const title = await row.locator('td').nth(1).innerText();
    const input = page.getByLabel(`Upload an image of ${title}`, { exact: true });
    let bytesSent = 0;
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().includes('/blobs/')) bytesSent += 1;
    });
    const shown = (text: RegExp) =>
      row.locator('.upload-state .alert', { hasText: text }).waitFor();

    // 415: a type the catalog does not take, refused before any byte is sent.
    await input.setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('not an image'),
    });
    await shown(/^Unsupported image type/);

    // 413: larger than BLOB_MAX_UPLOAD_BYTES.
    await input.setInputFiles({
      name: 'huge.png',
      mimeType: 'image/png',
      buffer: Buffer.alloc(MAX_UPLOAD_BYTES + 1, 1),
    });
    await shown(/^Image too large/);
    assert.equal(bytesSent, 0, 'both refused before any byte was sent');

    // 422: bytes that are not the PNG they claim to be.
    await input.setInputFiles({
      name: 'fake.png',
      mimeType: 'image/png',
      buffer: Buffer.from('plain text pretending to be a PNG file'),
    });
    await shown(/^Image content does not match its type/);
    await expectAxeClean(page, 'catalog with an upload refused');
    await page.screenshot({
      path: join(shots, 'catalog-upload-refused-desktop.png'),
      fullPage: true,
    });
  });

  test('no page tripped its content security policy', () => {
    assert.deepEqual(cspViolations, []);
  });
});
