import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryExplanationCache } from '../engine/src/explain/explanation-cache.js';
import {
  type OllamaExplainError,
  OllamaExplainer,
  type OllamaExplainerOptions,
  PROMPT_MAX_BYTES,
} from '../engine/src/explain/ollama-explainer.js';
import type { Detection } from '../engine/src/model/detection.js';
import {
  DEFAULT_FAKE_REPLY,
  type FakeOllama,
  type FakeOllamaOptions,
  startFakeOllama,
} from './fakes/ollama-server.js';

function detection(overrides: Partial<Detection> = {}): Detection {
  return {
    id: 'd1',
    tenant: 'acme',
    source: 'upload',
    service: 'checkout',
    timestamp: '2024-05-01T12:00:00.000Z',
    kind: 'window',
    score: 0.97,
    severity: 'critical',
    template_id: null,
    template: null,
    session_id: null,
    observed: 1200,
    expected: 100,
    lower: 80,
    upper: 130,
    detectors: [{ name: 'count-tail', score: 0.97 }],
    explanation: 'checkout logged 1200 lines in the window against an expected 100 (normal 80 to 130).',
    samples: ['ERROR payment gateway timeout after 30000 ms'],
    ...overrides,
  };
}

const fallbackOf = (d: Detection) => ({
  text: d.explanation,
  likely_cause: null,
  source: 'deterministic',
  model: null,
});

let fake: FakeOllama | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function setUp(fakeOptions: FakeOllamaOptions = {}, options: Partial<OllamaExplainerOptions> = {}) {
  const server = await startFakeOllama(fakeOptions);
  fake = server;
  const errors: OllamaExplainError[] = [];
  const explainer = new OllamaExplainer({
    host: server.url,
    model: 'llama3.2',
    onError: (err) => errors.push(err),
    ...options,
  });
  return { server, explainer, errors };
}

describe('OllamaExplainer against a loopback Ollama', () => {
  it("returns the model's explanation and likely cause", async () => {
    const { server, explainer, errors } = await setUp();
    const got = await explainer.explain(detection());
    const { explanation, likely_cause } = JSON.parse(DEFAULT_FAKE_REPLY);
    expect(got).toEqual({ text: explanation, likely_cause, source: 'llm', model: 'llama3.2' });
    expect(server.requests).toBe(1);
    expect(server.lastRequest).toMatchObject({ model: 'llama3.2', stream: false });
    expect(errors).toEqual([]);
  });

  it('serves equal evidence from the cache: the server sees one request', async () => {
    const { server, explainer } = await setUp();
    const first = await explainer.explain(detection());
    const second = await explainer.explain(
      detection({ id: 'd2', observed: 1210, timestamp: '2024-05-02T00:00:00Z', samples: ['other line'] }),
    );
    expect(second).toEqual(first);
    expect(second.source).toBe('llm');
    expect(server.requests).toBe(1);
    await explainer.explain(detection({ observed: 5000 }));
    expect(server.requests).toBe(2);
  });

  it('falls back within the timeout when the model is slow', async () => {
    const timeoutMs = 200;
    const { explainer, errors } = await setUp({ delayMs: 5_000 }, { timeoutMs });
    const d = detection();
    const started = performance.now();
    const got = await explainer.explain(d);
    const elapsed = performance.now() - started;
    expect(got).toEqual(fallbackOf(d));
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 20);
    expect(elapsed).toBeLessThan(timeoutMs + 1_000);
    expect(errors.map((e) => e.reason)).toEqual(['timeout']);
  });

  it("falls back when the model is unknown, reporting Ollama's error", async () => {
    const { server, explainer, errors } = await setUp({ models: ['mistral'] });
    const d = detection();
    expect(await explainer.explain(d)).toEqual(fallbackOf(d));
    expect(server.requests).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0].reason).toBe('http');
    expect(errors[0].message).toContain('404');
    expect(errors[0].message).toContain('model "llama3.2" not found, try pulling it first');
  });

  it.each([
    ['prose instead of JSON', 'The gateway is down.'],
    ['JSON of another shape', JSON.stringify({ summary: 'The gateway is down.' })],
    ['empty strings', JSON.stringify({ explanation: '', likely_cause: '' })],
  ])('falls back on %s and asks again next time', async (_, reply) => {
    const { server, explainer, errors } = await setUp({ reply });
    const d = detection();
    expect(await explainer.explain(d)).toEqual(fallbackOf(d));
    expect(await explainer.explain(d)).toEqual(fallbackOf(d));
    expect(server.requests).toBe(2);
    expect(errors.map((e) => e.reason)).toEqual(['invalid-reply', 'invalid-reply']);
  });

  it('falls back at once when the server is down', async () => {
    const server = await startFakeOllama();
    await server.close();
    const errors: OllamaExplainError[] = [];
    const explainer = new OllamaExplainer({
      host: server.url,
      model: 'llama3.2',
      onError: (err) => errors.push(err),
    });
    const d = detection();
    const started = performance.now();
    expect(await explainer.explain(d)).toEqual(fallbackOf(d));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(errors.map((e) => e.reason)).toEqual(['unreachable']);
  });

  it('bounds concurrency: calls beyond the waiting list fall back before the server answers', async () => {
    const { server, explainer } = await setUp({ delayMs: 300 }, { maxConcurrent: 1, maxWaiting: 1 });
    const order: string[] = [];
    const calls = [0, 1, 2, 3].map((i) =>
      explainer.explain(detection({ service: `svc-${i}` })).then((e) => {
        order.push(`${i}:${e.source}`);
        return e;
      }),
    );
    const got = await Promise.all(calls);
    expect(got.map((e) => e.source)).toEqual(['llm', 'llm', 'deterministic', 'deterministic']);
    // The turned-away calls resolved first, without waiting for any answer.
    expect(order).toEqual(['2:deterministic', '3:deterministic', '0:llm', '1:llm']);
    expect(server.requests).toBe(2);
    expect(server.peakInFlight).toBe(1);
    expect(explainer.counts.busy).toBe(2);
  });

  it('sends a bounded prompt for a detection with a huge template and huge samples', async () => {
    const { server, explainer } = await setUp();
    const d = detection({
      kind: 'line',
      template: `user <*> did ${'something '.repeat(2_000)}`,
      samples: Array.from({ length: 100 }, (_, i) => `line ${i} ${'a'.repeat(10_000)}`),
      explanation: `Rare template ${'b'.repeat(10_000)}`,
    });
    expect((await explainer.explain(d)).source).toBe('llm');
    const messages = server.lastRequest?.messages ?? [];
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    const bytes = messages.reduce((n, m) => n + Buffer.byteLength(m.content), 0);
    expect(bytes).toBeLessThanOrEqual(PROMPT_MAX_BYTES);
    const user = messages[1].content;
    const template = user.split('\n').find((l) => l.startsWith('Template: ')) ?? '';
    expect(template.length).toBeLessThanOrEqual('Template: '.length + 402);
    const sampleLines = user.split('\n').filter((l) => /^\d+\. /.test(l));
    expect(sampleLines.length).toBeGreaterThan(0);
    expect(sampleLines.length).toBeLessThanOrEqual(3);
    for (const l of sampleLines) expect(l.length).toBeLessThanOrEqual(310);
  });

  it('keeps one cache across explainers that share it', async () => {
    const cache = new MemoryExplanationCache();
    const { server, explainer } = await setUp({}, { cache });
    await explainer.explain(detection());
    const other = new OllamaExplainer({ host: server.url, model: 'llama3.2', cache });
    expect((await other.explain(detection())).source).toBe('llm');
    expect(server.requests).toBe(1);
  });
});

const TagsSchema = z.object({ models: z.array(z.object({ name: z.string() })) });

describe('fake Ollama', () => {
  it('streams NDJSON chunks ending with done:true when stream is not false', async () => {
    const server = await startFakeOllama({ reply: 'Hello from the fake model' });
    fake = server;
    const res = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2:latest', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const chunks = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.slice(0, -1).every((c) => c.done === false)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ done: true, done_reason: 'stop', message: { content: '' } });
    expect(chunks.map((c) => c.message.content).join('')).toBe('Hello from the fake model');
  });

  it('lists its models and rejects a request without a model', async () => {
    const server = await startFakeOllama({ models: ['llama3.2', 'qwen2.5:0.5b'] });
    fake = server;
    const tags = TagsSchema.parse(await (await fetch(`${server.url}/api/tags`)).json());
    expect(tags.models.map((m) => m.name)).toEqual(['llama3.2:latest', 'qwen2.5:0.5b']);
    const bad = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ messages: [] }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toHaveProperty('error');
  });
});
