import Database from 'better-sqlite3';
import type { SqlDb, SqlValue } from './sql-db.js';

/** Options of {@link SqliteDb}. */
export interface SqliteDbOptions {
  /** Database file; `:memory:` for a throw-away one. */
  path: string;
}

type Statement = Database.Statement<unknown[], unknown>;

/**
 * SQLite through better-sqlite3, in WAL mode: a committed transaction survives a killed process. Calls are
 * serialized by a lock so that a transaction's awaits never interleave with other statements on the connection.
 */
export class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();
  private lock: Promise<void> = Promise.resolve();

  constructor({ path }: SqliteDbOptions) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
  }

  all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.locked(async () => this.allNow<T>(sql, params));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.locked(async () => this.runNow(sql, params));
  }

  transaction<T>(fn: (tx: SqlDb) => Promise<T>): Promise<T> {
    return this.locked(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      const tx: SqlDb = {
        dialect: 'sqlite',
        all: async <R>(sql: string, params: readonly SqlValue[] = []) => this.allNow<R>(sql, params),
        run: async (sql: string, params: readonly SqlValue[] = []) => this.runNow(sql, params),
        transaction: (inner) => inner(tx),
        close: async () => {},
      };
      try {
        const result = await fn(tx);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.lock;
    this.db.close();
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.lock.then(fn);
    this.lock = result.then(
      () => {},
      () => {},
    );
    return result;
  }

  private prepare(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private allNow<T>(sql: string, params: readonly SqlValue[]): T[] {
    return this.prepare(sql).all(...params) as T[];
  }

  private runNow(sql: string, params: readonly SqlValue[]): number {
    const s = this.prepare(sql);
    if (s.reader) {
      s.all(...params);
      return 0;
    }
    return s.run(...params).changes;
  }
}
