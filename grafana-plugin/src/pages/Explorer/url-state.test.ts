import { dateTime } from '@grafana/data';
import { engineFilters, explorerSearch, hasFilters, parseExplorerParams } from './url-state';
import { parseRangeParam, rangeParamOf, resolveRange, shiftRange, zoomOutRange } from './time-range';

describe('explorer URL state', () => {
  test('defaults to the last 24 hours, highest score first, no filters', () => {
    const s = parseExplorerParams(new URLSearchParams());
    expect(s).toMatchObject({ from: 'now-24h', to: 'now', sort: 'score_desc', severity: [], service: null, q: '' });
    expect(hasFilters(s)).toBe(false);
    expect(explorerSearch(s).toString()).toBe('');
  });

  test('reads every filter and writes them back, dropping values it does not know', () => {
    const s = parseExplorerParams(
      new URLSearchParams(
        'from=now-7d&to=now&service=api&source=app.log&job=j1&kind=window&severity=critical,bogus,high&q=timeout&sort=time_asc&anomaly=x'
      )
    );
    expect(s).toMatchObject({
      from: 'now-7d',
      service: 'api',
      source: 'app.log',
      job: 'j1',
      kind: 'window',
      severity: ['high', 'critical'],
      q: 'timeout',
      sort: 'time_asc',
      anomaly: 'x',
    });
    expect(Object.fromEntries(explorerSearch(s))).toEqual({
      from: 'now-7d',
      to: 'now',
      service: 'api',
      source: 'app.log',
      job: 'j1',
      kind: 'window',
      severity: 'high,critical',
      q: 'timeout',
      sort: 'time_asc',
      anomaly: 'x',
    });
    expect(parseExplorerParams(new URLSearchParams('sort=sideways&kind=x')).sort).toBe('score_desc');
  });

  test("takes the alerts' and Loki lines' links: series is the service, epoch and RFC 3339 times", () => {
    const s = parseExplorerParams(
      new URLSearchParams(
        'tenant=acme&source=checkout&series=GET+%2Fapi%2Fcart&from=1700000000000&to=2023-11-14T23:13:20Z'
      )
    );
    expect(s).toMatchObject({ tenant: 'acme', source: 'checkout', service: 'GET /api/cart', from: '1700000000000' });
    expect(s.to).toBe('1700003600000');
  });

  test("a job's link without a range means all time, until a range is chosen", () => {
    const s = parseExplorerParams(new URLSearchParams('job=j1'));
    expect(s.allTime).toBe(true);
    expect(engineFilters(s, resolveRange(s.from, s.to, 'utc'))).toEqual({ job: 'j1' });
    expect(explorerSearch(s).toString()).toBe('job=j1');
    expect(explorerSearch({ ...s, from: 'now-7d', allTime: false }).toString()).toBe('from=now-7d&to=now&job=j1');
    // A job chosen in the filters keeps the default range, written out so that it stays.
    const chosen = { ...parseExplorerParams(new URLSearchParams()), job: 'j2' };
    expect(explorerSearch(chosen).toString()).toBe('from=now-24h&to=now&job=j2');
    expect(parseExplorerParams(explorerSearch(chosen)).allTime).toBe(false);
  });

  test('turns the state into engine filters in epoch milliseconds', () => {
    const s = parseExplorerParams(new URLSearchParams('from=1000&to=5000&severity=high&q=%20x%20'));
    expect(engineFilters(s, resolveRange(s.from, s.to, 'utc'))).toEqual({
      from: 1000,
      to: 5000,
      severity: ['high'],
      q: 'x',
    });
  });
});

describe('time ranges', () => {
  const now = Date.parse('2026-11-23T12:34:56Z');
  test('resolves relative ranges at a given instant, and absolute ones as they are', () => {
    const r = resolveRange('now-7d', 'now', 'utc', now);
    expect(r.to.valueOf()).toBe(now);
    expect(r.from.valueOf()).toBe(now - 7 * 86_400_000);
    expect(r.raw).toEqual({ from: 'now-7d', to: 'now' });
    const day = resolveRange('now/d', 'now/d', 'utc', now);
    expect(day.from.toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(day.to.toISOString()).toBe('2026-11-23T23:59:59.999Z');
    expect(resolveRange('1000', '2000', 'utc', now).from.valueOf()).toBe(1000);
  });

  test('keeps only values Grafana could have written', () => {
    expect(parseRangeParam('now-30d')).toBe('now-30d');
    expect(parseRangeParam('now-banana')).toBeNull();
    expect(parseRangeParam('yesterday')).toBeNull();
    expect(rangeParamOf(dateTime(1234))).toBe('1234');
    expect(rangeParamOf('now-1h')).toBe('now-1h');
  });

  test('moves by half the range and zooms out to twice its length', () => {
    const r = resolveRange('1000', '3000', 'utc');
    expect(shiftRange(r, -1)).toEqual({ from: '0', to: '2000' });
    expect(shiftRange(r, 1)).toEqual({ from: '2000', to: '4000' });
    expect(zoomOutRange(r)).toEqual({ from: '0', to: '4000' });
  });
});
