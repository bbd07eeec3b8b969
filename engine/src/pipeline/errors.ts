/** The input holds no line to learn from or to score. */
export class EmptyInputError extends Error {
  override name = 'EmptyInputError';
}
