// A real browser for end-to-end tests: Debian's Chromium driven by
// playwright-core (the driver only; it downloads no browser of its own).
// One browser per test file, reused by every test in it; each signed-in user
// gets a context of its own (separate cookies). Suites skip, saying why,
// where the machine has no Chromium.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** `false` when Chromium is there, else the reason the browser suites skip. */
export const browserSkip: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : `no browser at ${CHROMIUM_PATH} (apt-get install chromium; .ci/run installs it)`;

/**
 * Headless Chromium with nothing running in the background that could make
 * a run slower or different from the last: no GPU, QUIC, sync, component
 * updates or first-run pages. Playwright starts it on a fresh temporary
 * profile (its own --user-data-dir) and removes the profile on close.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

/** Where screenshots go (gitignored): test-results/<suite>/. */
export async function screenshotDir(suite: string): Promise<string> {
  const dir = join(import.meta.dirname, '..', '..', 'test-results', suite);
  await mkdir(dir, { recursive: true });
  return dir;
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: readonly string[];
}

const axeSource = (async () => (await import('axe-core')).default.source)();

/**
 * Runs axe-core in the page and returns its violations. The script goes in
 * through the DevTools protocol, which the page's CSP does not govern, so
 * the page is checked under its real policy.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(await axeSource);
  return page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((result) =>
    result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    })))`);
}
