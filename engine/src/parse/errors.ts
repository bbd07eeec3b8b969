/** Parser options that do not go together, e.g. `--format loghub` without `--log-format`. */
export class ParserOptionsError extends Error {
  override name = 'ParserOptionsError';
}
