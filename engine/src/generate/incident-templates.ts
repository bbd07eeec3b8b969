import { jsonPattern, syslogPattern, textPattern } from './line-formats.js';
import type { TemplateSpec } from './template.js';

/** Key of the never-before-seen exception injected by the new-exception incident. */
export const NEW_EXCEPTION_KEY = 'incident.new-exception';
/** Keys of the lines of the fatal incident, in the order they are written. */
export const FATAL_KEYS: readonly string[] = ['incident.panic', 'incident.exited', 'incident.failed'];

const STACK = [
  'at com.shop.inventory.ledger.Ledger.apply(Ledger.java:218)',
  'at com.shop.inventory.worker.ReservationWorker.run(ReservationWorker.java:97)',
  'at java.base/java.lang.Thread.run(Thread.java:1583)',
].join(' ');

/** Templates that normal traffic never draws: only incidents write them. */
export function incidentTemplates(): TemplateSpec[] {
  const base = { role: 'incident', tier: 3 } as const;
  return [
    {
      ...base,
      key: NEW_EXCEPTION_KEY,
      format: 'text',
      service: 'inventory',
      outcome: 'error',
      pattern: textPattern(
        'ERROR',
        'inventory',
        'unhandled exception in ReservationWorker: java.lang.IllegalStateException: ledger out of balance ' +
          `for %{sku} (expected %{int:1:9}, found -%{int:1:9}) ${STACK}`,
      ),
    },
    {
      ...base,
      key: 'incident.panic',
      format: 'json',
      service: 'orders',
      outcome: 'error',
      pattern: jsonPattern(
        'fatal',
        'orders',
        'panic: runtime error: invalid memory address or nil pointer dereference',
        ',"signal":"SIGSEGV","goroutine":%{int:100:999},"stack":"orders/internal/store.(*Ledger).Flush(0x0) store/ledger.go:118"',
      ),
    },
    {
      ...base,
      key: 'incident.exited',
      format: 'syslog',
      service: 'systemd',
      outcome: 'error',
      pattern: syslogPattern(
        'systemd',
        'orders.service: Main process exited, code=exited, status=2/INVALIDARGUMENT',
        '1',
        'api-02',
      ),
    },
    {
      ...base,
      key: 'incident.failed',
      format: 'syslog',
      service: 'systemd',
      outcome: 'error',
      pattern: syslogPattern('systemd', "orders.service: Failed with result 'exit-code'.", '1', 'api-02'),
    },
  ];
}
