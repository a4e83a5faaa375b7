import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from './env.ts';

/** SQLite's online backup API: a consistent snapshot while the server keeps writing. */
export async function backupSqlite(config: Pick<Config, 'dataDir'>, destination: string): Promise<void> {
  mkdirSync(destination, { recursive: true });
  for (const file of ['events.db', 'control.db']) {
    const db = new Database(join(config.dataDir, file), { fileMustExist: true, readonly: true });
    try {
      await db.backup(join(destination, file));
      console.log(`backed up ${file} to ${join(destination, file)}`);
    } finally {
      db.close();
    }
  }
}
