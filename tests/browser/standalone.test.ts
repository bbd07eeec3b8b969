import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserEnv,
  leakedValues,
  processLog,
  screenshot,
  signIn,
  signOut,
  startBrowserEnv,
  startPartialUpload,
  waitForJobState,
} from './support/index.js';

const JOBS_URL = '/a/outlier-anomaly-app/jobs';

let env: BrowserEnv;
beforeAll(async () => {
  env = await startBrowserEnv();
}, 120_000);
afterAll(async () => {
  await env?.close();
});

describe('the standalone pages in Chromium', () => {
  it('refuses a wrong API key with a clear message on the sign-in form', async () => {
    const page = await env.newPage();
    await page.goto('/');
    await page.getByLabel('API key').waitFor();
    await screenshot(page, 'sign-in');
    await page.getByLabel('API key').fill('not-a-key-of-this-engine');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Sign-in failed' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('This API key was not accepted by the engine');
    await screenshot(page, 'sign-in-wrong-key');
    // Still signed out: the app's API answers 401 to this browser.
    const status = await page.evaluate(async () => (await fetch('/ui/session')).status);
    expect(status).toBe(401);
    expect(await leakedValues(page)).toEqual([]);
  });

  it('lists the jobs, cancels a running one, and signs out', async () => {
    const done = await processLog(env.engine, 'acme', 'shop.log');
    await waitForJobState(env.engine, 'acme', done, ['completed']);
    const running = await startPartialUpload(env.engine, 'acme', 'checkout.log');
    await processLog(env.engine, 'globex', 'other-tenant.log');

    const page = await env.newPage();
    await page.goto(JOBS_URL);
    await signIn(page, env.keys.acme);
    expect(page.url()).toBe(`${env.baseUrl}${JOBS_URL}`);
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    const table = page.getByRole('table');
    await table.getByRole('row', { name: /shop\.log/ }).waitFor();
    await expect(table.getByRole('row', { name: /shop\.log/ }).textContent()).resolves.toMatch(/completed/);
    await table.getByRole('row', { name: /checkout\.log/ }).waitFor();
    // Another tenant's job never shows.
    expect(await table.getByText('other-tenant.log').count()).toBe(0);
    expect(await page.title()).toBe('Jobs · Outlier');
    await screenshot(page, 'jobs');

    await page.getByRole('button', { name: 'Cancel checkout.log' }).click();
    await table
      .getByRole('row', { name: /checkout\.log/ })
      .getByText('cancelled')
      .waitFor();
    await waitForJobState(env.engine, 'acme', running, ['cancelled'], 10_000);
    expect(await page.getByRole('button', { name: 'Cancel checkout.log' }).count()).toBe(0);
    await screenshot(page, 'jobs-cancelled');
    expect(await leakedValues(page)).toEqual([]);

    // A reload keeps the session (HttpOnly cookie) and the page.
    await page.reload();
    await table.getByRole('row', { name: /shop\.log/ }).waitFor();
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'outlier_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    expect(JSON.stringify(cookies)).not.toContain(env.keys.acme);
    // Expressions as text: the tests' TypeScript has no DOM types; the page has.
    expect(await page.evaluate<string>('document.cookie')).toBe('');

    await signOut(page);
    await screenshot(page, 'signed-out');
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/plugin-proxy/outlier-anomaly-app/engine/api/v1/jobs');
      return res.status;
    });
    expect(status).toBe(401);
    expect(env.problems(page)).toEqual([]);
  });

  it('opens every page of the nav from /, each with its title and without errors', async () => {
    const page = await env.newPage();
    await page.goto('/');
    await signIn(page, env.keys.acme);
    // `/` leads to the app's default page, as Grafana's nav does.
    await page.waitForURL(`**${JOBS_URL}`);
    const nav = page.getByRole('navigation', { name: 'Outlier pages' });
    const names = await nav.getByRole('link').allInnerTexts();
    expect(names).toContain('Jobs');
    for (const name of names) {
      await nav.getByRole('link', { name }).click();
      await expect.poll(() => nav.getByRole('link', { name }).getAttribute('aria-current')).toBe('page');
      await page.getByRole('heading', { level: 1 }).waitFor();
      await expect.poll(() => page.getByText(/^Loading/).count(), { timeout: 15_000 }).toBe(0);
      await screenshot(page, `page-${name.toLowerCase().replace(/\W+/g, '-')}`);
      expect(await leakedValues(page), name).toEqual([]);
    }
    expect(env.problems(page)).toEqual([]);
  });

  it('reaches the nav, the theme switch and sign-out with the keyboard', async () => {
    const page = await env.newPage();
    await page.goto(JOBS_URL);
    await signIn(page, env.keys.acme);
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    await page.locator('body').focus();
    const reached: string[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      reached.push(
        await page.evaluate<string>(
          "(document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent || '').trim()",
        ),
      );
    }
    expect(reached).toEqual(
      expect.arrayContaining(['Upload', 'Jobs', 'Explorer', 'Switch to the light theme', 'Sign out']),
    );
    await page.getByRole('link', { name: 'Explorer' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL('**/a/outlier-anomaly-app/explorer**');
  });

  it('shows the sign-in form when the session ends, and comes back to the same page', async () => {
    const page = await env.newPage();
    await page.goto(JOBS_URL);
    await signIn(page, env.keys.acme);
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    // As after a restart of the engine or an expired session: the cookie no longer opens anything.
    await page.context().clearCookies();
    await page.getByRole('link', { name: 'Upload' }).click();
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByText('Your session has ended').waitFor();
    await screenshot(page, 'session-ended');
    await signIn(page, env.keys.acme);
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    expect(page.url()).toBe(`${env.baseUrl}${JOBS_URL}`);
  });

  it('switches between the dark and the light theme, and remembers the choice', async () => {
    const page = await env.newPage();
    await page.goto(JOBS_URL);
    await signIn(page, env.keys.acme);
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    const background = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    const dark = await background();
    await page.getByRole('button', { name: 'Switch to the light theme' }).click();
    await expect.poll(background).not.toBe(dark);
    await page.reload();
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    expect(await background()).not.toBe(dark);
    await screenshot(page, 'jobs-light');
    expect(env.problems(page)).toEqual([]);
  });
});
