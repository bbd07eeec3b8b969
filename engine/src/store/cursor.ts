/** Encodes a keyset position as an opaque cursor. */
export function encodeCursor(position: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor}; null when it is not one of ours. */
export function decodeCursor(
  cursor: string,
  shape: readonly ('string' | 'number')[],
): (string | number)[] | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== shape.length) return null;
    for (let i = 0; i < shape.length; i++) if (typeof value[i] !== shape[i]) return null;
    return value as (string | number)[];
  } catch {
    return null;
  }
}

/** A cursor that does not decode. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}
