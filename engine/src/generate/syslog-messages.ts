import { syslogPattern } from './line-formats.js';
import { splitEntry, type TemplateSpec } from './template.js';

/** `program|tier|message` for daemons with a pid (tier 0 common … 3 rare). */
const MESSAGES: readonly string[] = [
  'sshd|0|Accepted publickey for %{sshuser} from %{ip} port %{port} ssh2: ED25519 %{fingerprint}',
  'sshd|1|Accepted password for %{sshuser} from %{ip} port %{port} ssh2',
  'sshd|0|pam_unix(sshd:session): session opened for user %{sshuser}(uid=1000) by (uid=0)',
  'sshd|0|pam_unix(sshd:session): session closed for user %{sshuser}',
  'sshd|0|Received disconnect from %{ip} port %{port}:11: disconnected by user',
  'sshd|0|Disconnected from user %{sshuser} %{ip} port %{port}',
  'sshd|0|Invalid user %{pick:badUser} from %{scanip} port %{port}',
  'sshd|0|Failed password for invalid user %{pick:badUser} from %{scanip} port %{port} ssh2',
  'sshd|2|Failed password for %{sshuser} from %{ip} port %{port} ssh2',
  'sshd|1|Connection closed by authenticating user root %{scanip} port %{port} [preauth]',
  'sshd|1|Connection reset by %{scanip} port %{port} [preauth]',
  'sshd|1|error: kex_exchange_identification: Connection closed by remote host',
  'sshd|2|Timeout before authentication for %{scanip} port %{port}',
  'sshd|2|banner exchange: Connection from %{scanip} port %{port}: invalid format',
  'CRON|0|pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)',
  'CRON|0|pam_unix(cron:session): session closed for user root',
  'CRON|0|(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)',
  'CRON|1|(root) CMD (test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.hourly; })',
  'CRON|1|(backup) CMD (/usr/local/bin/pg-backup.sh --incremental >> /var/log/pg-backup.log 2>&1)',
  'CRON|1|(root) CMD (/usr/bin/certbot renew --quiet --deploy-hook "systemctl reload nginx")',
  'CRON|2|(deploy) CMD (/opt/shop/bin/rotate-exports --keep 14)',
  'sudo|1|    %{sshuser} : TTY=pts/%{int:0:4} ; PWD=/srv/shop ; USER=root ; COMMAND=%{pick:sudoCmd}',
  'sudo|1|pam_unix(sudo:session): session opened for user root(uid=0) by %{sshuser}(uid=1000)',
  'sudo|1|pam_unix(sudo:session): session closed for user root',
  'systemd-logind|1|New session %{int:1000:9999} of user %{sshuser}.',
  'systemd-logind|1|Session %{int:1000:9999} logged out. Waiting for processes to exit.',
  'systemd-logind|1|Removed session %{int:1000:9999}.',
  'chronyd|2|Selected source %{ip} (%{pick:ntpServer})',
  'chronyd|3|Source %{ip} replaced with %{ip} (%{pick:ntpServer})',
  'chronyd|3|System clock wrong by %{int:1:3}.%{int:100:999} seconds',
  'containerd|1|time="%{iso}" level=info msg="%{pick:containerdMsg}" id=%{hex:16} namespace=moby',
  'containerd|1|time="%{iso}" level=info msg="starting signal loop" namespace=moby path=/run/containerd/%{hex:16}',
  'containerd|2|time="%{iso}" level=warning msg="cleanup warnings time=\\"%{iso}\\" level=info msg=\\"starting signal loop\\""',
  'dockerd|1|time="%{iso}" level=info msg="ignoring event" container=%{hex:16} module=libcontainerd topic=/tasks/delete',
  'rsyslogd|3|[origin software="rsyslogd" swVersion="8.2312.0" x-pid="%{pid}"] rsyslogd was HUPed',
];

/** `tier|message` for the kernel (no pid; message after the uptime stamp). */
const KERNEL: readonly string[] = [
  '0|[UFW BLOCK] IN=eth0 OUT= SRC=%{scanip} DST=%{ip} LEN=44 TTL=%{int:40:250} PROTO=TCP SPT=%{port} DPT=%{int:1:9000}',
  '1|docker0: port %{int:1:12}(veth%{hex:8}) entered blocking state',
  '1|docker0: port %{int:1:12}(veth%{hex:8}) entered disabled state',
  '1|docker0: port %{int:1:12}(veth%{hex:8}) entered forwarding state',
  '1|device veth%{hex:8} entered promiscuous mode',
  '1|device veth%{hex:8} left promiscuous mode',
  '1|IPv6: ADDRCONF(NETDEV_CHANGE): veth%{hex:8}: link becomes ready',
  '1|audit: type=1400 apparmor="DENIED" operation="open" profile="%{pick:profile}" pid=%{pid} comm="%{pick:comm}"',
  '2|perf: interrupt took too long (%{int:2500:9000} > %{int:2500:9000}), lowering kernel.perf_event_max_sample_rate',
  '2|TCP: request_sock_TCP: Possible SYN flooding on port %{int:80:443}. Sending cookies.',
  '2|EXT4-fs (nvme0n1p2): mounted filesystem with ordered data mode. Quota mode: none.',
  '3|nvme nvme0: I/O %{int:1:999} QID %{int:1:8} timeout, completion polled',
  '3|nf_conntrack: nf_conntrack: table full, dropping packet',
  '3|TCP: out of memory -- consider tuning tcp_mem',
];

/** Units systemd starts and stops: `unit|description`. */
const UNITS: readonly string[] = [
  'logrotate.service|Rotate log files',
  'apt-daily.service|Daily apt download activities',
  'apt-daily-upgrade.service|Daily apt upgrade and clean activities',
  'man-db.service|Daily man-db regeneration',
  'fstrim.service|Discard unused blocks on filesystems from /etc/fstab',
  'sysstat-collect.service|system activity accounting tool',
  'certbot.service|Certbot',
  'motd-news.service|Message of the Day',
  'systemd-tmpfiles-clean.service|Cleanup of Temporary Directories',
  'user@1000.service|User Manager for UID 1000',
  'e2scrub_all.service|Online ext4 Metadata Check for All Filesystems',
  'update-notifier-download.service|Download data for packages that failed at package install time',
  'packagekit.service|PackageKit Daemon',
  'node-exporter.service|Prometheus Node Exporter',
  'promtail.service|Promtail log shipper',
  'nginx.service|A high performance web server and a reverse proxy server',
  'containerd.service|containerd container runtime',
  'pg-backup.service|PostgreSQL incremental backup',
  'shop-exporter.service|Shop nightly export',
  'snapd.refresh.service|Automatically refresh installed snaps',
];

/** systemd actions on a unit: `tier|pattern` with `$u` the unit and `$d` its description. */
const ACTIONS: readonly string[] = [
  '0|Starting $u - $d...',
  '0|Started $u - $d.',
  '0|$u: Deactivated successfully.',
  '1|$u: Consumed %{int:0:9}.%{int:100:999}s CPU time.',
  '2|Stopping $u - $d...',
  '2|Stopped $u - $d.',
];

/** Syslog templates: daemon messages, kernel messages and systemd unit lifecycles. */
export function syslogTemplates(): TemplateSpec[] {
  const specs: TemplateSpec[] = [];
  const add = (service: string, tier: number, key: string, pattern: string) =>
    specs.push({
      key: `${service}.${key}`,
      format: 'syslog',
      service,
      outcome: tier === 3 ? 'warn' : 'ok',
      tier,
      pattern,
      role: 'zipf',
    });
  MESSAGES.forEach((line, i) => {
    const [program, tier, message] = splitEntry(line, 3);
    add(program, Number(tier), String(i), syslogPattern(program, message));
  });
  KERNEL.forEach((line, i) => {
    const [tier, message] = splitEntry(line, 2);
    add('kernel', Number(tier), String(i), syslogPattern('kernel', `[%{uptime}] ${message}`, null));
  });
  UNITS.forEach((unit, i) => {
    const [name, description] = splitEntry(unit, 2);
    ACTIONS.forEach((action, j) => {
      const [tier, message] = splitEntry(action, 2);
      const text = message.replace('$u', name).replace('$d', description);
      const rarer = i % 3 === 2 ? 1 : 0;
      add('systemd', Math.min(3, Number(tier) + rarer), `${name}.${j}`, syslogPattern('systemd', text, '1'));
    });
  });
  return specs;
}
