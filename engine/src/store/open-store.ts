import { join } from 'node:path';
import { migrate } from './sql/migrations.js';
import { PostgresDb } from './sql/postgres-db.js';
import { SqliteDb } from './sql/sqlite-db.js';
import { SqlStore } from './sql-store.js';
import type { Store } from './store.js';

/** Which store to open. */
export type StoreOptions =
  | { kind: 'sqlite'; dataDir: string }
  | { kind: 'postgres'; url: string; schema?: string; chunkDataInDb: boolean }
  | { kind: 'mongodb'; url: string; database?: string };

/** Opens (and migrates) the configured store. */
export async function openStore(options: StoreOptions): Promise<Store> {
  switch (options.kind) {
    case 'sqlite': {
      const db = new SqliteDb({ path: join(options.dataDir, 'outlier.db') });
      await migrate(db);
      return new SqlStore(db);
    }
    case 'postgres': {
      const db = new PostgresDb({ url: options.url, schema: options.schema });
      await migrate(db);
      return new SqlStore(db, { chunkDataInDb: options.chunkDataInDb });
    }
    case 'mongodb': {
      const { MongoStore } = await import('./mongo-store.js');
      return MongoStore.open({ url: options.url, database: options.database });
    }
  }
}
