import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLog } from '../../engine/src/generate/generate-log.js';
import { testIds } from '../../grafana-plugin/src/components/testIds.js';
import {
  type BrowserEnv,
  getJob,
  leakedValues,
  screenshot,
  signIn,
  startBrowserEnv,
  waitForJobState,
} from './support/index.js';

const UPLOAD_URL = '/a/outlier-anomaly-app/upload';
const PROXY = '/api/plugin-proxy/outlier-anomaly-app/engine';
/** The page's tus chunk size (`uploadFile`'s default). */
const CHUNK = 8 << 20;
/** How long to wait for a chunk to arrive: hashing and sending 8 MiB takes seconds on a busy machine. */
const SLOW = { timeout: 20_000 };

/** A log written by the engine's generator, with what the engine should report about it. */
interface LogFile {
  name: string;
  path: string;
  size: number;
  lines: number;
}

let env: BrowserEnv;
let dir: string;
let big: LogFile;
let small: Record<'pause' | 'offline' | 'reload' | 'keys', LogFile>;

/** Streams a generated log of about `bytes` to a file and counts its lines. */
function writeLog(name: string, bytes: number, seed: number): LogFile {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  let size = 0;
  let lines = 0;
  try {
    for (const chunk of generateLog({ bytes, seed, chunkBytes: 4 << 20 })) {
      writeSync(fd, chunk);
      size += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    }
  } finally {
    closeSync(fd);
  }
  return { name, path, size, lines };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outlier-upload-'));
  big = writeLog('shop-50mb.log', 50e6, 7);
  // Two chunks each: the first one is stored, the test decides what happens to the second.
  small = {
    pause: writeLog('pause.log', 12e6, 21),
    offline: writeLog('offline.log', 12e6, 22),
    reload: writeLog('reload.log', 12e6, 23),
    keys: writeLog('keyboard.log', 12e6, 24),
  };
  env = await startBrowserEnv();
}, 120_000);
afterAll(async () => {
  await env?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens the Upload page signed in as acme. */
async function openUploadPage(): Promise<Page> {
  const page = await env.newPage();
  // Playwright turns file-chooser interception on asynchronously: subscribing just before a click races it.
  page.on('filechooser', () => {});
  await page.goto(UPLOAD_URL);
  await signIn(page, env.keys.acme);
  await page.getByRole('button', { name: 'Choose files' }).waitFor();
  return page;
}

/** The row of an upload and its parts. */
function uploadRow(page: Page, name: string) {
  const row = page.getByRole('listitem', { name: `Upload of ${name}` });
  return {
    row,
    /** The progress bar's value (`aria-valuenow`), as assistive technology reads it. */
    async percent(): Promise<number> {
      return Number(
        await row.getByRole('progressbar', { name: `Progress of ${name}` }).getAttribute('aria-valuenow'),
      );
    },
    state: (text: string): Locator => row.getByText(text, { exact: true }),
  };
}

/** The page's hidden file input, behind "Choose files" (Playwright sets its files without a dialog). */
function fileInput(page: Page): Locator {
  return page.getByTestId(testIds.upload.fileInput);
}

/** The job id the engine gives the next upload the page creates. */
async function nextJobId(page: Page): Promise<string> {
  const created = await page.waitForResponse(
    (res) => res.request().method() === 'POST' && res.url().endsWith(`${PROXY}/api/v1/uploads`),
  );
  expect(created.status()).toBe(201);
  return ((await created.json()) as { job_id: string }).job_id;
}

/** The engine's offset of an upload, from its API (not the page's). */
async function engineOffset(jobId: string): Promise<number> {
  const res = await env.engine.api('acme', `/api/v1/uploads/${jobId}`, {
    method: 'HEAD',
    headers: { 'Tus-Resumable': '1.0.0' },
  });
  return Number(res.headers.get('Upload-Offset'));
}

/** The `Upload-Offset` of every chunk the page sends, and the offset the engine answers with. */
function recordPatches(page: Page) {
  const sent: number[] = [];
  const stored: number[] = [];
  const isPatch = (req: Request) =>
    req.method() === 'PATCH' && req.url().includes(`${PROXY}/api/v1/uploads/`);
  page.on('request', (req) => {
    if (isPatch(req)) sent.push(Number(req.headers()['upload-offset']));
  });
  page.on('response', (res) => {
    if (isPatch(res.request()) && res.status() === 204) stored.push(Number(res.headers()['upload-offset']));
  });
  return {
    sent,
    stored,
    clear() {
      sent.length = 0;
      stored.length = 0;
    },
  };
}

/**
 * Lets the first `pass` chunks of the page's uploads through and holds later ones (the browser waits for an
 * answer) until `release()` lets the oldest go or `open()` all, so a test can look at or interrupt an upload at
 * a known offset.
 */
async function holdChunks(page: Page, pass: number) {
  let seen = 0;
  let isOpen = false;
  let held = 0;
  const waiting: Array<() => void> = [];
  await page.route(`**${PROXY}/api/v1/uploads/*`, async (route) => {
    if (route.request().method() !== 'PATCH' || isOpen || seen++ < pass) {
      await route.continue();
      return;
    }
    held++;
    await new Promise<void>((resolve) => waiting.push(resolve));
    // A paused or reloaded page has given the request up meanwhile.
    await route.continue().catch(() => {});
  });
  return {
    /** Chunks held so far (released or not). */
    held: () => held,
    release() {
      waiting.shift()?.();
    },
    open() {
      isOpen = true;
      for (const release of waiting.splice(0)) release();
    },
  };
}

/** A string matched literally inside a regular expression. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `target` has the keyboard focus. */
async function isFocused(page: Page, target: Locator): Promise<boolean> {
  return (await target.and(page.locator(':focus')).count()) === 1;
}

/** Presses Tab until `target` has the focus; fails when it is not reached in `max` presses. */
async function tabTo(page: Page, target: Locator, max = 30): Promise<number> {
  for (let presses = 1; presses <= max; presses++) {
    await page.keyboard.press('Tab');
    if (await isFocused(page, target)) return presses;
  }
  throw new Error(`${target} was not reached with ${max} presses of Tab`);
}

/** Lines of a page that show a raw stack trace or an error's class name instead of words. */
async function stackTraces(page: Page): Promise<string[]> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's rendered text, not the DOM property.
  const text = await page.locator('body').innerText();
  return text
    .split('\n')
    .filter((line) => /^\s*at .+:\d+:\d+\)?$|\b(Type|Reference|Syntax|Range)Error\b/.test(line));
}

/** Controls in an aria snapshot that have no accessible name (`- button` instead of `- button "Pause x"`). */
async function unnamedControls(scope: Locator): Promise<string[]> {
  const snapshot = await scope.ariaSnapshot();
  return snapshot
    .split('\n')
    .filter((line) =>
      /^\s*- (button|textbox|checkbox|switch|radio|link|progressbar|combobox)\b(?! ")/.test(line),
    );
}

describe('the Upload page in Chromium', () => {
  it('sends a 50 MB log in chunks with its options, shows progress, speed and time left, then its job', async () => {
    const page = await openUploadPage();
    expect(await page.title()).toBe('Upload · Outlier');
    await page.getByLabel('Session key').fill('trace_id');
    await page.getByLabel('Service').fill('shop');
    await screenshot(page, 'upload-options');

    const patches = recordPatches(page);
    // Each chunk waits until the page has been looked at, so that every step of the progress is seen.
    const gate = await holdChunks(page, 0);
    const [jobId] = await Promise.all([nextJobId(page), fileInput(page).setInputFiles(big.path)]);
    const row = uploadRow(page, big.name);
    const figures = row.row.getByText(/^[\d.]+% · /);
    const chunks = Math.ceil(big.size / CHUNK);
    expect(chunks).toBe(6);
    for (let stored = 0; stored < chunks; stored++) {
      await expect.poll(gate.held, SLOW).toBe(stored + 1);
      const percent = Math.floor(((stored * CHUNK) / big.size) * 1000) / 10;
      expect(await row.percent()).toBe(percent);
      await row.state('uploading').waitFor();
      const sent = `${percent}% · ${['0 B', '8.4 MB', '17 MB', '25 MB', '34 MB', '42 MB'][stored]} of 50 MB`;
      // Speed needs two points in time; from then on the time left is shown too.
      const pace =
        stored === 0 ? 'measuring speed…' : String.raw`[\d.]+ [kM]B/s · (\d+ s|\d+ min \d+ s) left`;
      expect(await figures.textContent()).toMatch(new RegExp(`^${escapeRegExp(sent)} · ${pace}$`));
      if (stored === 2) await screenshot(page, 'upload-uploading');
      gate.release();
    }
    await row.state('uploaded').waitFor();
    expect(await row.percent()).toBe(100);
    expect(await figures.textContent()).toBe('100% · 50 MB of 50 MB');
    // Every chunk went once, each at the offset the previous one ended at.
    expect(patches.sent).toEqual(Array.from({ length: chunks }, (_, n) => n * CHUNK));
    expect(patches.stored).toEqual(
      Array.from({ length: chunks }, (_, n) => Math.min(big.size, (n + 1) * CHUNK)),
    );

    const state = row.row.getByTestId(testIds.upload.jobState);
    await state.waitFor();
    expect(await state.getByRole('link', { name: 'Open in Jobs' }).getAttribute('href')).toBe(
      '/a/outlier-anomaly-app/jobs',
    );
    expect(await state.getByRole('link', { name: 'See its anomalies' }).getAttribute('href')).toBe(
      `/a/outlier-anomaly-app/explorer?job=${jobId}`,
    );

    const job = await getJob(env.engine, 'acme', jobId);
    expect(job).toMatchObject({ source: big.name, bytes_received: big.size, declared_size: big.size });
    expect(job).toMatchObject({ options: { session_key: 'trace_id', service: 'shop' } });
    const done = await waitForJobState(env.engine, 'acme', jobId, ['completed', 'failed'], 90_000);
    expect(done).toMatchObject({ status: 'completed', lines_processed: big.lines });
    await state.getByText('completed', { exact: true }).waitFor({ timeout: 10_000 });
    await state.getByText(`${big.lines.toLocaleString('en-US')} lines · `).waitFor();
    await screenshot(page, 'upload-done');
    expect(await leakedValues(page)).toEqual([]);
    expect(await stackTraces(page)).toEqual([]);

    await state.getByRole('link', { name: 'Open in Jobs' }).click();
    await page
      .getByRole('table')
      .getByRole('row', { name: new RegExp(big.name) })
      .waitFor();
    expect(env.problems(page)).toEqual([]);
  });

  it('pauses an upload: the engine keeps what it has and Resume goes on from there', async () => {
    const file = small.pause;
    const page = await openUploadPage();
    const gate = await holdChunks(page, 1);
    const patches = recordPatches(page);
    const [jobId] = await Promise.all([nextJobId(page), fileInput(page).setInputFiles(file.path)]);
    const row = uploadRow(page, file.name);
    await expect.poll(gate.held, SLOW).toBe(1);
    await expect.poll(row.percent, SLOW).toBe(Math.floor((CHUNK / file.size) * 1000) / 10);

    await row.row.getByRole('button', { name: `Pause ${file.name}` }).click();
    await row.state('paused').waitFor();
    // The chunk the page gave up never reaches the engine, even once the network lets it through.
    gate.open();
    expect(await engineOffset(jobId)).toBe(CHUNK);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await engineOffset(jobId)).toBe(CHUNK);
    expect(await row.row.getByRole('button', { name: `Pause ${file.name}` }).count()).toBe(0);
    await screenshot(page, 'upload-paused');
    expect(await leakedValues(page)).toEqual([]);

    patches.clear();
    await row.row.getByRole('button', { name: `Resume ${file.name}` }).click();
    await row.state('uploaded').waitFor();
    expect(patches.sent).toEqual([CHUNK]);
    expect(patches.stored).toEqual([file.size]);
    expect(await getJob(env.engine, 'acme', jobId)).toMatchObject({ bytes_received: file.size });
    const done = await waitForJobState(env.engine, 'acme', jobId, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', lines_processed: file.lines });
    expect(env.problems(page)).toEqual([]);
  });

  it('says in words that it waits while the browser is offline, and completes once it is back', async () => {
    const file = small.offline;
    const page = await openUploadPage();
    const gate = await holdChunks(page, 1);
    const [jobId] = await Promise.all([nextJobId(page), fileInput(page).setInputFiles(file.path)]);
    const row = uploadRow(page, file.name);
    await expect.poll(gate.held, SLOW).toBe(1);

    await page.context().setOffline(true);
    gate.open();
    await row.state('retrying').waitFor();
    // However long the network is down, no retry is spent: the upload waits for the browser to be online again.
    const message = row.row.getByText(
      'The browser is offline: the upload goes on by itself when the network is back.',
    );
    await message.waitFor();
    await screenshot(page, 'upload-retrying');
    expect(await engineOffset(jobId)).toBe(CHUNK);
    await page.context().setOffline(false);
    await row.state('uploaded').waitFor({ timeout: 30_000 });
    expect(await message.count()).toBe(0);
    expect(await getJob(env.engine, 'acme', jobId)).toMatchObject({ bytes_received: file.size });
    const done = await waitForJobState(env.engine, 'acme', jobId, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', lines_processed: file.lines });
    // Only the upload's own requests failed, while the network was down.
    const problems = env.problems(page);
    expect(problems.length).toBeGreaterThan(0);
    expect(
      problems.filter((p) => p !== `request failed: ${env.baseUrl}${PROXY}/api/v1/uploads/${jobId}`),
    ).toEqual([]);
  });

  it('lists an upload interrupted by a reload and continues it from the engine’s offset', async () => {
    const file = small.reload;
    const page = await openUploadPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.type());
      dialog.accept().catch(() => {});
    });
    const gate = await holdChunks(page, 1);
    const patches = recordPatches(page);
    await page.getByLabel('Service').fill('checkout');
    const [jobId] = await Promise.all([nextJobId(page), fileInput(page).setInputFiles(file.path)]);
    await expect.poll(gate.held, SLOW).toBe(1);

    await page.reload();
    // The browser asked before leaving a page that was sending.
    expect(dialogs).toEqual(['beforeunload']);
    const row = uploadRow(page, file.name);
    await row.state('waiting for the file').waitFor();
    await page.getByRole('alert').filter({ hasText: 'Unfinished uploads' }).waitFor();
    await row.row.getByText(`Resume: choose ${file.name} again.`).waitFor();
    expect(await row.percent()).toBe(Math.floor((CHUNK / file.size) * 1000) / 10);
    expect(await engineOffset(jobId)).toBe(CHUNK);
    await screenshot(page, 'upload-unfinished');
    expect(await leakedValues(page)).toEqual([]);

    gate.open();
    patches.clear();
    let creations = 0;
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().endsWith(`${PROXY}/api/v1/uploads`)) creations++;
    });
    const chooser = page.waitForEvent('filechooser');
    await row.row.getByRole('button', { name: `Choose ${file.name} again` }).click();
    await (await chooser).setFiles(file.path);
    await row.state('uploaded').waitFor();
    // The same upload went on where the engine had stopped: one chunk, from 8 MiB, no new upload.
    expect(patches.sent).toEqual([CHUNK]);
    expect(patches.stored).toEqual([file.size]);
    expect(creations).toBe(0);
    expect(await getJob(env.engine, 'acme', jobId)).toMatchObject({
      bytes_received: file.size,
      options: { service: 'checkout' },
    });
    const done = await waitForJobState(env.engine, 'acme', jobId, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', lines_processed: file.lines });
    expect(await page.getByRole('alert').filter({ hasText: 'Unfinished uploads' }).count()).toBe(0);
    expect(env.problems(page)).toEqual([]);
  });

  it('refuses a bad session key before sending, and shows the engine’s refusal of a binary file in words', async () => {
    const page = await openUploadPage();
    let creations = 0;
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().endsWith(`${PROXY}/api/v1/uploads`)) creations++;
    });
    const input = fileInput(page);
    await page.getByLabel('Session key').fill('/trace-(\\d+/');
    await page
      .getByText('/trace-(\\d+/ is not a valid regular expression: unterminated group.')
      .first()
      .waitFor();
    await input.setInputFiles(small.pause.path);
    const refused = page.getByRole('alert').filter({ hasText: 'Fix the options before adding files' });
    await refused.waitFor();
    expect(await refused.textContent()).toContain('is not a valid regular expression');
    expect(await page.getByRole('listitem', { name: `Upload of ${small.pause.name}` }).count()).toBe(0);
    expect(creations).toBe(0);
    await screenshot(page, 'upload-refused-options');

    await page.getByLabel('Session key').fill('');
    const binary = join(dir, 'core-dump.log');
    writeFileSync(binary, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]), randomBytes(200_000)]));
    const [jobId] = await Promise.all([nextJobId(page), input.setInputFiles(binary)]);
    expect(creations).toBe(1);
    const row = uploadRow(page, 'core-dump.log');
    await row.state('refused').waitFor();
    expect(await row.row.getByRole('alert').textContent()).toBe(
      'The engine refused core-dump.log: this is not a text log (it contains NUL bytes).',
    );
    // The same file would be refused again: it can only be removed from the list.
    expect(await row.row.getByRole('button', { name: 'Retry core-dump.log' }).count()).toBe(0);
    expect(await row.row.getByRole('button', { name: 'Cancel core-dump.log' }).count()).toBe(0);
    await row.row.getByRole('button', { name: 'Remove core-dump.log from the list' }).waitFor();
    await screenshot(page, 'upload-error');
    expect(await leakedValues(page)).toEqual([]);
    expect(await stackTraces(page)).toEqual([]);
    expect(await getJob(env.engine, 'acme', jobId)).toMatchObject({ status: 'failed' });
    // The engine's 415 is the page's only failed request.
    expect(env.problems(page)).toEqual([`HTTP 415 ${env.baseUrl}${PROXY}/api/v1/uploads/${jobId}`]);
  });

  it('is usable with the keyboard alone: labelled options, the file chooser and each upload’s buttons', async () => {
    const file = small.keys;
    const page = await openUploadPage();
    const gate = await holdChunks(page, 1);
    expect(await unnamedControls(page.getByTestId(testIds.upload.container))).toEqual([]);

    // From the page's heading, Tab walks the options in order, then the file chooser.
    await page.getByRole('heading', { name: 'Upload', level: 1 }).click();
    await page.getByRole('radiogroup', { name: 'Format' }).waitFor();
    const auto = page.getByRole('radio', { name: 'Auto' });
    expect(await tabTo(page, auto)).toBe(1);
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('radio', { name: 'JSON' }).isChecked()).toBe(true);
    // What the chosen format means is written under it, for the keyboard as for the mouse.
    await page.getByText('How each line is parsed: one JSON object per line.').waitFor();
    await page.keyboard.press('ArrowLeft');
    expect(await auto.isChecked()).toBe(true);
    await page.getByText('How each line is parsed: detected from the first lines.').waitFor();
    expect(await tabTo(page, page.getByRole('textbox', { name: 'Session key' }))).toBe(1);
    await page.keyboard.type('trace_id');
    expect(await tabTo(page, page.getByRole('textbox', { name: 'Service' }))).toBe(1);
    await page.keyboard.type('payments');
    const retrain = page.getByLabel('Retrain');
    expect(await tabTo(page, retrain)).toBe(1);
    await page.keyboard.press('Space');
    expect(await retrain.isChecked()).toBe(true);
    expect(await tabTo(page, page.getByRole('button', { name: 'Choose files' }))).toBe(1);
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Enter');
    const [jobId] = await Promise.all([nextJobId(page), (await chooser).setFiles(file.path)]);
    await expect.poll(gate.held, SLOW).toBe(1);

    const row = uploadRow(page, file.name);
    await row.row.getByText('format detected · session trace_id · service payments · retrain').waitFor();
    expect(await unnamedControls(row.row)).toEqual([]);
    const button = (name: string) => row.row.getByRole('button', { name: `${name} ${file.name}` });
    expect(await tabTo(page, button('Pause'))).toBe(1);
    await page.keyboard.press('Enter');
    await row.state('paused').waitFor();
    // The focus stays on the button, which has become Resume (and back).
    expect(await isFocused(page, button('Resume'))).toBe(true);
    // Nothing left open over the form by the keyboard's way through it.
    expect(await page.getByRole('tooltip').count()).toBe(0);
    await screenshot(page, 'upload-keyboard');
    await page.keyboard.press('Enter');
    await row.state('uploading').waitFor();
    expect(await isFocused(page, button('Pause'))).toBe(true);
    expect(await tabTo(page, button('Cancel'))).toBe(1);
    await page.keyboard.press('Enter');
    await row.state('cancelled').waitFor();
    expect(await waitForJobState(env.engine, 'acme', jobId, ['cancelled'], 10_000)).toMatchObject({
      status: 'cancelled',
    });
    expect(
      await isFocused(page, row.row.getByRole('button', { name: `Remove ${file.name} from the list` })),
    ).toBe(true);
    await page.keyboard.press('Enter');
    await row.row.waitFor({ state: 'detached' });
    expect(env.problems(page)).toEqual([]);
  });
});
