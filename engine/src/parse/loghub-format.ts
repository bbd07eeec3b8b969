/** One line split by a Loghub header format: the header fields by name and the message (`<Content>`). */
export interface LoghubLine {
  fields: Record<string, string>;
  content: string;
}

/** Raised when a Loghub header format cannot be compiled: no `<Content>`, a repeated field or bad regex text. */
export class InvalidLogFormatError extends Error {
  override name = 'InvalidLogFormatError';
}

const FIELD = /<([^<>]+)>/g;

/**
 * Compiles a Loghub header format, such as `<Date> <Time> <Pid> <Level> <Component>: <Content>`, into a line
 * parser. `<Name>` is a field; the text between fields is matched literally except that it may hold
 * regular-expression syntax (`\[`, `\|`, `(...)?`), and any whitespace in it matches one or more whitespace
 * characters, as in the Loghub benchmark. The line is trimmed first; each field takes as little text as the
 * rest of the format allows, so `<Content>` usually comes last and takes the remainder.
 *
 * @returns a parser giving the fields and content of a line, or `null` when the line does not fit.
 * @throws {@link InvalidLogFormatError} when the format has no `<Content>` field, repeats a field name or
 * holds text that is not a valid regular expression.
 *
 * @example
 * ```ts
 * const parse = compileLoghubFormat('\\[<Time>\\] \\[<Level>\\] <Content>');
 * parse('[Sun Dec 04 04:47:44 2005] [notice] jk2_init() Found child 6725');
 * // { fields: { Time: 'Sun Dec 04 04:47:44 2005', Level: 'notice' }, content: 'jk2_init() Found child 6725' }
 * ```
 */
export function compileLoghubFormat(format: string): (line: string) => LoghubLine | null {
  const names: string[] = [];
  let source = '^';
  let last = 0;
  for (const match of format.matchAll(FIELD)) {
    const name = match[1];
    if (names.includes(name)) throw new InvalidLogFormatError(`field <${name}> appears twice in "${format}"`);
    source += literal(format.slice(last, match.index));
    source += `(?<f${names.length}>.*?)`;
    names.push(name);
    last = match.index + match[0].length;
  }
  source += `${literal(format.slice(last))}$`;
  const contentAt = names.indexOf('Content');
  if (contentAt < 0) throw new InvalidLogFormatError(`format "${format}" has no <Content> field`);
  let regex: RegExp;
  try {
    regex = new RegExp(source, 's');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidLogFormatError(`format "${format}" is not a valid pattern: ${reason}`);
  }
  return (line) => {
    const groups = regex.exec(line.trim())?.groups;
    if (groups === undefined) return null;
    const fields: Record<string, string> = {};
    for (let k = 0; k < names.length; k++) {
      if (k !== contentAt) fields[names[k]] = groups[`f${k}`] ?? '';
    }
    return { fields, content: groups[`f${contentAt}`] ?? '' };
  };
}

/** The regex text between two fields: kept as written, with each whitespace run matching one or more. */
function literal(text: string): string {
  return text.replace(/\s+/g, '\\s+');
}
