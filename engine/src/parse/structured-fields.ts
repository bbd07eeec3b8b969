import { levelFromNumber, normalizeLevel } from './level.js';
import type { Level, LogFormat, ParsedRecord } from './record.js';
import { epochToMs, TimestampScanner } from './timestamp.js';

/** What a well-known key of a structured line (JSON, logfmt) holds. */
export type FieldRole = 'time' | 'level' | 'message' | 'service';

/** Well-known keys per role, most specific first: when a line has several, the first in this order wins. */
export const ROLE_KEYS: Readonly<Record<FieldRole, readonly string[]>> = {
  time: [
    '@timestamp',
    'timestamp',
    'time',
    'ts',
    't',
    '@t',
    'datetime',
    'date',
    'asctime',
    'eventTime',
    'event_time',
    'timeMillis',
    'timeUnixNano',
    'time_unix_nano',
    '__REALTIME_TIMESTAMP',
    'Timestamp',
    'Time',
  ],
  level: [
    'level',
    'lvl',
    'severity',
    'log.level',
    'loglevel',
    'log_level',
    'levelname',
    'level_name',
    'levelName',
    '@l',
    'severity_text',
    'severityText',
    'SeverityText',
    'PRIORITY',
    'Level',
    'Severity',
  ],
  message: ['msg', 'message', '@m', '@mt', 'log', 'event', 'MESSAGE', 'Message', 'body', 'Body'],
  service: [
    'service.name',
    'service',
    'serviceName',
    'service_name',
    'resource.service.name',
    'app',
    'application',
    'app_name',
    'appname',
    'component',
    'logger',
    'log.logger',
    'logger_name',
    'loggerName',
    'SYSLOG_IDENTIFIER',
    '_SYSTEMD_UNIT',
  ],
};

const ROLES = new Map<string, { role: FieldRole; rank: number }>();
for (const [role, keys] of Object.entries(ROLE_KEYS) as [FieldRole, readonly string[]][]) {
  keys.forEach((key, rank) => {
    ROLES.set(key, { role, rank });
  });
}

/** Fields kept per line beyond time, level, message and service. */
export const MAX_FIELDS = 64;
/** Longer categorical values are cut (a stack trace in a field must not blow up memory). */
export const MAX_VALUE_LENGTH = 512;

/** A scalar field value as structured formats give it. */
export type FieldValue = string | number | boolean;

/**
 * Builds a {@link ParsedRecord} from the key/value fields of one structured line: well-known keys (see
 * {@link ROLE_KEYS}) become the time, level, message and service; other numbers go to `numeric`, other values to
 * `categorical` (at most {@link MAX_FIELDS}). A well-known key whose value does not read as its role (a `level`
 * of `"custom"`, a `time` that is no time) stays an ordinary field. Reused from line to line: call
 * {@link RecordBuilder.build} to finish a line and start the next.
 */
export class RecordBuilder {
  private readonly time = new TimestampScanner();
  private numeric: Record<string, number> = {};
  private categorical: Record<string, string> = {};
  private fields = 0;
  private readonly roles = {
    time: new RoleSlot(),
    level: new RoleSlot(),
    message: new RoleSlot(),
    service: new RoleSlot(),
  };
  private timestamp: number | null = null;
  private level: Level | null = null;
  private message: string | null = null;
  private service: string | null = null;

  constructor(private readonly year: number) {}

  /** Adds one field of the current line. */
  add(key: string, value: FieldValue): void {
    const known = ROLES.get(key);
    if (known === undefined || !this.takeRole(known.role, known.rank, key, value)) this.addField(key, value);
  }

  /**
   * Finishes the line. Its message is the message field or, without one, the other fields as `key=value` sorted
   * by key, so that the same fields always render the same.
   */
  build(format: LogFormat): ParsedRecord {
    const record: ParsedRecord = {
      timestamp: this.timestamp,
      level: this.level,
      service: this.service,
      message: this.message ?? renderFields(this.numeric, this.categorical),
      numeric: this.numeric,
      categorical: this.categorical,
      format,
    };
    this.numeric = {};
    this.categorical = {};
    this.fields = 0;
    this.timestamp = null;
    this.level = null;
    this.message = null;
    this.service = null;
    this.roles.time.clear();
    this.roles.level.clear();
    this.roles.message.clear();
    this.roles.service.clear();
    return record;
  }

  /** Takes a well-known field for its role when it reads as one and outranks what the line had; the loser is kept. */
  private takeRole(role: FieldRole, rank: number, key: string, value: FieldValue): boolean {
    const slot = this.roles[role];
    if (rank >= slot.rank) return false;
    switch (role) {
      case 'time': {
        const ms =
          typeof value === 'number'
            ? epochToMs(value)
            : typeof value === 'string'
              ? this.time.parse(value, this.year)
              : null;
        if (ms === null) return false;
        this.timestamp = ms;
        break;
      }
      case 'level': {
        const level =
          typeof value === 'number'
            ? levelFromNumber(value)
            : typeof value === 'string'
              ? normalizeLevel(value, { letters: true })
              : null;
        if (level === null) return false;
        this.level = level;
        break;
      }
      case 'message':
        if (typeof value === 'boolean') return false;
        this.message = typeof value === 'string' ? value.trimEnd() : String(value);
        break;
      case 'service':
        if (typeof value === 'boolean' || value === '') return false;
        this.service = String(value);
        break;
    }
    if (slot.key !== null && slot.value !== null) this.addField(slot.key, slot.value);
    slot.take(rank, key, value);
    return true;
  }

  private addField(key: string, value: FieldValue): void {
    if (this.fields >= MAX_FIELDS) return;
    this.fields++;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) this.numeric[key] = value;
    } else if (typeof value === 'boolean') this.categorical[key] = value ? 'true' : 'false';
    else this.categorical[key] = value.length > MAX_VALUE_LENGTH ? value.slice(0, MAX_VALUE_LENGTH) : value;
  }
}

/** The field that holds a role in the current line, so that a better-ranked one can hand it back as a field. */
class RoleSlot {
  rank = Number.POSITIVE_INFINITY;
  key: string | null = null;
  value: FieldValue | null = null;

  take(rank: number, key: string, value: FieldValue): void {
    this.rank = rank;
    this.key = key;
    this.value = value;
  }

  clear(): void {
    this.rank = Number.POSITIVE_INFINITY;
    this.key = null;
    this.value = null;
  }
}

function renderFields(numeric: Record<string, number>, categorical: Record<string, string>): string {
  const parts: string[] = [];
  for (const key in numeric) parts.push(`${key}=${numeric[key]}`);
  for (const key in categorical) parts.push(`${key}=${categorical[key]}`);
  return parts.sort().join(' ');
}
