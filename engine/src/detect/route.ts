import type { ParsedRecord } from '../parse/record.js';

/**
 * Last segments (lowercase) of the names of fields that hold a request's path or URL: `path` of an access log,
 * `route`, `http.route`, `url`, `request_uri` … of structured logs.
 */
const ROUTE_FIELD_NAMES: ReadonlySet<string> = new Set([
  'route',
  'http_route',
  'path',
  'http_path',
  'request_path',
  'url_path',
  'endpoint',
  'uri',
  'request_uri',
  'url',
  'target',
]);

/** Last segments (lowercase) of the names of fields that hold a request's HTTP method. */
const METHOD_FIELD_NAMES: ReadonlySet<string> = new Set(['method', 'http_method', 'request_method', 'verb']);

/** Longest route kept (characters); a longer path is cut there. */
const MAX_ROUTE_CHARS = 160;

/** Placeholder of a path segment that holds a value (an id, a number, a token). */
export const ROUTE_VALUE = ':id';

/**
 * The route of a request line: its HTTP method (when a field holds one) and its path with the query string cut
 * off and each segment that holds a value replaced by `:id`, e.g. `GET /api/v1/orders/:id/items` for
 * `"GET /api/v1/orders/ord-1161937/items?page=2"`. A segment holds a value when it is all digits, or when it has
 * two digits or more and six characters or more (`ord-1161937`, `5f2b9c1e`, a UUID); `v1`, `oauth2` stay. The path
 * comes from a categorical field named like a path or URL (`path`, `route`, `http.route`, `url`, `request_uri`, …;
 * see `ROUTE_FIELD_NAMES`) whose value starts with `/` or is an http(s) URL. Null when the line has none. A reader
 * tries the fields that held paths and methods in a reference ({@link RouteReader.fieldsOf}), so that reading a
 * line costs a lookup or two.
 *
 * Request lines of one template (`GET <*> <*> <*>`, `response sent`) serve many routes whose sizes and latencies
 * differ by orders of magnitude: the line model keeps baselines per route as well (see `LineModel`).
 */
export class RouteReader {
  /**
   * @param pathFields the categorical fields that may hold the path, tried in order (see
   *   {@link RouteReader.fieldsOf}).
   * @param methodFields the same for the method.
   */
  constructor(
    readonly pathFields: readonly string[],
    readonly methodFields: readonly string[],
  ) {}

  /** A reader of the fields of these records named like a path or URL and like a method, most common first. */
  static fieldsOf(records: Iterable<ParsedRecord>): RouteReader {
    const roles = new Map<string, 0 | 1 | 2>();
    const paths = new Map<string, number>();
    const methods = new Map<string, number>();
    for (const record of records) {
      for (const field in record.categorical) {
        let role = roles.get(field);
        if (role === undefined) {
          role = roleOf(field);
          roles.set(field, role);
        }
        if (role === 1 && pathOf(record.categorical[field]) !== null)
          paths.set(field, (paths.get(field) ?? 0) + 1);
        else if (role === 2 && isMethod(record.categorical[field]))
          methods.set(field, (methods.get(field) ?? 0) + 1);
      }
    }
    const byUse = (m: Map<string, number>) =>
      [...m]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, MAX_FIELDS)
        .map(([field]) => field);
    return new RouteReader(byUse(paths), byUse(methods));
  }

  /** The route of a record, or null. */
  read(record: ParsedRecord): string | null {
    const categorical = record.categorical;
    let path: string | null = null;
    for (let i = 0; i < this.pathFields.length && path === null; i++) {
      const v = categorical[this.pathFields[i]];
      if (v !== undefined) path = pathOf(v);
    }
    if (path === null) return null;
    let method: string | null = null;
    for (let i = 0; i < this.methodFields.length && method === null; i++) {
      const v = categorical[this.methodFields[i]];
      if (v !== undefined && isMethod(v)) method = v;
    }
    const route = normalizePath(path);
    return method === null ? route : `${method} ${route}`;
  }
}

/** Most path fields and most method fields a reader tries. */
const MAX_FIELDS = 4;

function roleOf(field: string): 0 | 1 | 2 {
  const name = field.slice(field.lastIndexOf('.') + 1).toLowerCase();
  if (ROUTE_FIELD_NAMES.has(name)) return 1;
  if (METHOD_FIELD_NAMES.has(name)) return 2;
  return 0;
}

/** The path of a value that is a path (`/…`) or an http(s) URL, else null. */
function pathOf(v: string): string | null {
  if (v.charCodeAt(0) === 47) return v;
  if (!v.startsWith('http://') && !v.startsWith('https://')) return null;
  const slash = v.indexOf('/', v.indexOf('//') + 2);
  return slash < 0 ? '/' : v.slice(slash);
}

/** An HTTP method: 3 to 10 capital letters. */
function isMethod(v: string): boolean {
  if (v.length < 3 || v.length > 10) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 65 || c > 90) return false;
  }
  return true;
}

/** A path without its query string or fragment, value segments replaced by `:id` (see {@link RouteReader}). */
export function normalizePath(path: string): string {
  // One pass finds where the path ends and whether any segment holds a value; most paths come back as they are.
  let end = path.length;
  let plain = true;
  let start = 0;
  let digits = 0;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? path.charCodeAt(i) : 47;
    if (c === 63 || c === 35 || c === 59) {
      end = i; // ? # ;
      i--;
      continue;
    }
    if (c === 47) {
      const n = i - start;
      if (n > 0 && (digits === n || (n >= 6 && digits >= 2))) {
        plain = false;
        break;
      }
      start = i + 1;
      digits = 0;
    } else if (c >= 48 && c <= 57) digits++;
  }
  if (plain) {
    const route = end === path.length ? path : path.slice(0, end);
    return route.length > MAX_ROUTE_CHARS ? route.slice(0, MAX_ROUTE_CHARS) : route;
  }
  for (let i = 0; i < end; i++) {
    const c = path.charCodeAt(i);
    if (c === 63 || c === 35 || c === 59) end = i;
  }
  let out = '';
  start = 0;
  while (start <= end && out.length < MAX_ROUTE_CHARS) {
    let stop = path.indexOf('/', start);
    if (stop < 0 || stop > end) stop = end;
    if (start > 0) out += '/';
    out += holdsValue(path, start, stop) ? ROUTE_VALUE : path.slice(start, stop);
    start = stop + 1;
  }
  return out.length > MAX_ROUTE_CHARS ? out.slice(0, MAX_ROUTE_CHARS) : out;
}

/** Whether `s[start..end)` is a value: all digits, or six characters or more with two digits or more. */
function holdsValue(s: string, start: number, end: number): boolean {
  const n = end - start;
  if (n === 0) return false;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  return digits === n || (n >= 6 && digits >= 2);
}
