import { jsonPattern } from './line-formats.js';
import { splitEntry, type TemplateSpec } from './template.js';

/**
 * Operations of the services that log JSON, main ones first, one string each:
 * `verb|object|past tense|base latency ms (- for a background event)|failure reason|extra fields`.
 */
const SERVICES: Readonly<Record<string, readonly string[]>> = {
  'api-gateway': [
    'route|request|routed|8|no healthy upstream|,"method":"%{pick:method}","path":"%{pick:apiPath}","upstream":"%{pick:upstream}"',
    'evaluate|rate limit|evaluated|1|redis unavailable|,"client_ip":"%{clientip}","bucket":"%{pick:rlBucket}","remaining":%{int:0:600}',
    'verify|api key|verified|3|key revoked|,"key_id":"ak_%{hex:8}","client":"%{pick:apiClient}"',
    'refresh|route table|refreshed|-|config store timeout|,"routes":%{int:120:140},"version":%{int:4000:4999}',
    'open|websocket|opened|15|upgrade rejected|,"client_ip":"%{clientip}","conn_id":"%{hex:8}"',
    'close|websocket|closed|-|protocol error|,"conn_id":"%{hex:8}","duration_s":%{int:1:3600}',
    'proxy|upload|proxied|240|body too large|,"size_bytes":%{int:1024:9999999}',
    'reload|TLS certificate|reloaded|-|certificate chain invalid|,"cn":"shop.example.com","expires_in_days":%{int:20:89}',
    'check|upstream health|checked|4|health endpoint unreachable|,"upstream":"%{pick:upstream}","healthy":%{int:2:6}',
    'apply|CORS policy|applied|-|origin not allowed|,"origin":"https://%{pick:origin}"',
  ],
  auth: [
    'validate|token|validated|4|signature mismatch|,"user":"%{user}","scope":"%{pick:scope}"',
    'authenticate|user|authenticated|60|invalid credentials|,"user":"%{user}","method":"%{pick:authMethod}","ip":"%{clientip}"',
    'issue|refresh token|issued|12|token store write failed|,"user":"%{user}","ttl_s":%{pick:ttl}',
    'revoke|session|revoked|9|session not found|,"user":"%{user}","session_id":"%{hex:16}"',
    'rotate|signing key|rotated|-|kms timeout|,"kid":"%{hex:8}","alg":"RS256"',
    'send|MFA challenge|sent|180|sms provider error|,"user":"%{user}","channel":"%{pick:mfaChannel}"',
    'verify|MFA code|verified|6|code expired|,"user":"%{user}","attempt":%{int:1:3}',
    'load|JWKS|loaded|-|fetch failed|,"keys":%{int:2:4}',
    'reset|password|reset|95|reset token expired|,"user":"%{user}","ip":"%{clientip}"',
    'lock|account|locked|-|directory unavailable|,"user":"%{user}","failures":%{int:5:9}',
  ],
  checkout: [
    'load|cart|loaded|14|cart not found|,"cart_id":"cart-%{hex:8}","items":%{int:1:12}',
    'add|cart item|added|11|sku unavailable|,"cart_id":"cart-%{hex:8}","sku":"%{sku}","qty":%{int:1:5}',
    'remove|cart item|removed|9|item not in cart|,"cart_id":"cart-%{hex:8}","sku":"%{sku}"',
    'apply|coupon|applied|20|coupon expired|,"coupon":"%{pick:coupon}","discount":%{amount}',
    'compute|shipping quote|computed|85|rate service timeout|,"carrier":"%{pick:carrier}","amount":%{amount}',
    'compute|tax|computed|30|tax provider unavailable|,"country":"%{pick:country}","rate":%{pick:taxRate}',
    'start|checkout|started|25|cart locked|,"cart_id":"cart-%{hex:8}","user":"%{user}"',
    'validate|address|validated|40|address not deliverable|,"country":"%{pick:country}","postcode":"%{int:10000:99999}"',
    'expire|cart|expired|-|lock held|,"cart_id":"cart-%{hex:8}","idle_min":%{int:30:720}',
    'merge|guest cart|merged|18|conflicting versions|,"user":"%{user}","items":%{int:1:6}',
  ],
  payments: [
    'authorize|payment|authorized|320|issuer declined|,"payment_id":"pay_%{hex:16}","amount":%{amount},"currency":"%{pick:currency}"',
    'capture|payment|captured|210|authorization expired|,"payment_id":"pay_%{hex:16}","amount":%{amount}',
    'refund|payment|refunded|260|refund window closed|,"payment_id":"pay_%{hex:16}","amount":%{amount}',
    'void|authorization|voided|150|already captured|,"payment_id":"pay_%{hex:16}"',
    'verify|3-D Secure|verified|900|challenge timed out|,"payment_id":"pay_%{hex:16}","version":"2.2.0"',
    'tokenize|card|tokenized|70|vault unavailable|,"brand":"%{pick:cardBrand}","last4":"%{int:1000:9999}"',
    'receive|webhook|received|12|signature mismatch|,"provider":"%{pick:psp}","event":"%{pick:pspEvent}"',
    'reconcile|settlement batch|reconciled|-|amount mismatch|,"batch":"stl-%{int:100000:999999}","count":%{int:50:4000}',
    'score|fraud risk|scored|45|model server timeout|,"score":%{int:0:99},"decision":"%{pick:fraudDecision}"',
    'fetch|exchange rates|fetched|-|provider returned 503|,"base":"EUR","pairs":%{int:30:40}',
  ],
  orders: [
    'create|order|created|48|duplicate idempotency key|,"order_id":"%{order}","user":"%{user}","total":%{amount}',
    'fetch|order|fetched|9|order not found|,"order_id":"%{order}"',
    'list|orders|listed|22|query timeout|,"user":"%{user}","page":%{int:1:20},"count":%{int:0:50}',
    'cancel|order|cancelled|35|order already shipped|,"order_id":"%{order}","reason":"%{pick:cancelReason}"',
    'update|order status|updated|15|invalid transition|,"order_id":"%{order}","to":"%{pick:orderStatus}"',
    'publish|order event|published|6|broker not available|,"topic":"orders.v1","partition":%{int:0:23}',
    'split|shipment|split|30|warehouse mapping missing|,"order_id":"%{order}","parts":%{int:2:4}',
    'archive|orders|archived|-|archive bucket unreachable|,"count":%{int:100:5000},"older_than_days":365',
    'apply|loyalty points|applied|28|loyalty service timeout|,"user":"%{user}","points":%{int:10:2500}',
    'export|invoice data|exported|140|template render failed|,"order_id":"%{order}","format":"%{pick:exportFormat}"',
  ],
  search: [
    'execute|search query|executed|35|index shard unavailable|,"query":"%{pick:query}","results":%{int:0:480}',
    'suggest|completions|suggested|6|suggester not ready|,"prefix":"%{pick:prefix}","count":%{int:0:10}',
    'refresh|index|refreshed|-|refresh rejected|,"index":"products-v%{int:40:47}","docs":%{int:180000:240000}',
    'index|product|indexed|12|mapping conflict|,"sku":"%{sku}","index":"products-v47"',
    'delete|product document|deleted|8|version conflict|,"sku":"%{sku}"',
    'warm|query cache|warmed|-|cache node unreachable|,"entries":%{int:1000:20000}',
    'rerank|results|reranked|18|ranking model timeout|,"model":"ltr-v%{int:3:5}","candidates":%{int:50:400}',
    'apply|synonyms|applied|-|synonym file invalid|,"set":"%{pick:synonymSet}","entries":%{int:200:900}',
    'merge|segments|merged|-|disk watermark exceeded|,"shard":%{int:0:11},"segments":%{int:2:30}',
    'snapshot|index|snapshotted|-|repository access denied|,"snapshot":"snap-%{int:10000:99999}"',
  ],
  notifications: [
    'send|email|sent|140|smtp 421 try again later|,"to_domain":"%{pick:emailDomain}","template":"%{pick:emailTemplate}"',
    'send|push notification|sent|90|device token invalid|,"platform":"%{pick:pushPlatform}","device":"%{hex:16}"',
    'send|SMS|sent|400|provider rejected number|,"country":"%{pick:country}","segments":%{int:1:3}',
    'render|template|rendered|5|missing variable|,"template":"%{pick:emailTemplate}","locale":"%{pick:locale}"',
    'enqueue|notification|enqueued|3|queue full|,"queue":"notify-%{pick:priority}","depth":%{int:0:800}',
    'process|bounce|processed|-|bounce parser error|,"to_domain":"%{pick:emailDomain}","type":"%{pick:bounceType}"',
    'update|preferences|updated|16|stale version|,"user":"%{user}","channels":%{int:1:3}',
    'dedupe|notification|deduplicated|-|dedupe store unavailable|,"key":"%{hex:16}","window_s":300',
    'schedule|digest|scheduled|-|scheduler rejected job|,"user":"%{user}","at":"%{pick:digestHour}"',
    'track|email open|tracked|4|unknown message|,"message_id":"%{uuid}"',
  ],
  recommendations: [
    'compute|recommendations|computed|55|feature store timeout|,"user":"%{user}","count":%{int:4:24}',
    'load|user embeddings|loaded|8|embedding missing|,"user":"%{user}","dims":128',
    'refresh|model|refreshed|-|artifact checksum mismatch|,"model":"als-v9","size_mb":%{int:200:800}',
    'record|impression|recorded|2|event buffer full|,"slot":"%{pick:recSlot}","items":%{int:4:12}',
    'record|click|recorded|2|event buffer full|,"sku":"%{sku}","position":%{int:1:24}',
    'compute|similar items|computed|30|index not loaded|,"sku":"%{sku}","count":%{int:4:16}',
    'fetch|trending items|fetched|12|cache miss storm|,"region":"%{pick:region}","count":%{int:10:50}',
    'filter|out-of-stock items|filtered|6|inventory lookup failed|,"removed":%{int:0:8}',
    'assign|experiment bucket|assigned|1|experiment config missing|,"experiment":"%{pick:experiment}"',
    'flush|feature cache|flushed|-|flush timed out|,"entries":%{int:1000:90000}',
  ],
};

/** Endpoints whose handling a JSON operation logs (the latency-spike incident slows one). */
const ROUTES: Readonly<Record<string, string>> = { 'search.execute': 'GET /api/v1/search' };

/** The JSON-logging services. */
export const JSON_SERVICES: readonly string[] = Object.keys(SERVICES);

/**
 * JSON templates: every service × operation × outcome (`ok` info, `debug` start, slow and retry warnings,
 * failure error). Request operations carry `latency_ms` and `status`.
 */
export function jsonTemplates(): TemplateSpec[] {
  const specs: TemplateSpec[] = [];
  for (const [service, ops] of Object.entries(SERVICES)) {
    for (const [index, op] of ops.entries()) {
      const [verb, object, past, latency, reason, fields] = splitEntry(op, 6);
      const key = `${service}.${verb}.${object.replaceAll(' ', '-').toLowerCase()}`;
      const route = ROUTES[`${service}.${verb}`];
      const request = latency !== '-';
      // Background events have no HTTP status, but a slow one still reports how long it took.
      const base = request ? Number(latency) : 400;
      const timed = (scale: number, status: string): string =>
        request ? `,"latency_ms":%{latency:${base * scale}},"status":${status}` : '';
      const add = (
        outcome: TemplateSpec['outcome'],
        tier: number,
        level: string,
        msg: string,
        extra: string,
      ) =>
        specs.push({
          key: `${key}.${outcome === 'warn' ? msg.split(' ')[0] : outcome}`,
          format: 'json',
          service,
          outcome,
          tier,
          route,
          pattern: jsonPattern(level, service, msg, fields + extra),
          role: 'zipf',
        });
      // Each service lists its main operations first; background events are less frequent than requests.
      const routine = index / ops.length + (request ? 0 : 0.5);
      add('ok', routine, 'info', `${object} ${past}`, timed(1, '200'));
      add('debug', 1, 'debug', `${verb} ${object} started`, '');
      add(
        'warn',
        2,
        'warn',
        `slow ${verb} ${object}`,
        request
          ? `${timed(12, '200')},"budget_ms":${Math.max(50, base * 5)}`
          : `,"duration_ms":%{latency:${base * 12}},"budget_ms":${base * 5}`,
      );
      add(
        'warn',
        2,
        'warn',
        `retrying ${verb} ${object}`,
        ',"attempt":%{int:2:5},"error":"%{pick:transient}"',
      );
      add(
        'error',
        3,
        'error',
        `failed to ${verb} ${object}`,
        `,"error":"${reason}"${timed(3, '%{pick:status5xx}')}`,
      );
    }
  }
  return specs;
}
