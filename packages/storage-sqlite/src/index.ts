export { createSqliteCheckpointStore } from './checkpoint-store.ts';
export { createSqliteControlStore } from './control-store.ts';
export { createSqliteStorage, SqliteStorage, type SqliteStorageOptions } from './sqlite-storage.ts';
export {
  createControlStreamLog,
  createEventsStreamLog,
  createSqliteStreamStore,
  type SqliteStreamStore,
} from './stream-store.ts';
export { indexTermsOf, matchExpression } from './tokens.ts';
