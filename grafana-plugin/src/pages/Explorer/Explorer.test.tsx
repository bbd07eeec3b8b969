import React from 'react';
import { MemoryRouter, useLocation } from 'react-router-dom';
import { act, configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { config } from '@grafana/runtime';
import { EngineApiContext } from '../../api/context';
import { type AnomalyHistogram, type Detection, EngineApi, type EngineInfo } from '../../api/engine-api';
import { testIds } from '../../components/testIds';
import { exploreAvailable } from './AnomalyDrawer';
import { ExplorerView } from './Explorer';
import { type Answer, type Call, detection, fakeEngine, stubBrowserApis } from './test-support';

// Grafana's drawer and chart render slowly in jsdom on a busy machine.
configure({ asyncUtilTimeout: 5000 });
beforeAll(stubBrowserApis);
afterEach(() => {
  config.bootData.navTree = [];
});

const INFO: EngineInfo = { tenant: 'acme', version: '1.0.0', llm: { enabled: false, model: null }, store: 'sqlite' };

const HISTOGRAM: AnomalyHistogram = {
  from: 0,
  to: 3_600_000,
  step_ms: 1_800_000,
  buckets: [
    {
      t: 0,
      count: 2,
      max_score: 0.91,
      severity: { low: 0, medium: 1, high: 1, critical: 0 },
      observed: 120,
      expected: 40,
      lower: 20,
      upper: 60,
    },
    {
      t: 1_800_000,
      count: 0,
      max_score: null,
      severity: { low: 0, medium: 0, high: 0, critical: 0 },
      observed: null,
      expected: null,
      lower: null,
      upper: null,
    },
  ],
};

interface EngineOptions {
  pages?: Record<string, { items: Detection[]; next_cursor: string | null }>;
  info?: EngineInfo;
  other?: (call: Call) => Answer | undefined;
}

/** The engine's anomaly routes: pages by cursor (`''` for the first), histogram, facets, info, then `other`. */
function anomalyEngine({ pages = {}, info = INFO, other }: EngineOptions) {
  return fakeEngine((call) => {
    if (call.path === '/api/v1/anomalies') {
      return [200, pages[call.query.get('cursor') ?? ''] ?? { items: [], next_cursor: null }];
    }
    if (call.path === '/api/v1/anomalies/histogram') {
      return [200, HISTOGRAM];
    }
    if (call.path === '/api/v1/anomalies/facets') {
      return [
        200,
        { services: ['checkout', 'search'], sources: ['app.log'], jobs: [{ id: 'job-1', source: 'app.log' }] },
      ];
    }
    if (call.path === '/api/v1/info') {
      return [200, info];
    }
    return other?.(call);
  });
}

/** The router's current query string, so tests can read what the page put in the URL. */
function LocationProbe() {
  return <output data-testid="location">{useLocation().search}</output>;
}

function renderExplorer(fetchImpl: typeof fetch, url = '/a/outlier-anomaly-app/explorer') {
  return render(
    <MemoryRouter initialEntries={[url]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <EngineApiContext.Provider value={new EngineApi({ baseUrl: '', fetch: fetchImpl })}>
        <ExplorerView />
        <LocationProbe />
      </EngineApiContext.Provider>
    </MemoryRouter>
  );
}

const listCalls = (calls: Call[]) => calls.filter((c) => c.path === '/api/v1/anomalies');
const lastList = (calls: Call[]) => {
  const list = listCalls(calls);
  return list[list.length - 1].query;
};
const urlQuery = () => new URLSearchParams(screen.getByTestId('location').textContent ?? '');

describe('Explorer', () => {
  test('asks for the list first, shows its rows, then the chart and the filter choices', async () => {
    const engine = anomalyEngine({
      pages: {
        '': {
          items: [detection(), detection({ id: 'b', service: 'search', score: 0.71, severity: 'medium' })],
          next_cursor: null,
        },
      },
    });
    renderExplorer(engine.fetch);
    const rows = await screen.findAllByTestId(testIds.explorer.row);
    expect(rows).toHaveLength(2);
    expect(within(rows[0]).getByText('checkout')).toBeInTheDocument();
    expect(within(rows[0]).getByText('0.912')).toBeInTheDocument();
    expect(within(rows[0]).getByText('high')).toBeInTheDocument();
    expect(within(rows[0]).getByText('payment <*> timed out after <*> ms')).toBeInTheDocument();
    await waitFor(() => expect(engine.calls.some((c) => c.path === '/api/v1/anomalies/histogram')).toBe(true));
    const paths = engine.calls.map((c) => c.path).filter((p) => p !== '/api/v1/info');
    expect(paths[0]).toBe('/api/v1/anomalies');
    expect(paths.indexOf('/api/v1/anomalies/histogram')).toBeGreaterThan(0);
    const first = listCalls(engine.calls)[0].query;
    expect(lastList(engine.calls).get('sort')).toBe('score_desc');
    expect(Number(lastList(engine.calls).get('to')) - Number(lastList(engine.calls).get('from'))).toBe(86_400_000);
    expect(first.get('limit')).toBe('50');
    expect(
      await screen.findByText(/2 anomalies over this time range; the highest score is 0\.910/)
    ).toBeInTheDocument();
    expect(screen.getByText('Highest score')).toBeInTheDocument();
    expect(screen.getByText('Observed')).toBeInTheDocument();
    expect(document.body.textContent).not.toMatch(/undefined|NaN|\bnull\b/);
  });

  test('sends the filters of the URL (as Jobs and alerts link them) to the engine', async () => {
    const engine = anomalyEngine({});
    renderExplorer(
      engine.fetch,
      '/a/outlier-anomaly-app/explorer?job=job-9&series=GET%20%2Fcart&severity=high,critical&kind=window&q=timeout&from=1000&to=2000'
    );
    await screen.findByText('No anomalies found');
    expect(Object.fromEntries(lastList(engine.calls))).toEqual({
      from: '1000',
      to: '2000',
      service: 'GET /cart',
      job: 'job-9',
      kind: 'window',
      severity: 'high,critical',
      q: 'timeout',
      sort: 'score_desc',
      limit: '50',
    });
    expect(screen.getByText('Nothing matches these filters in this time range.')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(lastList(engine.calls).get('job')).toBeNull());
    expect(urlQuery().toString()).toBe('from=1000&to=2000');
  });

  test("shows all of a job's anomalies from the Jobs page's link, in the range the engine found them", async () => {
    const engine = anomalyEngine({ pages: { '': { items: [detection()], next_cursor: null } } });
    renderExplorer(engine.fetch, '/a/outlier-anomaly-app/explorer?job=job-1');
    await screen.findAllByTestId(testIds.explorer.row);
    expect(lastList(engine.calls).get('job')).toBe('job-1');
    expect(lastList(engine.calls).has('from')).toBe(false);
    expect(lastList(engine.calls).has('to')).toBe(false);
    expect(screen.getByText(/All anomalies of this job, whatever their time/)).toBeInTheDocument();
    await waitFor(() => expect(engine.calls.find((c) => c.path === '/api/v1/anomalies/facets')).toBeDefined());
    expect(engine.calls.find((c) => c.path === '/api/v1/anomalies/facets')?.query.toString()).toBe('');
    // The picker shows the histogram's range (00:00 to 01:00 here) widened by a bucket, not "Last 24 hours".
    expect(await screen.findByText('1969-12-31 23:30:00 to 1970-01-01 01:30:00')).toBeInTheDocument();
    expect(screen.queryByText('Last 24 hours')).not.toBeInTheDocument();
  });

  test("clears the filters of a job's view but keeps the job and its range", async () => {
    const engine = anomalyEngine({
      other: (call) => (call.path === '/api/v1/anomalies/histogram' ? [200, HISTOGRAM] : undefined),
    });
    const job = anomalyEngine({ pages: { '': { items: [detection()], next_cursor: null } } });
    let matching = false;
    const fetchImpl: typeof fetch = (input, init) => (matching ? job.fetch(input, init) : engine.fetch(input, init));
    renderExplorer(fetchImpl, '/a/outlier-anomaly-app/explorer?job=job-1&q=no-such-text&severity=critical');
    expect(await screen.findByText('Nothing matches these filters in this time range.')).toBeInTheDocument();
    matching = true;
    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    await screen.findAllByTestId(testIds.explorer.row);
    expect(urlQuery().toString()).toBe('job=job-1');
    expect(lastList(job.calls).get('job')).toBe('job-1');
    expect(lastList(job.calls).has('from')).toBe(false);
  });

  test('says when a job found no anomalies, without offering to clear a filter', async () => {
    const engine = anomalyEngine({});
    renderExplorer(engine.fetch, '/a/outlier-anomaly-app/explorer?job=job-1');
    expect(await screen.findByText('This job found no anomalies.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Clear filters' })).not.toBeInTheDocument();
  });

  test('changing filters puts them in the URL and asks the engine again', async () => {
    const engine = anomalyEngine({ pages: { '': { items: [detection()], next_cursor: null } } });
    renderExplorer(engine.fetch);
    await screen.findAllByTestId(testIds.explorer.row);

    fireEvent.click(screen.getByLabelText('critical'));
    await waitFor(() => expect(lastList(engine.calls).get('severity')).toBe('critical'));
    fireEvent.click(screen.getByLabelText('high'));
    await waitFor(() => expect(lastList(engine.calls).get('severity')).toBe('high,critical'));

    const search = screen.getByLabelText('Search');
    fireEvent.change(search, { target: { value: 'timed out' } });
    fireEvent.keyDown(search, { key: 'Enter' });
    await waitFor(() => expect(lastList(engine.calls).get('q')).toBe('timed out'));

    const service = screen.getByLabelText('Service');
    fireEvent.focus(service);
    fireEvent.click(service);
    fireEvent.change(service, { target: { value: 'search' } });
    await act(async () => new Promise((r) => setTimeout(r, 50)));
    fireEvent.keyDown(service, { key: 'Enter' });
    await waitFor(() => expect(lastList(engine.calls).get('service')).toBe('search'));

    expect(urlQuery().get('severity')).toBe('high,critical');
    expect(urlQuery().get('q')).toBe('timed out');
    expect(urlQuery().get('service')).toBe('search');
  });

  test('sorts on the server from the column headers, starting again at the first page', async () => {
    const engine = anomalyEngine({
      pages: {
        '': { items: [detection({ id: 'a' })], next_cursor: 'c1' },
        c1: { items: [detection({ id: 'b', service: 'search' })], next_cursor: null },
      },
    });
    renderExplorer(engine.fetch);
    await screen.findAllByTestId(testIds.explorer.row);
    const scoreHeader = screen.getByRole('columnheader', { name: /Score/ });
    expect(scoreHeader).toHaveAttribute('aria-sort', 'descending');

    fireEvent.click(within(scoreHeader).getByRole('button'));
    await waitFor(() => expect(lastList(engine.calls).get('sort')).toBe('score_asc'));
    expect(lastList(engine.calls).get('cursor')).toBeNull();
    expect(urlQuery().get('sort')).toBe('score_asc');
    await waitFor(() =>
      expect(screen.getByRole('columnheader', { name: /Score/ })).toHaveAttribute('aria-sort', 'ascending')
    );

    fireEvent.click(within(screen.getByRole('columnheader', { name: /Time/ })).getByRole('button'));
    await waitFor(() => expect(lastList(engine.calls).get('sort')).toBe('time_desc'));
    expect(lastList(engine.calls).get('cursor')).toBeNull();
  });

  test('loads the next page with the cursor and appends its rows', async () => {
    const engine = anomalyEngine({
      pages: {
        '': { items: [detection({ id: 'a' })], next_cursor: 'c1' },
        c1: { items: [detection({ id: 'b', service: 'search' })], next_cursor: null },
      },
    });
    renderExplorer(engine.fetch, '/a/outlier-anomaly-app/explorer?sort=time_desc');
    await screen.findAllByTestId(testIds.explorer.row);
    fireEvent.click(screen.getByTestId(testIds.explorer.loadMore));
    await waitFor(() => expect(screen.getAllByTestId(testIds.explorer.row)).toHaveLength(2));
    expect(lastList(engine.calls).get('cursor')).toBe('c1');
    expect(lastList(engine.calls).get('sort')).toBe('time_desc');
    expect(screen.queryByTestId(testIds.explorer.loadMore)).not.toBeInTheDocument();
  });

  test('opens a row with Enter: explanation, evidence, detectors, identity, samples and the job', async () => {
    const d = detection({
      kind: 'window',
      template: null,
      template_id: null,
      observed: 120,
      expected: 40,
      lower: 20,
      upper: 60,
      samples: ['line one', 'a very long line '.repeat(20)],
      session_id: 'sess-1',
    });
    const engine = anomalyEngine({ pages: { '': { items: [d], next_cursor: null } } });
    renderExplorer(engine.fetch);
    const [row] = await screen.findAllByTestId(testIds.explorer.row);
    fireEvent.keyDown(row, { key: 'Enter' });
    const drawer = await screen.findByTestId(testIds.explorer.drawer);
    expect(urlQuery().get('anomaly')).toBe(d.id);
    expect(within(drawer).getByText(d.explanation)).toBeInTheDocument();
    expect(within(drawer).getByText('120')).toBeInTheDocument();
    expect(within(drawer).getByText('20 to 60')).toBeInTheDocument();
    expect(within(drawer).getByText('+200 %')).toBeInTheDocument();
    expect(within(drawer).getByText('template_rarity')).toBeInTheDocument();
    expect(within(drawer).getByText('0.400')).toBeInTheDocument();
    expect(within(drawer).getByText('sess-1')).toBeInTheDocument();
    expect(within(drawer).getByText(/line one/)).toBeInTheDocument();
    const job = within(drawer).getByRole('link', { name: 'All anomalies of job job-1' });
    expect(job).toHaveAttribute('href', '/a/outlier-anomaly-app/explorer?job=job-1');
    expect(screen.getByText('Anomalous time window in checkout')).toBeInTheDocument();
    expect(document.body.textContent).not.toMatch(/undefined|NaN|\bnull\b/);
  });

  test('records feedback and says what it means, or why it failed', async () => {
    let fail = false;
    const engine = anomalyEngine({
      pages: { '': { items: [detection()], next_cursor: null } },
      other: (call) => {
        if (call.path === '/api/v1/anomalies/app.log:line:42/feedback') {
          return fail
            ? [404, { error: { code: 'not_found', message: 'anomaly "app.log:line:42" does not exist' } }]
            : [201, { id: 'f1', detection_id: 'app.log:line:42', verdict: 'not_anomaly', pattern: 'p' }];
        }
        return undefined;
      },
    });
    renderExplorer(engine.fetch, `/a/outlier-anomaly-app/explorer?anomaly=${encodeURIComponent('app.log:line:42')}`);
    fireEvent.click(await screen.findByRole('button', { name: 'Not an anomaly' }));
    expect(await screen.findByText(/Outlier will not flag this pattern again/)).toBeInTheDocument();
    const post = engine.calls.find((c) => c.method === 'POST');
    expect(post?.body).toBe('{"verdict":"not_anomaly"}');
    fail = true;
    fireEvent.click(screen.getByRole('button', { name: 'Confirmed' }));
    expect(
      await screen.findByText(/The verdict was not recorded: anomaly "app.log:line:42" does not exist/)
    ).toBeInTheDocument();
  });

  test('offers "Explain with LLM" only when the engine has an LLM, with its answer or a clear error', async () => {
    const plain = anomalyEngine({ pages: { '': { items: [detection()], next_cursor: null } } });
    const { unmount } = renderExplorer(plain.fetch, '/a/outlier-anomaly-app/explorer?anomaly=app.log%3Aline%3A42');
    await screen.findByTestId(testIds.explorer.drawer);
    await waitFor(() => expect(plain.calls.some((c) => c.path === '/api/v1/info')).toBe(true));
    expect(screen.queryByRole('button', { name: 'Explain with LLM' })).not.toBeInTheDocument();
    unmount();

    let configured = true;
    const llm = anomalyEngine({
      pages: { '': { items: [detection()], next_cursor: null } },
      info: { ...INFO, llm: { enabled: true, model: 'qwen2.5:3b' } },
      other: (call) => {
        if (call.path.endsWith('/explain')) {
          return configured
            ? [
                200,
                detection({
                  llm_explanation: {
                    text: 'The payment provider stalled.',
                    likely_cause: 'Provider outage',
                    model: 'qwen2.5:3b',
                  },
                }),
              ]
            : [409, { error: { code: 'llm_not_configured', message: 'no LLM' } }];
        }
        return undefined;
      },
    });
    configured = false;
    renderExplorer(llm.fetch, '/a/outlier-anomaly-app/explorer?anomaly=app.log%3Aline%3A42');
    fireEvent.click(await screen.findByRole('button', { name: 'Explain with LLM' }));
    expect(await screen.findByText(/The engine has no LLM configured/)).toBeInTheDocument();
    configured = true;
    fireEvent.click(screen.getByRole('button', { name: 'Explain with LLM' }));
    expect(await screen.findByText('The payment provider stalled.')).toBeInTheDocument();
    expect(screen.getByText('Provider outage')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Explain with LLM' })).not.toBeInTheDocument();
  });

  test("links to Explore with the Loki source's query inside Grafana, and only shows the LogQL outside", async () => {
    // Grafana lists Explore in the nav of a user who may use it.
    config.bootData.navTree = [{ id: 'explore', text: 'Explore', url: '/explore' }];
    const fromSource = detection({ id: 'logs:line:9', source: 'app-logs', job_id: null });
    const engine = anomalyEngine({
      pages: { '': { items: [fromSource], next_cursor: null } },
      other: (call) =>
        call.path === '/api/v1/sources/app-logs'
          ? [200, { id: 'app-logs', tenant: 'acme', kind: 'loki', definition: { query: '{app="shop"} |= ""' } }]
          : undefined,
    });
    const { unmount } = renderExplorer(engine.fetch, '/a/outlier-anomaly-app/explorer?anomaly=logs%3Aline%3A9');
    const link = await screen.findByTestId(testIds.explorer.exploreLink);
    expect(screen.getByTestId(testIds.explorer.logql)).toHaveTextContent('{app="shop"} |= ""');
    const href = link.getAttribute('href') ?? '';
    const panes = JSON.parse(new URL(href, 'http://grafana.test').searchParams.get('panes') ?? '{}');
    expect(JSON.stringify(panes)).toContain('"expr":"{app=\\"shop\\"} |= \\"\\""');
    expect(JSON.stringify(panes)).toContain('"uid":"outlier-loki"');
    unmount();

    config.bootData.navTree = [];
    const upload = anomalyEngine({ pages: { '': { items: [detection()], next_cursor: null } } });
    renderExplorer(upload.fetch, '/a/outlier-anomaly-app/explorer?anomaly=app.log%3Aline%3A42');
    expect(await screen.findByTestId(testIds.explorer.logql)).toHaveTextContent(
      '{source="outlier", tenant="acme", service="checkout"} | json | id="app.log:line:42"'
    );
    expect(screen.queryByTestId(testIds.explorer.exploreLink)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Copy LogQL/ })).toBeInTheDocument();
    expect(upload.calls.some((c) => c.path.startsWith('/api/v1/sources/'))).toBe(false);
  });

  test("offers Explore where Grafana's nav has it, at any depth, and nowhere else", () => {
    expect(exploreAvailable([{ id: 'apps', text: 'Apps', children: [{ id: 'explore', text: 'Explore' }] }])).toBe(true);
    expect(exploreAvailable([{ id: 'home', text: 'Home' }])).toBe(false);
    expect(exploreAvailable([])).toBe(false);
  });

  test("shows the engine's words when the key is refused or the engine is down", async () => {
    const refused = fakeEngine(() => [401, '']);
    const { unmount } = renderExplorer(refused.fetch);
    expect(await screen.findByText(/The engine refused the API key/)).toBeInTheDocument();
    unmount();

    // A revoked key: the engine's words, what to do, and one error rather than the chart's too.
    const revoked = fakeEngine(() => [
      401,
      { error: { code: 'invalid_api_key', message: 'the API key is unknown or revoked' } },
    ]);
    const again = renderExplorer(revoked.fetch);
    expect(
      await screen.findByText(
        'The engine refused the app’s API key (the API key is unknown or revoked). Set a valid key in the app’s configuration.'
      )
    ).toBeInTheDocument();
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(screen.queryByTestId(testIds.explorer.chart)).not.toBeInTheDocument();
    again.unmount();

    const down = async (): Promise<Response> => {
      throw new TypeError('Failed to fetch');
    };
    renderExplorer(down);
    expect(await screen.findByText(/The engine cannot be reached \(Failed to fetch\)/)).toBeInTheDocument();
    expect(screen.queryByText('No anomalies found')).not.toBeInTheDocument();
  });

  test('says an anomaly of a link cannot be found, and that a link is for another tenant', async () => {
    const engine = anomalyEngine({});
    renderExplorer(engine.fetch, '/a/outlier-anomaly-app/explorer?tenant=globex&anomaly=gone');
    expect(await screen.findByText('This anomaly could not be loaded')).toBeInTheDocument();
    expect(screen.getByText(/no route \/api\/v1\/anomalies\/gone/)).toBeInTheDocument();
    expect(await screen.findByText('This link is for tenant “globex”')).toBeInTheDocument();
  });
});
