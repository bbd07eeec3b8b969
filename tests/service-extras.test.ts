import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { outlier } from './cli-helpers.js';
import { DEFAULT_FAKE_REPLY, startFakeOllama } from './fakes/ollama-server.js';
import { type EngineFixture, sampleLog, startEngine, waitForJob } from './support/engine.js';
import { type EngineProcess, freePort, startProcess } from './support/process.js';

describe('LLM explanations in the service', () => {
  let engine: EngineFixture | null = null;
  afterAll(async () => {
    await engine?.close();
  });

  it('stores the LLM’s explanation beside high and critical anomalies, without holding up the job', async () => {
    const ollama = await startFakeOllama({ models: ['llama3.2'], delayMs: 300 });
    try {
      engine = await startEngine({
        OLLAMA_HOST: ollama.url,
        OLLAMA_MODEL: 'llama3.2',
        OLLAMA_TIMEOUT_MS: '5000',
      });
      const res = await engine.request('acme', '/api/v2/process?source=llm.log', {
        method: 'POST',
        body: sampleLog(2000),
      });
      const { job_id } = (await res.json()) as { job_id: string };
      const started = Date.now();
      await waitForJob(engine, 'acme', job_id);
      expect(Date.now() - started).toBeLessThan(30_000);
      const ready = (await (await engine.request(null, '/readyz')).json()) as {
        dependencies: Record<string, { ok: boolean }>;
      };
      expect(ready.dependencies['llm:ollama']?.ok).toBe(true);
      const expected = JSON.parse(DEFAULT_FAKE_REPLY) as { explanation: string };
      const deadline = Date.now() + 10_000;
      let explained:
        | { llm_explanation: { text: string; model: string | null } | null; explanation: string }
        | undefined;
      while (!explained && Date.now() < deadline) {
        const page = (await (
          await engine.request('acme', `/api/v1/anomalies?job=${job_id}&severity=high,critical`)
        ).json()) as {
          items: { llm_explanation: { text: string; model: string | null } | null; explanation: string }[];
        };
        explained = page.items.find((d) => d.llm_explanation !== null);
        if (!explained) await new Promise((r) => setTimeout(r, 200));
      }
      expect(explained?.llm_explanation?.text).toBe(expected.explanation);
      expect(explained?.llm_explanation?.model).toBe('llama3.2');
      expect(explained?.explanation.length).toBeGreaterThan(10);
      const body = ollama.lastRequest;
      expect(JSON.stringify(body).length).toBeLessThan(8_000);
    } finally {
      await ollama.close();
    }
  });
});

describe('cancel', () => {
  let engine: EngineFixture | null = null;
  afterAll(async () => {
    await engine?.close();
  });

  it('stops a running job within a second and removes its chunk files', async () => {
    engine = await startEngine();
    const { existsSync, readFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { writeSyntheticLog } = await import('../engine/src/generate/synthetic-log.js');
    const path = join(mkdtempSync(join(tmpdir(), 'outlier-cancel-')), 'big.log');
    await writeSyntheticLog(path, { bytes: 40e6, seed: 3 });
    const res = await engine.request('acme', '/api/v2/process?source=big.log', {
      method: 'POST',
      body: readFileSync(path),
    });
    const { job_id } = (await res.json()) as { job_id: string };
    const status = async () =>
      (await (await engine?.request('acme', `/api/v1/jobs/${job_id}`))?.json()) as {
        status: string;
        lines_processed: number;
        chunks_processed: number;
      };
    while ((await status()).chunks_processed < 1) await new Promise((r) => setTimeout(r, 20));
    const cancel = await engine.request('acme', `/api/v2/cancel/${job_id}`, { method: 'POST' });
    expect(cancel.status).toBe(200);
    const at = (await status()).lines_processed;
    await new Promise((r) => setTimeout(r, 1000));
    const later = await status();
    expect(later.status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await status()).lines_processed).toBe(later.lines_processed);
    expect(later.lines_processed - at).toBeLessThan(200_000);
    expect(existsSync(join(engine.dataDir, 'uploads', job_id))).toBe(false);
  });
});

describe('the HTTP server', () => {
  let proc: EngineProcess | null = null;
  afterAll(async () => {
    await proc?.stop();
  });

  it('answers an oversized header with 431 and keeps serving', async () => {
    const port = await freePort();
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    proc = await startProcess('serve', {
      PORT: String(port),
      OUTLIER_DATA_DIR: mkdtempSync(join(tmpdir(), 'outlier-hdr-')),
      TENANT_API_KEYS: '{"t":"header-test-key-0123456789"}',
    });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/v1/jobs',
          headers: { 'X-API-Key': 'k', 'X-Big': 'x'.repeat(64 * 1024) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(431);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const noKey = await fetch(`http://127.0.0.1:${port}/api/v1/jobs`);
    expect(noKey.status).toBe(401);
  });

  it('takes a file from `outlier upload` and reports the finished job; refuses a bad key clearly', async () => {
    const port = await freePort();
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'outlier-upload-'));
    const server = await startProcess('serve', {
      PORT: String(port),
      OUTLIER_DATA_DIR: join(dir, 'data'),
      TENANT_API_KEYS: '{"t":"upload-test-key-0123456789"}',
    });
    try {
      const file = join(dir, 'app.log');
      writeFileSync(file, sampleLog(3000));
      const url = `http://127.0.0.1:${port}`;
      const ok = outlier([
        'upload',
        file,
        '--url',
        url,
        '--key',
        'upload-test-key-0123456789',
        '--service',
        'shop',
      ]);
      expect(ok.code).toBe(0);
      expect(ok.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
      expect(ok.stderr).toMatch(/completed: 3,000 lines/);
      const bad = outlier(['upload', file, '--url', url, '--key', 'wrong-key']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/invalid_api_key/);
      expect(bad.stderr).not.toMatch(/at .*\.js/);
      const missing = outlier(['upload', join(dir, 'nope.log'), '--url', url, '--key', 'k']);
      expect(missing.code).toBe(2);
    } finally {
      await server.stop();
    }
  });
});
