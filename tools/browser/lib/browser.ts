// A real browser for the portal's tests: Debian's Chromium driven by playwright-core (nothing
// downloaded), and the WCAG 2.1 AA checks of axe-core run inside each page.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser; `CHROMIUM_PATH` overrides. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Starts a headless Chromium (without the sandbox when run as root, which Chromium demands). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  const root = process.getuid?.() === 0;
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: root ? ['--no-sandbox'] : [],
  });
}

/** The WCAG 2.1 A and AA rules of axe-core (and 2.0's, which 2.1 includes). */
export const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** One axe violation, in a form a failed assertion prints readably. */
export interface AccessibilityViolation {
  readonly rule: string;
  readonly impact: string | null | undefined;
  readonly help: string;
  readonly targets: readonly string[];
}

/** The WCAG 2.1 AA violations axe-core finds in the page as it is now. */
export async function accessibilityViolations(page: Page): Promise<AccessibilityViolation[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  return results.violations.map((violation) => ({
    rule: violation.id,
    impact: violation.impact,
    help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(' ')),
  }));
}

/**
 * Asserts that the page has no WCAG 2.1 AA violation. Every browser test calls it on every page
 * it reaches, after the page settled.
 */
export async function expectAccessible(page: Page): Promise<void> {
  const violations = await accessibilityViolations(page);
  expect({ url: page.url(), violations }).toEqual({ url: page.url(), violations: [] });
}

/**
 * Saves a screenshot of the page as `<name>.png` when `PORTAL_SCREENSHOTS` names a folder
 * (`docs/portal` refreshes the README's pictures); does nothing otherwise.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env['PORTAL_SCREENSHOTS'];
  if (dir === undefined || dir === '') return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
