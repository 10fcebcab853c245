// The API reference at /docs in Debian's Chromium, under the CSP the service
// sends with it: the reference draws the operations from /openapi.json, an
// opened operation shows its request body example (not a placeholder made up
// from the types), and nothing on the page trips the policy.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkip, launchChromium, VIEWPORTS } from '../support/browser.ts';
import { startService, type StartedService } from '../support/start.ts';

describe('the API reference in a browser', { skip: browserSkip }, () => {
  let service: StartedService;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

  before(async () => {
    service = await startService();
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    // Generous: the suite may share two busy cores with other browsers.
    context.setDefaultTimeout(60_000);
    page = await context.newPage();
    // Both the console's report and the DOM event: a violation a script
    // catches (a feature probe) still fires the event.
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.addInitScript(`document.addEventListener('securitypolicyviolation', (event) => {
      console.error('Content Security Policy: ' + event.effectiveDirective + ' ' + event.blockedURI);
    });`);
  });
  after(async () => {
    await browser?.close();
    await service?.close();
  });

  test('draws an operation with its request body example, under the page’s own CSP', async () => {
    const response = await page.goto(`${service.url}/docs`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self' 'nonce-/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);

    const signIn = page.locator('#operations-auth-signIn');
    await signIn.locator('button.opblock-summary-control').click();
    const body = signIn.locator('.opblock-section-request-body');
    // The example the schema declares, not one made up from the types.
    await body.getByText('plum-kettle-harbour-42').waitFor();
    const shown =
      (await body.locator('.body-param__example, .microlight').first().textContent()) ?? '';
    assert.ok(shown.includes('"email": "ann@example.com"'), shown);
    assert.ok(!shown.includes('"string"'), shown);

    assert.deepEqual(cspViolations, []);
  });
});
