import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from '../../cli-helpers.js';

/** Where {@link screenshot} saves PNGs (git-ignored). */
export const SCREENSHOT_DIR = join(ROOT, 'tests', 'browser', 'screenshots');

/** Words that must never reach a user: what a page shows when it prints a missing value. */
const LEAKED_VALUES = /\b(undefined|null|NaN)\b/;

/**
 * Signs in on the standalone sign-in form at whatever page is open (opening `/` first when none is), then waits
 * for the app's nav.
 */
export async function signIn(page: Page, key: string): Promise<void> {
  if (page.url() === 'about:blank') await page.goto('/');
  const field = page.getByLabel('API key');
  await field.waitFor();
  await field.fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Outlier pages' }).waitFor();
}

/** Signs out with the header's button and waits for the sign-in form. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
}

/** Saves a full-page PNG as `tests/browser/screenshots/<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // Transitions finish at once, so a button is not caught halfway between two states.
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/** The page's visible text, for checking that no `undefined`, `null` or `NaN` shows. */
export async function leakedValues(page: Page): Promise<string[]> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's rendered text, not the DOM property.
  const text = await page.locator('body').innerText();
  return text.split('\n').filter((line) => LEAKED_VALUES.test(line));
}
