import { detection } from './test-support';
import { detectionLogql, detectionTimeWindow, exploreUrl, logqlString } from './explore-link';

/** The one pane of an Explore URL, decoded. */
function paneOf(url: string) {
  const q = new URL(url, 'http://grafana.test').searchParams;
  const panes: Record<string, { datasource: string; queries: Array<Record<string, unknown>>; range: unknown }> =
    JSON.parse(q.get('panes') ?? '{}');
  return { q, pane: Object.values(panes)[0] };
}

describe('detectionLogql', () => {
  test("uses Outlier's detection stream filtered to the detection when no Loki source is known", () => {
    const d = detection({ id: 'app.log:line:42', tenant: 'acme', service: 'checkout' });
    expect(detectionLogql(d, null)).toBe(
      '{source="outlier", tenant="acme", service="checkout"} | json | id="app.log:line:42"'
    );
  });

  test('names the service "unknown" as the engine labels a detection without one, and escapes values', () => {
    const d = detection({ id: 'a "quoted"\\id', tenant: 't', service: null });
    expect(detectionLogql(d, null)).toBe(
      '{source="outlier", tenant="t", service="unknown"} | json | id="a \\"quoted\\"\\\\id"'
    );
  });

  test("uses a Loki source's own selector, narrowed to the session for a session detection", () => {
    expect(detectionLogql(detection({ kind: 'line' }), ' {app="shop"} |= "" ')).toBe('{app="shop"} |= ""');
    expect(detectionLogql(detection({ kind: 'session', session_id: 'blk_-42' }), '{app="shop"}')).toBe(
      '{app="shop"} |= "blk_-42"'
    );
  });

  test('escapes what LogQL strings cannot hold as is', () => {
    expect(logqlString('a\nb\t"c"')).toBe('"a\\nb\\t\\"c\\""');
  });
});

describe('detectionTimeWindow', () => {
  const t = Date.parse('2026-11-23T06:00:00Z');
  test('looks five minutes either side of a line, session or point', () => {
    expect(detectionTimeWindow(detection({ kind: 'line' }))).toEqual({ from: t - 300_000, to: t + 300_000 });
    expect(detectionTimeWindow(detection({ kind: 'point' }))).toEqual({ from: t - 300_000, to: t + 300_000 });
  });
  test("shows a window detection's own window", () => {
    expect(detectionTimeWindow(detection({ kind: 'window' }))).toEqual({ from: t, to: t + 60_000 });
  });
  test('falls back to the last ten minutes for a detection without a time', () => {
    expect(detectionTimeWindow(detection({ timestamp: null }), 1_000_000)).toEqual({ from: 400_000, to: 1_000_000 });
  });
});

describe('exploreUrl', () => {
  test('builds a schema-1 Explore URL with one Loki pane, its query and an absolute range', () => {
    const url = exploreUrl({
      expr: '{source="outlier"} | json',
      from: 1000,
      to: 2000,
      datasourceUid: 'my-loki',
      orgId: 3,
      appSubUrl: '/grafana',
    });
    expect(url.startsWith('/grafana/explore?schemaVersion=1&orgId=3&panes=')).toBe(true);
    const { q, pane } = paneOf(url);
    expect(q.get('schemaVersion')).toBe('1');
    expect(pane.datasource).toBe('my-loki');
    expect(pane.range).toEqual({ from: '1000', to: '2000' });
    expect(pane.queries).toEqual([
      {
        refId: 'A',
        datasource: { type: 'loki', uid: 'my-loki' },
        expr: '{source="outlier"} | json',
        queryType: 'range',
        editorMode: 'code',
      },
    ]);
  });
});
