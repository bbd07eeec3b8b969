import { textPattern } from './line-formats.js';
import { splitEntry, type TemplateSpec } from './template.js';

interface TextService {
  /** Typical duration of an operation, in ms. */
  latency: number;
  /** `verb|-ing form|past tense|object (with slots)|failure reason`, main operations first. */
  ops: readonly string[];
}

/** Services that write free-text application logs (Java/Python style). */
const SERVICES: Readonly<Record<string, TextService>> = {
  inventory: {
    latency: 25,
    ops: [
      'reserve|reserving|reserved|%{int:1:12} units of %{sku} for order %{order}|insufficient stock',
      'release|releasing|released|reservation res-%{hex:8} for order %{order}|reservation not found',
      'adjust|adjusting|adjusted|stock of %{sku} by %{pick:delta} in %{pick:warehouse}|negative stock not allowed',
      'count|counting|counted|cycle inventory for aisle %{pick:aisle} in %{pick:warehouse}|scanner feed missing',
      'sync|syncing|synced|stock levels with supplier %{pick:supplier}|supplier API returned 502',
      'receive|receiving|received|purchase order PO-%{int:100000:999999} (%{int:1:80} lines)|ASN mismatch',
      'transfer|transferring|transferred|%{int:1:200} units of %{sku} to %{pick:warehouse}|destination at capacity',
      'load|loading|loaded|stock snapshot for %{pick:warehouse} (%{int:20000:90000} rows)|snapshot file truncated',
      'expire|expiring|expired|%{int:1:40} stale reservations older than 30 min|lock wait timeout',
      'publish|publishing|published|stock event for %{sku} to inventory.v2|broker not available',
      'recompute|recomputing|recomputed|safety stock for %{sku} (forecast %{int:10:900})|forecast missing',
      'check|checking|checked|availability of %{sku} across %{int:2:6} warehouses|warehouse service timeout',
    ],
  },
  shipping: {
    latency: 80,
    ops: [
      'create|creating|created|label for shipment %{shipment} with %{pick:carrier}|carrier rejected address',
      'book|booking|booked|pickup for %{int:1:40} parcels at %{pick:warehouse}|no pickup slot available',
      'track|tracking|tracked|shipment %{shipment} status %{pick:trackStatus}|tracking number unknown',
      'quote|quoting|quoted|rates for %{int:1:5} parcels to %{pick:country}|rate card expired',
      'print|printing|printed|manifest MF-%{int:10000:99999} for %{pick:carrier}|printer offline',
      'validate|validating|validated|customs data for shipment %{shipment}|HS code missing',
      'assign|assigning|assigned|shipment %{shipment} to route %{pick:routeCode}|no route for postcode',
      'poll|polling|polled|%{pick:carrier} tracking events (%{int:0:500} new)|carrier API rate limited',
      'cancel|cancelling|cancelled|label for shipment %{shipment}|label already scanned',
      'notify|notifying|notified|customer about shipment %{shipment}|notification service unavailable',
      'weigh|weighing|weighed|parcel %{shipment}-%{int:1:4} at %{int:100:30000} g|scale calibration error',
      'consolidate|consolidating|consolidated|%{int:2:12} orders into shipment %{shipment}|orders in different warehouses',
    ],
  },
  billing: {
    latency: 60,
    ops: [
      'issue|issuing|issued|invoice %{invoice} for %{amount} %{pick:currency}|tax id invalid',
      'generate|generating|generated|PDF for invoice %{invoice} (%{int:20:400} KB)|renderer crashed',
      'charge|charging|charged|subscription sub_%{hex:8} for plan %{pick:plan}|card declined',
      'apply|applying|applied|credit note %{invoice} to account acct-%{int:10000:99999}|credit exceeds balance',
      'compute|computing|computed|usage for account acct-%{int:10000:99999} (%{int:1:900} units)|meter data incomplete',
      'send|sending|sent|dunning reminder %{int:1:3} for invoice %{invoice}|mail queue full',
      'close|closing|closed|billing period %{pick:period} for %{int:100:9000} accounts|period already closed',
      'export|exporting|exported|ledger entries to ERP batch %{int:1000:9999}|ERP endpoint timeout',
      'renew|renewing|renewed|subscription sub_%{hex:8} until %{pick:renewDate}|payment method expired',
      'prorate|prorating|prorated|plan change for account acct-%{int:10000:99999}|overlapping periods',
      'reconcile|reconciling|reconciled|payouts for %{pick:psp} (%{int:10:900} items)|unmatched payout',
      'void|voiding|voided|invoice %{invoice}|invoice already paid',
    ],
  },
  users: {
    latency: 20,
    ops: [
      'create|creating|created|account for %{user}|email already registered',
      'update|updating|updated|profile of %{user} (%{int:1:6} fields)|validation failed',
      'verify|verifying|verified|email address of %{user}|verification link expired',
      'delete|deleting|deleted|account of %{user} on request|pending orders exist',
      'load|loading|loaded|profile of %{user} from cache|cache deserialization error',
      'merge|merging|merged|duplicate accounts of %{user}|conflicting addresses',
      'export|exporting|exported|personal data of %{user} (GDPR request %{int:1000:9999})|archive upload failed',
      'add|adding|added|address for %{user} in %{pick:country}|address limit reached',
      'anonymize|anonymizing|anonymized|%{int:1:200} inactive accounts|row lock timeout',
      'change|changing|changed|role of %{user} to %{pick:role}|insufficient privileges',
      'import|importing|imported|%{int:10:5000} contacts for %{user}|CSV header missing',
      'refresh|refreshing|refreshed|avatar of %{user} (%{int:10:900} KB)|image decode error',
    ],
  },
  catalog: {
    latency: 30,
    ops: [
      'load|loading|loaded|product %{sku} (%{int:1:30} variants)|product not found',
      'update|updating|updated|price of %{sku} to %{amount} %{pick:currency}|price below floor',
      'import|importing|imported|feed %{pick:feed} with %{int:100:20000} products|feed schema mismatch',
      'publish|publishing|published|%{int:1:500} product changes to search|search indexer unavailable',
      'resize|resizing|resized|image %{hex:16}.jpg to %{pick:imageSize}|unsupported color profile',
      'translate|translating|translated|description of %{sku} to %{pick:locale}|translation quota exceeded',
      'validate|validating|validated|attributes of %{sku} (%{int:5:60} attributes)|required attribute missing',
      'link|linking|linked|%{sku} to category %{pick:category}|category archived',
      'archive|archiving|archived|%{int:1:300} discontinued products|product in open orders',
      'purge|purging|purged|CDN cache for %{int:1:400} product pages|CDN API unauthorized',
      'compute|computing|computed|bundle price for %{sku} (%{int:2:5} items)|component price missing',
      'review|reviewing|reviewed|%{int:1:80} pending product reviews|moderation service timeout',
    ],
  },
  scheduler: {
    latency: 150,
    ops: [
      'start|starting|started|job %{pick:job} (run %{int:10000:99999})|previous run still active',
      'finish|finishing|finished|job %{pick:job} (run %{int:10000:99999})|exit code 1',
      'acquire|acquiring|acquired|leader lock for %{int:15:60} s|lock held by another node',
      'renew|renewing|renewed|leader lease (epoch %{int:100:999})|lease expired',
      'dispatch|dispatching|dispatched|%{int:1:50} tasks to queue %{pick:queue}|queue unavailable',
      'reschedule|rescheduling|rescheduled|job %{pick:job} to %{pick:digestHour}|cron expression invalid',
      'purge|purging|purged|%{int:100:90000} finished task records|delete timed out',
      'load|loading|loaded|%{int:20:60} job definitions from config|config parse error',
      'scale|scaling|scaled|worker pool %{pick:queue} to %{int:2:32} workers|quota exceeded',
      'record|recording|recorded|heartbeat of worker-%{int:1:24} (%{int:0:16} running)|clock skew too large',
      'skip|skipping|skipped|job %{pick:job}, window already processed|state store unavailable',
      'drain|draining|drained|queue %{pick:queue} (%{int:0:5000} pending)|consumer stuck',
    ],
  },
};

/** The text-logging services. */
export const TEXT_SERVICES: readonly string[] = Object.keys(SERVICES);

/**
 * Text templates: every service × operation × seven outcomes (two info lines, a debug line, slow and retry
 * warnings, a failure and a give-up error).
 */
export function textTemplates(): TemplateSpec[] {
  const specs: TemplateSpec[] = [];
  for (const [service, { latency, ops }] of Object.entries(SERVICES)) {
    for (const [index, op] of ops.entries()) {
      const [verb, ing, past, object, reason] = splitEntry(op, 5);
      const add = (
        name: string,
        outcome: TemplateSpec['outcome'],
        tier: number,
        level: string,
        msg: string,
      ) =>
        specs.push({
          key: `${service}.${verb}.${name}`,
          format: 'text',
          service,
          outcome,
          tier,
          pattern: textPattern(level, service, msg),
          role: 'zipf',
        });
      const routine = index / ops.length;
      add('ok', 'ok', routine, 'INFO', `${past} ${object}`);
      add('timed', 'ok', routine, 'INFO', `${past} ${object} in %{latency:${latency}} ms`);
      add('debug', 'debug', 1, 'DEBUG', `${ing} ${object}`);
      add(
        'slow',
        'warn',
        2,
        'WARN',
        `${ing} ${object} took %{latency:${latency * 12}} ms (threshold ${latency * 5} ms)`,
      );
      add(
        'retry',
        'warn',
        2,
        'WARN',
        `could not ${verb} ${object}, retrying in %{pick:backoff} ms (attempt %{int:1:4}/5): %{pick:transient}`,
      );
      add('error', 'error', 3, 'ERROR', `failed to ${verb} ${object}: ${reason}`);
      add('giveup', 'error', 3, 'ERROR', `giving up on ${ing} ${object} after 5 attempts: ${reason}`);
    }
  }
  return specs;
}
