/**
 * Line shapes of the four formats, as patterns. Every JSON and text line carries a session id: `trace_id` in
 * JSON, `req-<id>` in text (the same 16 hex digits when both belong to one session), so the session key
 * `/(?:"trace_id":"|req-)([0-9a-f]{16})/` ties a request's lines together.
 */

/** A JSON line: `{"time":…,"level":…,"service":…,"trace_id":…,"msg":…<fields>}`; `fields` starts with a comma. */
export function jsonPattern(level: string, service: string, msg: string, fields: string): string {
  return `{"time":"%{iso}","level":"${level}","service":"${service}","trace_id":"%{trace}","msg":"${msg}"${fields}}`;
}

/** A free-text application line: `2026-11-22 10:00:00,123 INFO [service] req-<id> message`. */
export function textPattern(level: string, service: string, message: string): string {
  return `%{apptime} ${level} [${service}] req-%{trace} ${message}`;
}

/** An RFC 3164 line: `Nov 22 10:00:00 web-01 sshd[4242]: message` (no `[pid]` when `pid` is null). */
export function syslogPattern(
  program: string,
  message: string,
  pid: string | null = '%{pid}',
  host = '%{host}',
): string {
  return `%{syslogtime} ${host} ${program}${pid === null ? '' : `[${pid}]`}: ${message}`;
}

/**
 * An nginx combined access line followed by `$request_time`:
 * `ip - - [time] "GET /path HTTP/1.1" status bytes "referer" "user agent" 0.042`.
 */
export function nginxPattern(
  client: string,
  request: string,
  status: string,
  bytes: string,
  agent: string,
  requestTime: string,
): string {
  return `${client} - - [%{nginxtime}] "${request} %{pick:httpVersion}" ${status} ${bytes} "%{pick:referer}" "${agent}" ${requestTime}`;
}
