import { createRng } from '../random/rng.js';

// Pools are built from a fixed seed so the catalogue is the same whatever seed a log is generated with.
const poolRng = createRng(0x0b5e7);
const pickOf = <T>(xs: readonly T[]): T => xs[poolRng.int(xs.length)];
/** A list written on one line: entries separated by spaces. */
const words = (text: string): string[] => text.split(' ');
/** A list written on one line: entries (which may contain spaces) separated by `|`. */
const phrases = (text: string): string[] => text.split('|');

const FIRST_NAMES = words(
  'alice bruno chen dana emil fatima giulia hugo ines jonas kenji lena marta nikos olga pavel quentin rosa sami tomas ulla victor wen yusuf zoe amir bea carlos dmitri elif farid greta hana igor julia karim',
);
const LAST_NAMES = words(
  'martin novak rossi garcia schmidt kowalski dubois silva tanaka nguyen jensen horvat weber moreau costa larsen petrov ali kim fischer',
);

/** Customer user names (`alice.novak`), the normal population for `%{user}`. */
export const USERS: readonly string[] = Array.from(
  { length: 400 },
  (_, i) => `${FIRST_NAMES[i % FIRST_NAMES.length]}.${pickOf(LAST_NAMES)}${i >= 360 ? i - 359 : ''}`,
);

const octet = (lo: number, hi: number): number => lo + poolRng.int(hi - lo + 1);

/** Internal addresses of the fleet (10.0.0.0/16). */
export const INTERNAL_IPS: readonly string[] = Array.from(
  { length: 240 },
  () => `10.0.${octet(0, 31)}.${octet(2, 254)}`,
);

const PUBLIC_FIRST_OCTETS = [
  23, 31, 37, 62, 77, 78, 79, 80, 81, 82, 84, 86, 88, 89, 90, 91, 92, 93, 94, 95, 109, 176, 178, 188, 193,
  194, 195, 212, 213, 217,
];

/** Public client addresses seen by the edge (none in 45.0.0.0/8, kept for the rare-value incident). */
export const CLIENT_IPS: readonly string[] = Array.from(
  { length: 4000 },
  () => `${pickOf(PUBLIC_FIRST_OCTETS)}.${octet(0, 255)}.${octet(0, 255)}.${octet(1, 254)}`,
);

/** Addresses of internet scanners probing SSH and the web edge. */
export const SCANNER_IPS: readonly string[] = Array.from(
  { length: 300 },
  () =>
    `${pickOf([61, 103, 112, 141, 159, 167, 170, 183, 218, 222])}.${octet(0, 255)}.${octet(0, 255)}.${octet(1, 254)}`,
);

/** The address and account used by the rare-value incident: never produced by a normal line. */
export const RARE_IP = '45.155.205.233';
/** See {@link RARE_IP}. */
export const RARE_USER = 'svc-legacy';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** SSH key fingerprints (`SHA256:` + 43 base64 characters), one per operator key. */
export const SSH_FINGERPRINTS: readonly string[] = Array.from(
  { length: 24 },
  () => `SHA256:${Array.from({ length: 43 }, () => BASE64[poolRng.int(64)]).join('')}`,
);

/** Hosts that write syslog. */
export const HOSTS: readonly string[] = words(
  'web-01 web-02 web-03 web-04 web-05 web-06 api-01 api-02 api-03 api-04 db-01 db-02 worker-01 worker-02 worker-03 worker-04 lb-01 lb-02',
);

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
];
const CLIENTS = [
  'ShopApp/4.12.1 (iPhone; iOS 18.1; Scale/3.00)',
  'ShopApp/4.12.0 (Android 14; Pixel 8)',
  'okhttp/4.12.0',
  'curl/8.5.0',
  'python-requests/2.32.3',
  'Go-http-client/1.1',
  'axios/1.7.7',
];

/**
 * Word lists for `%{pick:name}`. Repeated entries are deliberate: they weight the draw.
 */
export const LISTS: Readonly<Record<string, readonly string[]>> = {
  ua: [...BROWSERS, ...CLIENTS, ...CLIENTS, ...CLIENTS],
  probeUa: words('kube-probe/1.31 kube-probe/1.31 Prometheus/2.55.1 Blackbox-Exporter/0.25.0'),
  scanUa: phrases(
    'Mozilla/5.0 zgrab/0.x|python-requests/2.25.1|Mozilla/5.0 (compatible; Nmap Scripting Engine)',
  ),
  referer: words('- - - - https://shop.example.com/ https://shop.example.com/cart https://www.google.com/'),
  httpVersion: words('HTTP/1.1 HTTP/1.1 HTTP/2.0'),
  method: words('GET GET GET POST PUT DELETE'),
  apiPath: words(
    '/api/v1/products /api/v1/search /api/v1/cart /api/v1/orders /api/v1/users/me /api/v1/checkout',
  ),
  upstream: words('catalog search checkout orders users payments auth inventory'),
  rlBucket: words('anon user partner internal'),
  apiClient: words('mobile-ios mobile-android web partner-feed backoffice'),
  origin: words('shop.example.com m.shop.example.com admin.shop.example.com'),
  scope: phrases('read|read write|checkout|admin'),
  authMethod: words('password password google apple magic-link'),
  ttl: words('3600 86400 604800'),
  mfaChannel: words('sms totp email'),
  coupon: words('WELCOME10 FREESHIP BLACKFRIDAY SPRING15 VIP20'),
  carrier: words('dhl ups fedex colissimo postnl gls'),
  country: words('FR DE NL BE ES IT PL SE GB US'),
  taxRate: words('0.20 0.19 0.21 0.10 0.055'),
  currency: words('EUR EUR EUR USD GBP SEK PLN'),
  payMethod: words('card card card paypal sepa_debit apple_pay'),
  cardBrand: words('visa mastercard amex cb'),
  psp: words('stripe adyen paypal'),
  pspEvent: words('charge.succeeded charge.refunded payout.paid dispute.created charge.pending'),
  fraudDecision: words('allow allow allow review block'),
  cancelReason: words('customer_request payment_failed out_of_stock fraud_suspected'),
  orderStatus: words('pending paid packed shipped delivered'),
  exportFormat: words('pdf csv ubl'),
  query: phrases(
    'running shoes|wireless earbuds|rain jacket|usb-c charger|coffee grinder|yoga mat|desk lamp',
  ),
  queryUrl: words('running+shoes wireless+earbuds rain+jacket usb-c+charger coffee+grinder yoga+mat'),
  prefix: words('run wir rai cof des yog hea bac'),
  synonymSet: words('apparel-en apparel-fr electronics-en home-de'),
  emailDomain: words('gmail.com gmail.com outlook.com yahoo.fr icloud.com proton.me gmx.de'),
  emailTemplate: words('order_confirmation shipping_update password_reset welcome weekly_digest'),
  pushPlatform: words('apns fcm fcm'),
  locale: words('en-GB fr-FR de-DE nl-NL es-ES it-IT'),
  priority: words('high default default bulk'),
  bounceType: words('hard soft complaint'),
  digestHour: words('06:00 07:30 08:00 18:00 20:00'),
  recSlot: words('home_hero pdp_similar cart_upsell email_digest'),
  region: words('eu-west-1 eu-central-1 us-east-1'),
  experiment: words('exp-checkout-cta exp-search-ranking exp-free-shipping-banner'),
  bucket: words('control variant_a variant_b'),
  delta: words('+1 +5 +12 -1 -3 -20'),
  warehouse: words('WH-PAR-1 WH-LYS-2 WH-AMS-1 WH-FRA-3 WH-MAD-1'),
  aisle: words('A03 A17 B05 C11 D02 E09'),
  supplier: words('acme-textiles nordic-audio brightlite terra-coffee'),
  trackStatus: words('in_transit out_for_delivery delivered at_hub exception'),
  routeCode: words('R-PAR-07 R-LYS-02 R-AMS-11 R-BER-04'),
  plan: words('starter pro business enterprise'),
  period: words('2026-09 2026-10 2026-11'),
  renewDate: words('2026-12-22 2027-01-22 2027-11-22'),
  role: words('customer support merchant admin'),
  feed: words('supplier-acme.xml marketplace-daily.csv brightlite-delta.json'),
  imageSize: words('160x160 480x480 1200x1200'),
  category: words('shoes audio outdoor kitchen fitness lighting'),
  job: words('nightly-export abandoned-cart-mailer stock-sync invoice-run search-reindex gdpr-purge'),
  queue: words('emails webhooks exports images reindex'),
  backoff: words('100 200 400 800 1600'),
  transient: phrases(
    'connection reset by peer|i/o timeout|upstream returned 503|deadline exceeded|too many connections',
  ),
  status5xx: words('500 502 503 503 504'),
  sshUser: words('deploy deploy ansible ubuntu backup jenkins alice bruno chen'),
  badUser: words('admin test user postgres oracle ftpuser pi ubnt support hadoop git'),
  sudoCmd: phrases(
    '/usr/bin/systemctl restart nginx|/usr/bin/journalctl -u orders --since today|/usr/bin/apt-get update|/usr/bin/docker ps|/usr/bin/tail -n 200 /var/log/syslog',
  ),
  comm: words('nginx node java python3 containerd-shim'),
  profile: words('docker-default /usr/sbin/nginx snap.lxd.daemon'),
  ntpServer: words('0.pool.ntp.org 1.pool.ntp.org time.cloudflare.com'),
  containerdMsg: phrases('shim disconnected|cleaning up after shim disconnected|cleaning up dead shim'),
};
