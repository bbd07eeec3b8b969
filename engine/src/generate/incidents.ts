import type { Catalogue, Template } from './catalogue.js';
import { FATAL_KEYS, NEW_EXCEPTION_KEY } from './incident-templates.js';
import { compilePattern, type Render } from './pattern.js';
import { ABNORMAL_CHECKOUTS } from './session-flows.js';
import { pinnedSlots } from './slots.js';
import { RARE_IP, RARE_USER } from './vocabulary.js';

/** Kinds of injected incident, in the order they appear in a log. */
export const INCIDENT_KINDS = [
  'error-burst',
  'latency-spike',
  'new-exception',
  'rare-value',
  'template-flood',
  'silence',
  'session-anomaly',
  'fatal',
] as const;
/** A kind of injected incident. */
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** A line an incident writes: the template it counts as and how it is rendered (possibly with pinned values). */
export interface Injection {
  template: Template;
  render: Render;
}

/** How one incident unfolds. Windows are measured in lines; see {@link incidentPlans}. */
export interface IncidentPlan {
  kind: IncidentKind;
  service: string;
  description: string;
  /** Where the incident starts, as a fraction of the log (of its bytes, or of its lines). */
  at: number;
  /** Window length relative to the base window (1 % of the log's lines, 40 to 20,000). */
  windowScale: number;
  /** Lines injected over the window: a count spread at random, or `Infinity` for one line in `gap`. */
  count: number;
  /** Mean lines between injections when `count` is `Infinity`. */
  gap: number;
  /** Lines to inject, drawn at random (or in order, on consecutive lines, when `consecutive`). */
  injections: readonly Injection[];
  consecutive: boolean;
  /** Multiplier on latencies while an injected line is rendered. */
  latencyScale: number;
  /** Templates normal traffic must not draw during the window. */
  suppressed: readonly Template[];
  /** Abnormal sessions to start instead of injecting lines (session-anomaly). */
  abnormalSessions: readonly (readonly Template[])[];
}

const SEARCH_ROUTE = 'GET /api/v1/search';

/**
 * The incident schedule, none before 35 % of the log so a model can train on a clean prefix:
 * - 35 % `error-burst` (payments): its failure lines and 5xx answers on its routes, one line in three.
 * - 43 % `latency-spike` (search): `GET /api/v1/search` and search `latency_ms` about 40× slower.
 * - 50 % `new-exception` (inventory): 20 lines of a Java exception never seen before.
 * - 57 % `rare-value` (auth): 6 logins (SSH password, auth service) of an unseen account from an unseen address.
 * - 64 % `template-flood` (shipping): one rare warning (carrier poll retry) written one line in three.
 * - 71 % `silence` (recommendations): the service writes nothing for twice the base window (no line labelled).
 * - 79 % `session-anomaly` (checkout): 5 checkout sessions with the order created before the payment, or no
 *   payment at all; every line of those sessions is labelled.
 * - 87 % `fatal` (orders): a panic at level fatal, then systemd's two lines about the service failing.
 */
export function incidentPlans(catalogue: Catalogue): IncidentPlan[] {
  const { templates, byKey } = catalogue;
  const plain = (t: Template): Injection => ({ template: t, render: t.render });
  const pinned = (t: Template, pins: Record<string, string>): Injection => ({
    template: t,
    render: compilePattern(t.pattern, pinnedSlots(pins)),
  });
  const base = {
    windowScale: 1,
    count: Number.POSITIVE_INFINITY,
    gap: 3,
    injections: [],
    consecutive: false,
    latencyScale: 1,
    suppressed: [],
    abnormalSessions: [],
  };
  const sshPassword = templates.find((t) => t.service === 'sshd' && t.pattern.includes('Accepted password'));
  const rareValue = [pinned(byKey('auth.authenticate.user.ok'), { user: RARE_USER, clientip: RARE_IP })];
  if (sshPassword !== undefined) rareValue.push(pinned(sshPassword, { sshuser: RARE_USER, ip: RARE_IP }));
  return [
    {
      ...base,
      kind: 'error-burst',
      service: 'payments',
      description: 'payments fails: its error lines and 5xx answers on its routes, one line in three',
      at: 0.35,
      injections: templates
        .filter((t) => t.service === 'payments' && t.role === 'zipf' && t.outcome === 'error')
        .map(plain),
    },
    {
      ...base,
      kind: 'latency-spike',
      service: 'search',
      description: `${SEARCH_ROUTE} answers about 40x slower (nginx request time, search latency_ms)`,
      at: 0.43,
      gap: 12,
      latencyScale: 40,
      injections: [byKey(`nginx.${SEARCH_ROUTE}.200`), byKey(`nginx.${SEARCH_ROUTE}.200`)]
        .concat(byKey('search.execute.search-query.ok'))
        .map(plain),
      suppressed: templates.filter((t) => t.route === SEARCH_ROUTE),
    },
    {
      ...base,
      kind: 'new-exception',
      service: 'inventory',
      description: 'inventory throws an exception never seen before (stack trace on one line)',
      at: 0.5,
      windowScale: 1.5,
      count: 20,
      injections: [plain(byKey(NEW_EXCEPTION_KEY))],
    },
    {
      ...base,
      kind: 'rare-value',
      service: 'auth',
      description: `logins (SSH password and auth service) of unseen account ${RARE_USER} from ${RARE_IP}`,
      at: 0.57,
      windowScale: 2,
      count: 6,
      injections: rareValue,
    },
    {
      ...base,
      kind: 'template-flood',
      service: 'shipping',
      description: 'shipping repeats one rare warning (carrier poll retry), one line in three',
      at: 0.64,
      windowScale: 0.5,
      injections: [plain(byKey('shipping.poll.retry'))],
    },
    {
      ...base,
      kind: 'silence',
      service: 'recommendations',
      description: 'recommendations writes nothing (its JSON lines and nginx routes); no line is labelled',
      at: 0.71,
      windowScale: 2,
      count: 0,
      suppressed: templates.filter((t) => t.service === 'recommendations'),
    },
    {
      ...base,
      kind: 'session-anomaly',
      service: 'checkout',
      description: 'checkout sessions that create the order before the payment, or skip the payment',
      at: 0.79,
      count: 5,
      abnormalSessions: ABNORMAL_CHECKOUTS.map((order) => order.map((i) => byKey(`flow.checkout.${i}`))),
    },
    {
      ...base,
      kind: 'fatal',
      service: 'orders',
      description: 'orders panics (level fatal) and systemd reports the service failed',
      at: 0.87,
      windowScale: 0.2,
      count: FATAL_KEYS.length,
      consecutive: true,
      injections: FATAL_KEYS.map((k) => plain(byKey(k))),
    },
  ];
}
