import { nginxPattern } from './line-formats.js';
import { splitEntry, type TemplateSpec } from './template.js';

type RouteKind = 'read' | 'write' | 'change' | 'static' | 'probe' | 'scan';

/** `METHOD path-pattern|upstream|base latency ms|typical body bytes`, grouped by kind, busiest first. */
const ROUTES: Readonly<Record<RouteKind, readonly string[]>> = {
  read: [
    'GET /api/v1/products/%{skuNum}|catalog|25|2400',
    'GET /api/v1/products?category=%{pick:category}&page=%{int:1:20}|catalog|40|18000',
    'GET /api/v1/search?q=%{pick:queryUrl}&page=%{int:1:5}|search|45|12000',
    'GET /api/v1/search/suggest?prefix=%{pick:prefix}|search|8|600',
    'GET /api/v1/cart/cart-%{hex:8}|checkout|15|1800',
    'GET /api/v1/orders/%{order}|orders|12|2200',
    'GET /api/v1/orders?page=%{int:1:10}|orders|25|9000',
    'GET /api/v1/users/me|users|10|900',
    'GET /api/v1/users/me/addresses|users|12|1400',
    'GET /api/v1/recommendations?slot=%{pick:recSlot}|recommendations|60|5200',
    'GET /api/v1/shipments/%{shipment}/tracking|shipping|80|1600',
    'GET /api/v1/invoices/%{invoice}.pdf|billing|150|90000',
    'GET /api/v1/inventory/%{skuNum}/availability|inventory|18|400',
    'GET /api/v1/payments/methods|payments|20|1100',
    'GET /api/v1/notifications?unread=true|notifications|14|2100',
    'GET /api/v1/categories|catalog|9|7000',
    'GET /api/v1/auth/session|auth|5|300',
    'GET /api/v2/products/%{skuNum}/reviews?page=%{int:1:8}|catalog|35|6400',
    'GET /api/v1/stores?near=%{int:10000:99999}|catalog|30|3000',
    'GET /api/v1/config/features|api-gateway|3|800',
  ],
  write: [
    'POST /api/v1/auth/login|auth|90|420',
    'POST /api/v1/auth/refresh|auth|15|380',
    'POST /api/v1/cart/cart-%{hex:8}/items|checkout|22|1900',
    'POST /api/v1/checkout|checkout|180|700',
    'POST /api/v1/payments|payments|350|650',
    'POST /api/v1/orders|orders|60|900',
    'POST /api/v1/users|users|80|500',
    'POST /api/v1/events|recommendations|3|20',
    'POST /api/v1/refunds|payments|240|400',
    'POST /api/v1/newsletter/subscribe|notifications|30|120',
    'POST /api/v1/coupons/validate|checkout|18|260',
    'POST /api/v1/uploads|api-gateway|600|300',
  ],
  change: [
    'PUT /api/v1/users/me|users|40|900',
    'PATCH /api/v1/cart/cart-%{hex:8}/items/%{skuNum}|checkout|20|1900',
    'DELETE /api/v1/cart/cart-%{hex:8}/items/%{skuNum}|checkout|15|1700',
    'DELETE /api/v1/auth/session|auth|8|40',
    'PUT /api/v1/users/me/preferences|notifications|25|300',
  ],
  static: [
    'GET /static/js/app.%{hex:8}.js|cdn|2|180000',
    'GET /static/css/main.%{hex:8}.css|cdn|2|42000',
    'GET /static/img/products/%{skuNum}-%{pick:imageSize}.webp|cdn|3|35000',
    'GET /favicon.ico|cdn|1|4286',
    'GET /|cdn|5|12000',
    'GET /robots.txt|cdn|1|120',
  ],
  probe: ['GET /healthz|api-gateway|1|2', 'GET /readyz|api-gateway|1|2', 'GET /metrics|api-gateway|4|14000'],
  scan: [
    'GET /wp-login.php|scanner|2|150',
    'GET /.env|scanner|1|150',
    'GET /.git/config|scanner|1|150',
    'GET /phpmyadmin/index.php|scanner|2|150',
    'GET /cgi-bin/luci|scanner|1|150',
    'POST /vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php|scanner|2|150',
    'GET /admin/config.php|scanner|1|150',
  ],
};

/** Statuses per kind of route; the first ones are routine, the last ones rare. */
const STATUSES: Readonly<Record<RouteKind, readonly number[]>> = {
  read: [200, 304, 401, 404, 500, 502, 503, 504],
  write: [201, 400, 401, 403, 409, 422, 429, 500, 502, 503, 504],
  change: [200, 400, 401, 404, 409, 500, 503],
  static: [200, 304, 404],
  probe: [200, 503],
  scan: [404, 403],
};

function tierOf(kind: RouteKind, status: number): number {
  if (kind === 'scan') return 2;
  if (status >= 500) return 3;
  if (status >= 429) return 2;
  if (status >= 400) return 1.5;
  if (kind === 'probe') return -1;
  if (status === 304) return 0.8;
  return kind === 'write' ? 0.6 : kind === 'change' ? 1 : 0.3;
}

function bodyBytes(status: number, typical: string): string {
  if (status === 304) return '0';
  if (status === 201 || status < 300) return `%{size:${typical}}`;
  if (status < 500) return '%{int:60:180}';
  return `${status === 502 ? 157 : status === 504 ? 167 : 494 + (status % 7)}`;
}

function clientOf(kind: RouteKind): [client: string, agent: string] {
  if (kind === 'probe') return ['%{ip}', '%{pick:probeUa}'];
  if (kind === 'scan') return ['%{scanip}', '%{pick:scanUa}'];
  return ['%{clientip}', '%{pick:ua}'];
}

/** nginx access-log templates: every route × the statuses its kind answers with. */
export function nginxTemplates(): TemplateSpec[] {
  const specs: TemplateSpec[] = [];
  const kinds: readonly RouteKind[] = ['read', 'write', 'change', 'static', 'probe', 'scan'];
  for (const kind of kinds) {
    const routes = ROUTES[kind];
    const [client, agent] = clientOf(kind);
    for (const [index, route] of routes.entries()) {
      const [request, upstream, latency, typical] = splitEntry(route, 4);
      const busiest = index / (2 * routes.length);
      const routeName = request.replace(/[?].*$/, '');
      for (const status of STATUSES[kind]) {
        const slow = status === 504 ? 30 : status >= 500 ? 4 : 1;
        specs.push({
          key: `nginx.${routeName}.${status}`,
          format: 'nginx',
          service: upstream,
          outcome: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'ok',
          tier: tierOf(kind, status) + busiest,
          route: routeName,
          pattern: nginxPattern(
            client,
            request,
            String(status),
            bodyBytes(status, typical),
            agent,
            `%{rtime:${Number(latency) * slow}}`,
          ),
          role: 'zipf',
        });
      }
    }
  }
  return specs;
}
