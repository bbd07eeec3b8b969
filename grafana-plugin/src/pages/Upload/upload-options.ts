/** The log formats the engine parses (`format` of an upload). */
export const LOG_FORMATS = ['auto', 'json', 'logfmt', 'clf', 'syslog', 'loghub', 'generic'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** How the engine should read one upload, as the page's form holds it. */
export interface UploadOptions {
  format: LogFormat;
  /** Loghub header, e.g. `<Date> <Time> <Level> <Component>: <Content>`; sent only for `loghub`. */
  logFormat: string;
  /** `/regex/` or a field name; empty for none. */
  sessionKey: string;
  service: string;
  /** Train a new model version for this source instead of reusing its model. */
  retrain: boolean;
}

export const DEFAULT_OPTIONS: UploadOptions = {
  format: 'auto',
  logFormat: '',
  sessionKey: '',
  service: '',
  retrain: false,
};

/** What is wrong with the options, per field, in the engine's own terms; empty when they can be sent. */
export type OptionProblems = Partial<Record<'logFormat' | 'sessionKey' | 'service', string>>;

const FIELD_NAME = /^[A-Za-z_][\w.@-]*$/;

/**
 * Why a session key cannot be used, or null: the rules of the engine's `parseSessionKey` (`/regex/` with
 * optional flags, or a field name), so a mistake shows before the upload instead of as a refusal.
 */
export function sessionKeyProblem(spec: string): string | null {
  const text = spec.trim();
  if (text === '') {
    return null;
  }
  if (text.length > 1000) {
    return 'A session key can be at most 1000 characters.';
  }
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (regex) {
    try {
      new RegExp(regex[1], regex[2].replace(/[gy]/g, ''));
      return null;
    } catch (err) {
      return `${text} is not a valid regular expression: ${regexFault(err)}.`;
    }
  }
  if (text.startsWith('/')) {
    return `${text} starts with / but does not end with /: write /regex/.`;
  }
  return FIELD_NAME.test(text) ? null : `"${text}" is neither a /regex/ nor a field name such as trace_id.`;
}

/** What the browser found wrong in a pattern, without its "Invalid regular expression: /…/: " preamble. */
function regexFault(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const fault = message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  return fault.charAt(0).toLowerCase() + fault.slice(1);
}

/** The problems of a whole set of options (the engine's limits and its loghub rule). */
export function optionProblems(o: UploadOptions): OptionProblems {
  const problems: OptionProblems = {};
  if (o.format === 'loghub' && o.logFormat.trim() === '') {
    problems.logFormat = 'Loghub logs need their header format, e.g. <Date> <Time> <Level> <Component>: <Content>.';
  } else if (o.logFormat.length > 1000) {
    problems.logFormat = 'A log format can be at most 1000 characters.';
  }
  const sessionKey = sessionKeyProblem(o.sessionKey);
  if (sessionKey) {
    problems.sessionKey = sessionKey;
  }
  if (o.service.length > 200) {
    problems.service = 'A service name can be at most 200 characters.';
  }
  return problems;
}

/** The tus `Upload-Metadata` values of an upload (empty values are not sent). */
export function toMetadata(o: UploadOptions, filename: string): Record<string, string> {
  return {
    filename,
    format: o.format,
    log_format: o.format === 'loghub' ? o.logFormat.trim() : '',
    session_key: o.sessionKey.trim(),
    service: o.service.trim(),
    retrain: o.retrain ? 'true' : '',
  };
}

/** The options in a few words, e.g. `loghub · session /blk_\d+/ · service hdfs · retrain`. */
export function describeOptions(o: UploadOptions): string {
  const parts: string[] = [o.format === 'auto' ? 'format detected' : o.format];
  if (o.sessionKey.trim()) {
    parts.push(`session ${o.sessionKey.trim()}`);
  }
  if (o.service.trim()) {
    parts.push(`service ${o.service.trim()}`);
  }
  if (o.retrain) {
    parts.push('retrain');
  }
  return parts.join(' · ');
}

/** Options read back from storage, or null when they are not options (an older or damaged entry). */
export function parseOptions(value: unknown): UploadOptions | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const v = value as Record<string, unknown>;
  const format = LOG_FORMATS.find((f) => f === v.format);
  if (
    !format ||
    typeof v.logFormat !== 'string' ||
    typeof v.sessionKey !== 'string' ||
    typeof v.service !== 'string' ||
    typeof v.retrain !== 'boolean'
  ) {
    return null;
  }
  return { format, logFormat: v.logFormat, sessionKey: v.sessionKey, service: v.service, retrain: v.retrain };
}
