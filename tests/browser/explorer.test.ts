import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../../engine/src/model/detection.js';
import { testIds } from '../../grafana-plugin/src/components/testIds.js';
import {
  type BrowserEnv,
  type BrowserTenant,
  type EngineServer,
  generatedLog,
  leakedValues,
  SCREENSHOT_DIR,
  screenshot,
  signIn,
  startBrowserEnv,
  waitForJobState,
} from './support/index.js';

const JOBS_URL = '/a/outlier-anomaly-app/jobs';
const EXPLORER_URL = '/a/outlier-anomaly-app/explorer';
const ADMIN_KEY = 'explorer-admin-key-0123456789abcdef';
const SLOW = { timeout: 20_000 };

/** A detection as the anomalies API lists it. */
type Listed = Detection & { job_id: string | null };
interface ListPage {
  items: Listed[];
  next_cursor: string | null;
}

/**
 * Uploads a log with `session_key=trace_id` (a form field before the file), so sessions are scored too, and θ = 0.4
 * (θ is per run), so that the anomalies fill more than a page.
 */
async function processWithSessions(
  engine: EngineServer,
  tenant: BrowserTenant,
  filename: string,
  body: Buffer,
): Promise<string> {
  const form = new FormData();
  form.append('session_key', 'trace_id');
  form.append('threshold', '0.4');
  form.append('file', new Blob([new Uint8Array(body)]), filename);
  const res = await engine.api(tenant, '/api/v2/process', { method: 'POST', body: form });
  if (res.status !== 202) throw new Error(`process ${filename}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { job_id: string }).job_id;
}

/** The engine's own answer for a query of the anomalies API. */
async function listed(query: Record<string, string>): Promise<ListPage> {
  const res = await env.engine.api('acme', `/api/v1/anomalies?${new URLSearchParams(query)}`);
  if (!res.ok) throw new Error(`anomalies ${JSON.stringify(query)}: ${res.status} ${await res.text()}`);
  return (await res.json()) as ListPage;
}

/** Every page of a query, following the cursor. */
async function listedAll(query: Record<string, string>): Promise<Listed[]> {
  const all: Listed[] = [];
  let cursor: string | null = null;
  do {
    const page: ListPage = await listed(cursor ? { ...query, cursor } : query);
    all.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

/** A row as the table shows it: service, score and the template or explanation (the time depends on the zone). */
function rowOf(d: Detection): string {
  const summary = d.template?.trim() ? d.template : d.explanation;
  return [d.service ?? 'no service', d.score.toFixed(3), summary].join(' | ');
}

const ROW = `[data-testid="${testIds.explorer.row}"]`;
const rows = (page: Page): Locator => page.getByTestId(testIds.explorer.row);

/** The rows on the page, in the form of {@link rowOf}. */
async function shownRows(page: Page): Promise<string[]> {
  // An expression: the tests' TypeScript has no DOM types; the page has.
  return page.evaluate<string[]>(`Array.from(document.querySelectorAll(${JSON.stringify(ROW)}), (tr) => {
    const cells = Array.from(tr.querySelectorAll('td'), (td) => td.textContent.trim());
    return [cells[1], cells[3], cells[5]].join(' | ');
  })`);
}

/** Waits until the table settles on `expected` (the first `limit` of them). */
async function expectRows(page: Page, expected: Detection[], limit = 50): Promise<void> {
  await expect.poll(() => shownRows(page), SLOW).toEqual(expected.slice(0, limit).map(rowOf));
}

/** What must never reach a user: printed missing values, objects, stack traces. */
async function expectCleanText(page: Page): Promise<void> {
  expect(await leakedValues(page)).toEqual([]);
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's rendered text, not the DOM property.
  const text = await page.locator('body').innerText();
  expect(text).not.toContain('[object Object]');
  expect(text).not.toMatch(/^\s*at .+:\d+:\d+\)?$/m);
}

/** Saves what the window shows (a drawer covers the window, not the whole page) as `screenshots/<name>.png`. */
async function windowScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), animations: 'disabled' });
}

/** A page signed in as acme, showing `url`. */
async function signedIn(url: string, key: string = env.keys.acme): Promise<Page> {
  const page = await env.newPage();
  await page.goto(url);
  await signIn(page, key);
  return page;
}

const explorerOfJob = () => `${EXPLORER_URL}?job=${jobId}`;

let env: BrowserEnv;
let jobId: string;
/** The job's anomalies as the engine sorts them by score. */
let byScore: Listed[];

beforeAll(async () => {
  env = await startBrowserEnv({ env: { OUTLIER_ADMIN_KEY: ADMIN_KEY } });
  // Two hours of a shop's logs with its incidents: the first upload of shop.log trains on it and scores it.
  jobId = await processWithSessions(env.engine, 'acme', 'shop.log', generatedLog(40_000, 7));
  const job = await waitForJobState(env.engine, 'acme', jobId, ['completed']);
  const { summary } = (await (await env.engine.api('acme', `/api/v1/jobs/${jobId}`)).json()) as {
    summary: { sessions: number };
  };
  expect(summary.sessions).toBeGreaterThan(0);
  byScore = await listedAll({ job: jobId, sort: 'score_desc', limit: '200' });
  expect(byScore.length).toBe(job.anomalies_found);
  // Enough for a second page, and every kind of evidence the drawer shows.
  expect(byScore.length).toBeGreaterThan(50);
}, 180_000);
afterAll(async () => {
  await env?.close();
});

describe('the anomaly explorer in Chromium', () => {
  it('opens a job’s anomalies from the Jobs page, sorted by score, with the chart and more pages', async () => {
    const page = await signedIn(JOBS_URL);
    const link = page.locator(`a[href$="job=${jobId}"]`);
    await link.waitFor();
    expect(await link.getAttribute('aria-label')).toBe(`${byScore.length} anomalies of shop.log`);
    await link.click();
    await page.waitForURL(`**${explorerOfJob()}`);
    await expect.poll(() => page.title()).toBe('Explorer · Outlier');
    await expectRows(page, byScore);
    await expect
      .poll(() => page.getByRole('columnheader', { name: 'Score' }).getAttribute('aria-sort'))
      .toBe('descending');

    // The score over time is drawn, over the range the job's lines span.
    const chart = page.getByTestId(testIds.explorer.chart);
    await chart.getByText(`${byScore.length} anomalies over this time range`, { exact: false }).waitFor(SLOW);
    const canvas = chart.locator('canvas').first();
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(100);
    expect(box?.height ?? 0).toBeGreaterThan(100);
    await screenshot(page, 'explorer-job');

    // "Load more" continues the same order until the engine has no more.
    while (await page.getByTestId(testIds.explorer.loadMore).isVisible()) {
      const before = await rows(page).count();
      await page.getByTestId(testIds.explorer.loadMore).click();
      await expect.poll(() => rows(page).count()).toBeGreaterThan(before);
    }
    await expectRows(page, byScore, byScore.length);
    expect(page.url()).toBe(`${env.baseUrl}${explorerOfJob()}`);
    await expectCleanText(page);
    expect(env.problems(page)).toEqual([]);
  });

  it('filters by severity, service and text: the URL and the rows follow, as the API answers them', async () => {
    const page = await signedIn(explorerOfJob());
    await expectRows(page, byScore);
    const filters = page.getByTestId(testIds.explorer.filters);
    const base = { job: jobId, sort: 'score_desc', limit: '50' };

    // Grafana's checkbox draws its box over the input: a user clicks the label.
    await filters
      .locator('label')
      .filter({ hasText: /^critical$/ })
      .click();
    await page.waitForURL((url) => url.searchParams.get('severity') === 'critical');
    const critical = await listed({ ...base, severity: 'critical' });
    expect(critical.items.length).toBeGreaterThan(0);
    expect(critical.items.length).toBeLessThan(byScore.length);
    await expectRows(page, critical.items);

    const service = critical.items[0].service;
    if (service === null) throw new Error('the top critical anomaly has no service');
    const picker = page.getByLabel('Service', { exact: true });
    await picker.click();
    await picker.fill(service);
    await page.getByRole('option', { name: service, exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('service') === service);
    const ofService = await listed({ ...base, severity: 'critical', service });
    expect(ofService.items.every((d) => d.service === service)).toBe(true);
    await expectRows(page, ofService.items);

    // A word of the top anomaly's explanation narrows the rows to those that mention it.
    const word = ofService.items[0].explanation.split(/\W+/).find((w) => w.length > 5 && w !== service) ?? '';
    expect(word).not.toBe('');
    await page.getByLabel('Search').fill(word);
    await page.getByLabel('Search').press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === word);
    const withText = await listed({ ...base, severity: 'critical', service, q: word });
    expect(withText.items.length).toBeGreaterThan(0);
    await expectRows(page, withText.items);
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toEqual({
      job: jobId,
      service,
      severity: 'critical',
      q: word,
    });
    await screenshot(page, 'explorer-filtered');
    await expectCleanText(page);

    // Nothing matches: the empty state says so and clears the filters but keeps the job.
    await page.getByLabel('Search').fill('no-such-text-in-any-anomaly');
    await page.getByLabel('Search').press('Enter');
    await page.getByText('Nothing matches these filters in this time range.').waitFor(SLOW);
    expect(await rows(page).count()).toBe(0);
    // The job's view keeps the span of its anomalies rather than falling back to the last 24 hours.
    const range = page.getByRole('button', { name: /^Time range selected/ });
    expect(await range.getAttribute('aria-label')).toMatch(/2026-11-22 \d\d:\d\d:00 to 2026-11-22/);
    await screenshot(page, 'explorer-empty');
    await expectCleanText(page);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL(`**${explorerOfJob()}`);
    await expectRows(page, byScore);
    expect(env.problems(page)).toEqual([]);
  });

  it('sorts by time with the Time header, newest then oldest first', async () => {
    const page = await signedIn(explorerOfJob());
    await expectRows(page, byScore);
    const header = page.getByRole('columnheader', { name: 'Time' });
    await header.getByRole('button').click();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'time_desc');
    await expectRows(page, (await listed({ job: jobId, sort: 'time_desc', limit: '50' })).items);
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    await header.getByRole('button').click();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'time_asc');
    await expectRows(page, (await listed({ job: jobId, sort: 'time_asc', limit: '50' })).items);
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    expect(env.problems(page)).toEqual([]);
  });

  it('opens an anomaly with the keyboard: explanation, observed and expected, samples, feedback', async () => {
    // The highest-scored anomaly with a measured value and sample lines.
    const index = byScore.findIndex(
      (d) => d.observed !== null && d.expected !== null && d.samples.length > 0,
    );
    expect(index).toBeGreaterThanOrEqual(0);
    expect(index).toBeLessThan(50);
    const d = byScore[index];
    const page = await signedIn(explorerOfJob());
    await expectRows(page, byScore);

    await rows(page).nth(index).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('anomaly') === d.id);
    const drawer = page.getByRole('dialog');
    await drawer.getByTestId(testIds.explorer.drawer).waitFor();
    const why = drawer.getByRole('region', { name: 'Why it is an anomaly' });
    expect(await why.textContent()).toContain(d.explanation);
    const values = drawer.getByRole('region', { name: 'Observed and expected' });
    const observed = values.getByRole('row', { name: /^Observed/ });
    expect(await observed.textContent()).toContain((d.observed ?? Number.NaN).toLocaleString('en-US'));
    expect(
      await values
        .getByRole('row', { name: /^Expected\b/ })
        .first()
        .textContent(),
    ).toContain((d.expected ?? Number.NaN).toLocaleString('en-US', { maximumFractionDigits: 4 }));
    const samples = drawer.getByRole('region', { name: 'Sample lines' });
    expect(await samples.textContent()).toContain(d.samples[0]);
    await windowScreenshot(page, 'explorer-drawer');
    await expectCleanText(page);

    await drawer.getByRole('button', { name: 'Not an anomaly' }).click();
    const done = drawer.getByRole('status').filter({ hasText: 'Verdict recorded' });
    await done.waitFor();
    expect(await done.textContent()).toContain('Outlier will not flag this pattern again');
    await done.scrollIntoViewIfNeeded();
    await windowScreenshot(page, 'explorer-feedback');

    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    expect(new URL(page.url()).searchParams.has('anomaly')).toBe(false);
    expect(env.problems(page)).toEqual([]);
  });

  it('labels every filter and reaches the time picker, filters, rows and drawer buttons with Tab', async () => {
    const page = await signedIn(explorerOfJob());
    await expectRows(page, byScore);
    for (const name of ['Service', 'Source', 'Job', 'Kind', 'Search'])
      expect(await page.getByLabel(name, { exact: true }).count(), name).toBe(1);
    for (const severity of ['low', 'medium', 'high', 'critical'])
      expect(await page.getByRole('checkbox', { name: severity, exact: true }).count(), severity).toBe(1);

    const focused = () =>
      page.evaluate<string>(`(() => {
        const el = document.activeElement;
        if (!el) return '';
        if (el.getAttribute('data-testid') === ${JSON.stringify(testIds.explorer.row)}) return 'row';
        const label = el.labels && el.labels[0] ? el.labels[0].textContent : '';
        return (el.getAttribute('aria-label') || label || el.getAttribute('title') || el.textContent || '').trim();
      })()`);
    await page.locator('body').focus();
    const reached: string[] = [];
    for (let i = 0; i < 40 && !reached.includes('row'); i++) {
      await page.keyboard.press('Tab');
      reached.push(await focused());
    }
    expect(reached).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Time range selected/),
        'Service',
        'Source',
        'Job',
        'Kind',
        'critical',
        'Search',
        'row',
      ]),
    );

    await page.keyboard.press('Enter');
    const drawer = page.getByRole('dialog');
    await drawer.getByTestId(testIds.explorer.drawer).waitFor();
    const inDrawer: string[] = [];
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press('Tab');
      inDrawer.push(await focused());
    }
    expect(inDrawer).toEqual(expect.arrayContaining(['Not an anomaly', 'Confirmed', 'Copy LogQL']));
    // With no tooltip open (hovered or focused): the first Escape closes an open tooltip, as in Grafana.
    await page.mouse.move(10, 400);
    await drawer.getByRole('button', { name: 'Not an anomaly' }).focus();
    await page.getByRole('tooltip').waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    // Back where the keyboard was: on the row it opened.
    expect(await focused()).toBe('row');
    expect(env.problems(page)).toEqual([]);
  });

  it('asks for a key again once the key is revoked, and says in words when the engine cannot be reached', async () => {
    const admin = { 'X-API-Key': ADMIN_KEY };
    const created = await fetch(`${env.baseUrl}/api/v1/admin/tenants/acme/keys`, {
      method: 'POST',
      headers: admin,
    });
    expect(created.status).toBe(201);
    const { key, key_id } = (await created.json()) as { key: string; key_id: string };
    const page = await signedIn(explorerOfJob(), key);
    await expectRows(page, byScore);

    const revoked = await fetch(`${env.baseUrl}/api/v1/admin/keys/${key_id}`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(revoked.status).toBe(204);
    // The session's key no longer opens the engine: the sign-in form comes back, and leads to the same view.
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByLabel('API key').waitFor(SLOW);
    await screenshot(page, 'explorer-signed-out');
    await signIn(page, env.keys.acme);
    expect(page.url()).toBe(`${env.baseUrl}${explorerOfJob()}`);
    await expectRows(page, byScore);

    // The engine's answers do not arrive: one error, in words, not the chart's too.
    await page.route('**/api/v1/anomalies?**', (route) => route.abort('aborted'));
    await page.getByRole('button', { name: 'Refresh' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'The anomalies could not be loaded' });
    await alert.waitFor(SLOW);
    expect(await alert.textContent()).toContain('cannot be reached');
    expect(await page.getByRole('alert').count()).toBe(1);
    await screenshot(page, 'explorer-error');
    await expectCleanText(page);
    expect(env.problems(page)).toEqual([]);
  });
});
