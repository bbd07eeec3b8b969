import { jsonPattern, textPattern } from './line-formats.js';
import { splitEntry, type TemplateSpec } from './template.js';

/** A multi-step request: its steps run in order, interleaved with other sessions, under one session id. */
export interface FlowDefinition {
  name: string;
  /** Relative frequency among sessions. */
  weight: number;
  /** Steps as `service|json or text|level|message|JSON fields` (`%{suser}` is the session's user). */
  steps: readonly string[];
}

const GATEWAY_IN = (method: string, path: string): string =>
  `api-gateway|json|info|request received|,"method":"${method}","path":"${path}","client_ip":"%{clientip}"`;
const GATEWAY_OUT = (method: string, path: string, status: number, latency: number): string =>
  `api-gateway|json|info|response sent|,"method":"${method}","path":"${path}","status":${status},"latency_ms":%{latency:${latency}}`;

/** The session flows of normal traffic. `checkout` is the one the session-anomaly incident corrupts. */
export const SESSION_FLOWS: readonly FlowDefinition[] = [
  {
    name: 'checkout',
    weight: 2,
    steps: [
      GATEWAY_IN('POST', '/api/v1/checkout'),
      'auth|json|info|token validated|,"user":"%{suser}","scope":"checkout"',
      'inventory|text|INFO|reserved %{int:1:6} items of cart cart-%{hex:8} for %{suser}|',
      'payments|json|info|payment authorized|,"user":"%{suser}","amount":%{amount},"latency_ms":%{latency:300},"status":200',
      'orders|json|info|order created|,"order_id":"%{order}","user":"%{suser}"',
      'notifications|json|info|order confirmation queued|,"channel":"email","user":"%{suser}"',
      GATEWAY_OUT('POST', '/api/v1/checkout', 201, 600),
    ],
  },
  {
    name: 'login',
    weight: 4,
    steps: [
      GATEWAY_IN('POST', '/api/v1/auth/login'),
      'auth|json|info|credentials checked|,"user":"%{suser}","method":"%{pick:authMethod}"',
      'auth|json|info|session established|,"user":"%{suser}","session_ttl_s":3600',
      GATEWAY_OUT('POST', '/api/v1/auth/login', 200, 90),
    ],
  },
  {
    name: 'search',
    weight: 5,
    steps: [
      GATEWAY_IN('GET', '/api/v1/search'),
      'search|json|info|query parsed|,"query":"%{pick:query}","tokens":%{int:1:5}',
      'search|json|info|results ranked|,"candidates":%{int:10:400},"returned":%{int:0:24}',
      GATEWAY_OUT('GET', '/api/v1/search', 200, 45),
    ],
  },
  {
    name: 'browse',
    weight: 3,
    steps: [
      GATEWAY_IN('GET', '/api/v1/products'),
      'catalog|text|INFO|fetched product %{sku} for %{suser}|',
      'inventory|text|INFO|availability of %{sku}: %{int:0:400} in stock|',
      GATEWAY_OUT('GET', '/api/v1/products', 200, 30),
    ],
  },
  {
    name: 'signup',
    weight: 1,
    steps: [
      GATEWAY_IN('POST', '/api/v1/users'),
      'users|text|INFO|registered new account %{suser}|',
      'notifications|json|info|welcome email queued|,"user":"%{suser}","template":"welcome"',
      GATEWAY_OUT('POST', '/api/v1/users', 201, 80),
    ],
  },
  {
    name: 'refund',
    weight: 1,
    steps: [
      GATEWAY_IN('POST', '/api/v1/refunds'),
      'payments|json|info|refund requested|,"user":"%{suser}","amount":%{amount}',
      'billing|text|INFO|issued credit note %{invoice} for %{suser}|',
      'payments|json|info|refund settled|,"user":"%{suser}","latency_ms":%{latency:240},"status":200',
      GATEWAY_OUT('POST', '/api/v1/refunds', 200, 240),
    ],
  },
  {
    name: 'shipment',
    weight: 2,
    steps: [
      'shipping|text|INFO|picked order %{order} for %{suser}|',
      'shipping|text|INFO|packed shipment %{shipment} (%{int:1:4} parcels)|',
      'shipping|text|INFO|handed shipment %{shipment} to %{pick:carrier}|',
      'notifications|json|info|shipping update queued|,"user":"%{suser}","channel":"%{pick:pushPlatform}"',
    ],
  },
];

/**
 * Abnormal orders of the `checkout` steps used by the session-anomaly incident: the order is created before
 * the payment is authorized, or the payment step is missing altogether.
 */
export const ABNORMAL_CHECKOUTS: readonly (readonly number[])[] = [
  [0, 1, 2, 4, 3, 5, 6],
  [0, 1, 2, 4, 5, 6],
];

/** Templates of the flow steps (drawn only inside sessions), keyed `flow.<name>.<step>`. */
export function flowTemplates(): TemplateSpec[] {
  return SESSION_FLOWS.flatMap((flow) =>
    flow.steps.map((step, i): TemplateSpec => {
      const [service, format, level, message, fields] = splitEntry(step, 5);
      return {
        key: `flow.${flow.name}.${i}`,
        format: format === 'json' ? 'json' : 'text',
        service,
        outcome: 'ok',
        tier: 0,
        pattern:
          format === 'json'
            ? jsonPattern(level, service, message, fields)
            : textPattern(level, service, message),
        role: 'flow',
      };
    }),
  );
}
