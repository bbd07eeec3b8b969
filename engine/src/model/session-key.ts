/**
 * Session keys: how a log line is tied to a session (a block, a request, a trace). The syntax is shared by the
 * CLI (`--session-key`), the upload API, Loki sources and the upload page:
 * - `/regex/` (slashes mark a regular expression, flags allowed after the closing slash): the first match in the
 *   line is the session id; with a capture group, the first group is.
 * - anything else is a field name, looked up in the parsed record's categorical fields (e.g. `trace_id`).
 *
 * @example parseSessionKey('/blk_-?\\d+/').extract('… blk_-42 …', {}) // 'blk_-42'
 */
export interface SessionKey {
  /** The text the key was parsed from. */
  readonly spec: string;
  /** The session id of a line, or null when the line has none. */
  extract(line: string, fields: Readonly<Record<string, string>>): string | null;
}

/** A session-key text that cannot be used. */
export class InvalidSessionKeyError extends Error {
  override name = 'InvalidSessionKeyError';
}

const FIELD_NAME = /^[A-Za-z_][\w.@-]*$/;

/** Parses a session-key text; throws {@link InvalidSessionKeyError} naming the problem. */
export function parseSessionKey(spec: string): SessionKey {
  const text = spec.trim();
  if (text.length === 0) throw new InvalidSessionKeyError('session key is empty');
  const regexMatch = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (regexMatch) {
    const [, source, flags] = regexMatch;
    let re: RegExp;
    try {
      re = new RegExp(source, flags.replace(/[gy]/g, ''));
    } catch (err) {
      throw new InvalidSessionKeyError(
        `session key ${text} is not a valid regular expression: ${(err as Error).message}`,
      );
    }
    return {
      spec: text,
      extract(line) {
        const m = re.exec(line);
        if (!m) return null;
        return m[1] ?? m[0];
      },
    };
  }
  if (text.startsWith('/')) {
    throw new InvalidSessionKeyError(
      `session key ${text} starts with / but does not end with /: write /regex/`,
    );
  }
  if (!FIELD_NAME.test(text)) {
    throw new InvalidSessionKeyError(`session key "${text}" is neither /regex/ nor a field name`);
  }
  return {
    spec: text,
    extract(_line, fields) {
      const v = fields[text];
      return v === undefined || v === '' ? null : v;
    },
  };
}
