import { join } from 'node:path';
import type { StoragePort } from '@trailmark/core';
import { createSqliteCheckpointStore } from '@trailmark/storage-sqlite';
import type { StreamService } from '../streams/service.ts';
import { createEvidence, type Evidence } from './service.ts';
import { loadCheckpointSigner } from './signing-key.ts';

/** Evidence over the store's log, checkpoints kept in the control database; none when the store keeps no log. */
export function openEvidence(
  storage: StoragePort,
  options: {
    dataDir: string;
    key?: string;
    origin: string;
    /** Destinations that asked for checkpoints get each one as it is signed. */
    streams?: Pick<StreamService, 'pushCheckpoint'>;
  },
): { evidence?: Evidence; keyFile?: string; generated: boolean } {
  if (!storage.log) return { generated: false };
  const { signer, file, generated } = loadCheckpointSigner({
    dataDir: options.dataDir,
    keyName: options.origin,
    ...(options.key ? { seed: options.key } : {}),
  });
  const checkpoints = createSqliteCheckpointStore({ path: join(options.dataDir, 'control.db') });
  const evidence = createEvidence({
    log: storage.log,
    checkpoints,
    signer,
    origin: options.origin,
    ...(options.streams ? { onSigned: options.streams.pushCheckpoint } : {}),
  });
  return { evidence, ...(file ? { keyFile: file } : {}), generated };
}
