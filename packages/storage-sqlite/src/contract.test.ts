import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStorageContract } from '@trailmark/test-utils';
import { createSqliteStorage } from './sqlite-storage.ts';

// A real database file on disk, as in production.
runStorageContract({
  name: 'sqlite',
  create: async () => {
    const storage = createSqliteStorage({
      path: join(mkdtempSync(join(tmpdir(), 'trailmark-contract-')), 'events.db'),
    });
    await storage.init();
    return storage;
  },
});
