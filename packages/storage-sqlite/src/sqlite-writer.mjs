// The single writer of the embedded store, on its own thread so SQLite's work runs beside request
// parsing and validation instead of after it (two cores, two threads). Plain JavaScript so it loads
// the same way under node, tsx and vitest. Rows arrive fully prepared; this file only writes them.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const SLOTS = 1 << 20;
const { path, synchronous, maxBatch } = workerData;
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous}`);
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -131072');
db.pragma('temp_store = MEMORY');

const insert = db.prepare(
  `INSERT INTO events (seq, id, tenant, source, action, actor_id, actor_label, workspace_id, workspace_name,
     result, target_types, occurred_at, received_at, doc)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
   ON CONFLICT (tenant, id) DO NOTHING`,
);
const index = db.prepare('INSERT INTO event_index (rowid, terms) VALUES (?, ?)');
const sameEvent = db.prepare('SELECT tenant, id FROM events WHERE seq = ?');
const partition = db.prepare('INSERT OR IGNORE INTO partitions (tenant, source) VALUES (?, ?)');
const knownPartitions = new Set();

/** Row layout (see sqlite-storage.ts `toRow`): [ms, slot, id, tenant, source, action, actorId, actorLabel,
 * workspaceId, workspaceName, result, targetTypes, receivedMs, doc, terms] */
function writeRows(rows) {
  const inserted = [];
  const duplicates = [];
  for (const row of rows) {
    const [
      ms,
      firstSlot,
      id,
      tenant,
      source,
      action,
      actorId,
      actorLabel,
      wsId,
      wsName,
      result,
      types,
      receivedMs,
      doc,
      terms,
    ] = row;
    let slot = firstSlot;
    for (let attempt = 0; ; attempt++) {
      const seq = (BigInt(ms) << 20n) + BigInt(slot);
      try {
        const info = insert.run(
          seq,
          id,
          tenant,
          source,
          action,
          actorId,
          actorLabel,
          wsId,
          wsName,
          result,
          types,
          ms,
          receivedMs,
          doc,
        );
        if (info.changes === 0) {
          duplicates.push(id);
        } else {
          index.run(seq, terms);
          inserted.push(id);
          const key = `${tenant}\u0000${source}`;
          if (!knownPartitions.has(key)) {
            partition.run(tenant, source);
            knownPartitions.add(key);
          }
        }
        break;
      } catch (error) {
        if (error.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' || attempt >= SLOTS) throw error;
        // The slot is taken: by this very event (a retry) or by another event in the same millisecond.
        const holder = sameEvent.get(seq);
        if (holder && holder.tenant === tenant && holder.id === id) {
          duplicates.push(id);
          break;
        }
        slot = (slot + 1) % SLOTS;
      }
    }
  }
  return { inserted, duplicates };
}

const queue = [];
let scheduled = false;

/** Group commit: every request that arrived while the previous transaction ran shares the next one. */
function flush() {
  scheduled = false;
  const batch = [];
  let size = 0;
  while (queue.length > 0 && (batch.length === 0 || size + queue[0].rows.length <= maxBatch)) {
    const next = queue.shift();
    batch.push(next);
    size += next.rows.length;
  }
  if (queue.length > 0) schedule();
  let results;
  try {
    results = db.transaction(() => batch.map((m) => writeRows(m.rows)))();
  } catch (error) {
    for (const m of batch)
      parentPort.postMessage({
        type: 'failed',
        id: m.id,
        message: String(error?.message ?? error),
        code: error?.code,
      });
    return;
  }
  batch.forEach((m, i) => {
    parentPort.postMessage({ type: 'done', id: m.id, result: results[i] });
  });
}

function schedule() {
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

parentPort.on('message', (message) => {
  if (message.type === 'append') {
    queue.push(message);
    schedule();
  } else if (message.type === 'close') {
    while (queue.length > 0) flush();
    db.close();
    parentPort.postMessage({ type: 'closed' });
  }
});
parentPort.postMessage({ type: 'ready' });
