/**
 * Test helpers for other packages (the server's route and migration tests): the in-memory emulator.
 * Not part of the runtime entry point, so production code cannot reach it by accident.
 */
export { type BulkFault, FakeCluster, type FakeClusterOptions } from './fake-cluster.ts';
