export { createSqliteControlStore } from './control-store.ts';
export { createSqliteStorage, SqliteStorage, type SqliteStorageOptions } from './sqlite-storage.ts';
export { indexTextOf, matchExpression } from './tokens.ts';
