/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | null | Uint8Array;

/**
 * The few operations the SQL store needs, over SQLite or PostgreSQL. Statements use `?` placeholders (turned
 * into `$n` for PostgreSQL) and only SQL both engines run the same way.
 */
export interface SqlDb {
  readonly dialect: 'sqlite' | 'postgres';
  /** Rows of a query. */
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs `fn` in one transaction, committed when it resolves and rolled back when it throws. */
  transaction<T>(fn: (tx: SqlDb) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** First row of a query, or null. */
export async function first<T>(db: SqlDb, sql: string, params?: readonly SqlValue[]): Promise<T | null> {
  const rows = await db.all<T>(sql, params);
  return rows[0] ?? null;
}
