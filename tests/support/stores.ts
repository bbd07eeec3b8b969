import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../engine/src/store/open-store.js';
import { PostgresDb } from '../../engine/src/store/sql/postgres-db.js';
import type { Store } from '../../engine/src/store/store.js';

/** The PostgreSQL every machine here runs. */
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A store under test and how to throw it away. */
export interface StoreFixture {
  store: Store;
  dispose(): Promise<void>;
}

/** Unique lower-case name for a schema or key prefix. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Factories of every store that can run here: SQLite, PostgreSQL, and MongoDB when `MONGODB_URL` is set. */
export const STORE_FACTORIES: { name: string; open: () => Promise<StoreFixture> }[] = [
  {
    name: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'outlier-store-'));
      const store = await openStore({ kind: 'sqlite', dataDir: dir });
      return {
        store,
        dispose: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const schema = uniqueName('t');
      const store = await openStore({ kind: 'postgres', url: POSTGRES_URL, schema, chunkDataInDb: true });
      return {
        store,
        dispose: async () => {
          await store.close();
          const admin = new PostgresDb({ url: POSTGRES_URL });
          await admin.dropSchema(schema);
          await admin.close();
        },
      };
    },
  },
  ...(process.env.MONGODB_URL
    ? [
        {
          name: 'mongodb',
          open: async (): Promise<StoreFixture> => {
            const database = uniqueName('outlier');
            const url = process.env.MONGODB_URL ?? '';
            const store = await openStore({ kind: 'mongodb', url, database });
            return {
              store,
              dispose: async () => {
                const { MongoClient } = await import('mongodb');
                await store.close();
                const client = await MongoClient.connect(url);
                await client.db(database).dropDatabase();
                await client.close();
              },
            };
          },
        },
      ]
    : []),
];
