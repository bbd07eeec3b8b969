import type { Detection } from '../../api/engine-api';

/** A request the page made, as the fake engine saw it. */
export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string | null;
}

/** What the fake engine answers: a status and a JSON body (or raw text). */
export type Answer = [status: number, body: unknown];

/** A response as `EngineApi` reads it (jsdom has no `Response`). */
export function reply([status, body]: Answer): Response {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const res: Pick<Response, 'ok' | 'status' | 'json' | 'text'> = {
    ok: status >= 200 && status < 300,
    status,
    json: async () => JSON.parse(text),
    text: async () => text,
  };
  return res as Response;
}

/**
 * A `fetch` that answers like the engine through `route`, recording every call; a route that answers nothing is a
 * 404 in the engine's error shape.
 */
export function fakeEngine(route: (call: Call) => Answer | undefined | Promise<Answer | undefined>) {
  const calls: Call[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://grafana.test');
    const call: Call = {
      method: init?.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      body: typeof init?.body === 'string' ? init.body : null,
    };
    calls.push(call);
    const answer = await route(call);
    return reply(answer ?? [404, { error: { code: 'not_found', message: `no route ${call.path}` } }]);
  };
  return { fetch: fetchImpl, calls };
}

/** A detection with plausible values, changed by `over`. */
export function detection(over: Partial<Detection> = {}): Detection {
  return {
    id: 'app.log:line:42',
    tenant: 'acme',
    source: 'app.log',
    service: 'checkout',
    timestamp: '2026-11-23T06:00:00.000Z',
    kind: 'line',
    score: 0.912,
    severity: 'high',
    template_id: 't-7f3a',
    template: 'payment <*> timed out after <*> ms',
    session_id: null,
    observed: null,
    expected: null,
    lower: null,
    upper: null,
    detectors: [
      { name: 'template_rarity', score: 0.912 },
      { name: 'level', score: 0.4 },
    ],
    explanation: 'A template seen 2 times in 1,000,000 lines of the reference.',
    samples: ['2026-11-23T06:00:00Z ERROR payment 8812 timed out after 30000 ms'],
    job_id: 'job-1',
    llm_explanation: null,
    ...over,
  };
}

/** jsdom lays nothing out and draws nothing: the browser APIs Grafana's components call, doing nothing. */
export function stubBrowserApis(): void {
  class NoopObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  }
  Object.assign(globalThis, { IntersectionObserver: NoopObserver, ResizeObserver: NoopObserver });
  // Combobox measures option text and uPlot draws on a 2D context.
  const context = new Proxy(
    {},
    {
      get: (_target, key) => {
        if (key === 'measureText') {
          return (text: string) => ({ width: text.length * 7 });
        }
        if (key === 'canvas') {
          return document.createElement('canvas');
        }
        return () => ({ addColorStop: () => undefined });
      },
      set: () => true,
    }
  );
  Object.defineProperty(HTMLCanvasElement.prototype, 'getContext', { value: () => context, configurable: true });
}
