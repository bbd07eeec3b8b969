import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/** A `POST /api/chat` body as the fake accepts it (the fields of ../shared/PROTOCOLS.md, others kept). */
export const FakeChatRequestSchema = z.looseObject({
  model: z.string().min(1, 'model is required'),
  messages: z.array(z.looseObject({ role: z.string(), content: z.string() })),
  stream: z.boolean().optional(),
  format: z.union([z.literal('json'), z.record(z.string(), z.unknown())]).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

/** A chat request the fake received. */
export type FakeChatRequest = z.infer<typeof FakeChatRequestSchema>;

/** The assistant's content for a request: fixed, or computed from the request. */
export type FakeReply = string | ((request: FakeChatRequest) => string);

/** Options of {@link startFakeOllama}. */
export interface FakeOllamaOptions {
  /** Models the fake has "pulled"; a name without a tag means `:latest`. @defaultValue ['llama3.2'] */
  models?: string[];
  /** Content of the assistant's message. @defaultValue {@link DEFAULT_FAKE_REPLY} */
  reply?: FakeReply;
  /** Wait before answering each chat request. @defaultValue 0 */
  delayMs?: number;
}

/** A valid `{"explanation","likely_cause"}` answer, the fake's default content. */
export const DEFAULT_FAKE_REPLY = JSON.stringify({
  explanation: 'The service logged far more lines than usual for this time of day.',
  likely_cause: 'A retry loop after a failing downstream dependency.',
});

/** A running fake Ollama on loopback, with controls and records for tests. */
export interface FakeOllama {
  /** Base URL, e.g. `http://127.0.0.1:40123`, to pass as the Ollama host. */
  readonly url: string;
  /** `POST /api/chat` requests received, valid or not. */
  readonly requests: number;
  /** Body of the last well-formed chat request, or `null`. */
  readonly lastRequest: FakeChatRequest | null;
  /** Most chat requests that were being answered at the same time. */
  readonly peakInFlight: number;
  /** Content of the assistant's message; may be changed between requests. */
  reply: FakeReply;
  /** Wait before answering each chat request; may be changed between requests. */
  delayMs: number;
  /** Stops listening, drops open connections and pending replies. */
  close(): Promise<void>;
}

/**
 * Starts a loopback HTTP server that answers like Ollama (see ../shared/PROTOCOLS.md): `POST /api/chat`
 * non-streaming or as NDJSON chunks ending with `"done": true` (the default, as in Ollama, when `stream` is absent),
 * 404 `{"error":…}` for an unknown model, `GET /api/tags` listing the models, and `GET /` "Ollama is running".
 *
 * @example
 * ```ts
 * const ollama = await startFakeOllama({ delayMs: 50 });
 * const explainer = new OllamaExplainer({ host: ollama.url, model: 'llama3.2' });
 * afterAll(() => ollama.close());
 * ```
 */
export async function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const fake = new FakeOllamaServer(options);
  await fake.listen();
  return fake;
}

class FakeOllamaServer implements FakeOllama {
  reply: FakeReply;
  delayMs: number;
  requests = 0;
  lastRequest: FakeChatRequest | null = null;
  peakInFlight = 0;
  private inFlight = 0;
  private address = '';
  private readonly models: string[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: Server;

  constructor({ models = ['llama3.2'], reply = DEFAULT_FAKE_REPLY, delayMs = 0 }: FakeOllamaOptions) {
    this.models = models.map(withTag);
    this.reply = reply;
    this.delayMs = delayMs;
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(err) });
        else res.destroy();
      });
    });
  }

  get url(): string {
    return this.address;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        const { port } = this.server.address() as AddressInfo;
        this.address = `http://127.0.0.1:${port}`;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (req.method === 'POST' && path === '/api/chat') return this.chat(req, res);
    if (req.method === 'GET' && path === '/api/tags')
      return sendJson(res, 200, { models: this.models.map(tagEntry) });
    if ((req.method === 'GET' || req.method === 'HEAD') && path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Ollama is running');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
  }

  private async chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const text = await readBody(req);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return sendJson(res, 400, { error: 'invalid request body' });
    }
    const parsed = FakeChatRequestSchema.safeParse(json);
    if (!parsed.success) return sendJson(res, 400, { error: parsed.error.issues[0].message });
    const request = parsed.data;
    this.lastRequest = request;
    if (!this.models.includes(withTag(request.model)))
      return sendJson(res, 404, { error: `model "${request.model}" not found, try pulling it first` });
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      if (!(await this.wait(res))) return;
      const content = typeof this.reply === 'function' ? this.reply(request) : this.reply;
      if (request.stream === false) return sendJson(res, 200, finalChunk(request.model, content));
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (const piece of pieces(content, 8))
        res.write(
          `${JSON.stringify({ ...chunkHead(request.model), message: { role: 'assistant', content: piece }, done: false })}\n`,
        );
      res.end(`${JSON.stringify(finalChunk(request.model, ''))}\n`);
    } finally {
      this.inFlight--;
    }
  }

  /** Sleeps `delayMs`; false when the client went away meanwhile. */
  private wait(res: ServerResponse): Promise<boolean> {
    if (this.delayMs <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (answer: boolean): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        res.off('close', onClose);
        resolve(answer);
      };
      const onClose = (): void => done(false);
      const timer = setTimeout(() => done(true), this.delayMs);
      this.timers.add(timer);
      res.on('close', onClose);
    });
  }
}

function chunkHead(model: string): { model: string; created_at: string } {
  return { model, created_at: new Date().toISOString() };
}

function finalChunk(model: string, content: string): Record<string, unknown> {
  return {
    ...chunkHead(model),
    message: { role: 'assistant', content },
    done_reason: 'stop',
    done: true,
    total_duration: 1_000_000,
    load_duration: 100_000,
    prompt_eval_count: 10,
    prompt_eval_duration: 200_000,
    eval_count: 20,
    eval_duration: 700_000,
  };
}

function tagEntry(name: string): Record<string, unknown> {
  return {
    name,
    model: name,
    modified_at: '2024-01-01T00:00:00Z',
    size: 2_019_393_189,
    digest: createHash('sha256').update(name).digest('hex'),
    details: {
      parent_model: '',
      format: 'gguf',
      family: 'llama',
      families: ['llama'],
      parameter_size: '3.2B',
      quantization_level: 'Q4_K_M',
    },
  };
}

function withTag(model: string): string {
  return model.includes(':') ? model : `${model}:latest`;
}

function pieces(text: string, size: number): string[] {
  const points = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < points.length; i += size) out.push(points.slice(i, i + size).join(''));
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
