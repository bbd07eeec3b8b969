import pg from 'pg';
import type { SqlDb, SqlValue } from './sql-db.js';

/** Options of {@link PostgresDb}. */
export interface PostgresDbOptions {
  url: string;
  /** Schema to work in (created when missing). @defaultValue 'public' */
  schema?: string;
  /** @defaultValue 10 */
  poolSize?: number;
}

/** Turns `?` placeholders into `$1, $2, …`. */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

// BIGINT columns hold epoch milliseconds and byte counts, all well below 2^53.
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format),
};

type Queryable = Pick<pg.PoolClient, 'query'>;

function wrap(q: Queryable, self: () => SqlDb['transaction']): SqlDb {
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      (await q.query(toPgPlaceholders(sql), params as unknown[])).rows as T[],
    run: async (sql: string, params: readonly SqlValue[] = []) =>
      (await q.query(toPgPlaceholders(sql), params as unknown[])).rowCount ?? 0,
    transaction: (fn) => self()(fn),
    close: async () => {},
  };
}

/** PostgreSQL through a `pg` pool, optionally inside one schema (tests use a unique schema per run). */
export class PostgresDb implements SqlDb {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly direct: SqlDb;
  private readonly ready: Promise<void>;

  constructor({ url, schema = 'public', poolSize = 10 }: PostgresDbOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid PostgreSQL schema name "${schema}"`);
    this.pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      types,
      options: `-c search_path=${schema}`,
    });
    this.pool.on('error', () => {});
    this.direct = wrap(this.pool, () => this.transaction.bind(this));
    this.ready =
      schema === 'public'
        ? Promise.resolve()
        : this.pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).then(() => {});
  }

  async all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    await this.ready;
    return this.direct.all<T>(sql, params);
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    await this.ready;
    return this.direct.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlDb) => Promise<T>): Promise<T> {
    await this.ready;
    const client = await this.pool.connect();
    const tx = wrap(client, () => (inner) => inner(tx));
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /** Drops the schema (tests). */
  async dropSchema(schema: string): Promise<void> {
    await this.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
