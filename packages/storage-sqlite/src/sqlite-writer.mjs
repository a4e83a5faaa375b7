// The single writer of the embedded store, on its own thread so SQLite's work runs beside request
// parsing and validation instead of after it (two cores, two threads). Plain JavaScript so it loads
// the same way under node, tsx and vitest. Rows arrive fully prepared; this file only writes them.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const SLOTS = 1 << 20;
const { path, synchronous, maxBatch, log } = workerData;
const DAY_MS = 86_400_000;
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous}`);
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -131072');
db.pragma('temp_store = MEMORY');
// Checkpoints run on their own thread (sqlite-checkpointer.mjs). The WAL only starts again from the top
// when a checkpoint caught up with the last commit before the next one begins, which sustained ingest
// rarely allows, so the writer bounds it itself (below); a restarted WAL is truncated to 64 MiB.
db.pragma('wal_autocheckpoint = 0');
db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
const checkpointer = new Worker(new URL('./sqlite-checkpointer.mjs', import.meta.url), {
  workerData: { path, synchronous },
});
const MAX_WAL_BYTES = 256 * 1024 * 1024;

function afterCommit() {
  checkpointer.postMessage('checkpoint');
  let walBytes = 0;
  try {
    walBytes = statSync(`${path}-wal`).size;
  } catch {}
  // Between two of its own commits nothing new arrives, so this checkpoint catches up (unless a reader
  // holds an old snapshot: then it copies what it can, never waiting) and the next commit restarts the WAL.
  if (walBytes > MAX_WAL_BYTES) db.pragma('wal_checkpoint(PASSIVE)');
}

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
const addWord = db.prepare('INSERT OR IGNORE INTO event_words (word) VALUES (?)');
/** Words already in event_words; bounded, so a vocabulary of unique ids cannot grow it without limit. */
const knownWords = new Set();
const KNOWN_WORDS_MAX = 200_000;

/**
 * Free-text words go into the vocabulary that prefix search expands from. Numbers of 5+ digits are
 * identifiers rather than words; a prefix of digits is answered by FTS5 itself (tokens.ts).
 */
function addWords(words) {
  if (words === '') return;
  for (const word of words.split(' ')) {
    if (knownWords.has(word) || (word.length >= 5 && /^[0-9]+$/.test(word))) continue;
    if (knownWords.size >= KNOWN_WORDS_MAX) knownWords.clear();
    addWord.run(word);
    knownWords.add(word);
  }
}

// The evidence log (see @trailmark/core evidence.ts): each row carries the hex SHA-256 of its canonical doc,
// so the leaf entry is `{"event_sha256":"<hex>","log_index":<n>}` and its hash SHA-256(0x00 || entry)
// (RFC 6962). Leaves are collected per tenant and written as one chunk per tenant in this transaction.
const insertChunk = db.prepare(
  'INSERT INTO log_chunks (tenant, first_index, count, hashes, event_ids) VALUES (?, ?, ?, ?, ?)',
);
const logEnd = db.prepare('SELECT max(first_index + count) FROM log_chunks WHERE tenant = ?').pluck();
/** Next log index per tenant; this thread is the only one appending leaves. Cleared when a commit fails. */
const nextLeafIndex = new Map();
/** This transaction's leaves per tenant: { first, hashes, ids }. */
const pendingLeaves = new Map();
const LEAF_PREFIX = Buffer.from([0]);

function appendLeaf(tenant, id, digest) {
  let index = nextLeafIndex.get(tenant);
  if (index === undefined) index = logEnd.get(tenant) ?? 0;
  let chunk = pendingLeaves.get(tenant);
  if (!chunk) {
    chunk = { first: index, hashes: [], ids: [] };
    pendingLeaves.set(tenant, chunk);
  }
  chunk.hashes.push(
    createHash('sha256')
      .update(LEAF_PREFIX)
      .update(`{"event_sha256":"${digest}","log_index":${index}}`)
      .digest(),
  );
  chunk.ids.push(id);
  nextLeafIndex.set(tenant, index + 1);
}

function writeLeafChunks() {
  for (const [tenant, chunk] of pendingLeaves)
    insertChunk.run(tenant, chunk.first, chunk.ids.length, Buffer.concat(chunk.hashes), chunk.ids.join('\n'));
  pendingLeaves.clear();
}

const upsertFacetCount = {
  day: db.prepare(
    `INSERT INTO facet_days (field, tenant, day, source, value, label, count) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET count = count + excluded.count, label = coalesce(excluded.label, label)`,
  ),
  month: db.prepare(
    `INSERT INTO facet_months (field, tenant, month, source, value, label, count) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET count = count + excluded.count, label = coalesce(excluded.label, label)`,
  ),
};

/** Facet fields in the order of a group's `counts`. */
const FACET_FIELDS = ['action', 'actor', 'workspace', 'source', 'result', 'target_type'];

/** This transaction's facet counts: per tenant, day and source, per field, value -> [count, label]. */
const facetGroups = new Map();

function facetGroup(groups, tenant, period, source) {
  const key = `${tenant}\u0000${period}\u0000${source}`;
  let group = groups.get(key);
  if (!group) {
    group = { tenant, period, source, counts: FACET_FIELDS.map(() => new Map()) };
    groups.set(key, group);
  }
  return group;
}

function countValue(values, value, label, n = 1) {
  const entry = values.get(value);
  if (entry === undefined) values.set(value, [n, label]);
  else {
    entry[0] += n;
    if (label !== null) entry[1] = label;
  }
}

/**
 * The facet keys of one new event, exactly as the `event_facet_keys` view defines them (purge and the
 * migration use the view; a test checks the two agree). Counting here from the row already in memory
 * costs a third of re-reading the rows through the view.
 */
function countFacets(ms, tenant, source, action, actorId, actorLabel, wsId, wsName, result, types) {
  const { counts } = facetGroup(facetGroups, tenant, Math.floor(ms / DAY_MS), source);
  countValue(counts[0], action, null);
  countValue(counts[1], actorId, actorLabel);
  if (wsId !== null) countValue(counts[2], wsId, wsName);
  countValue(counts[3], source, null);
  countValue(counts[4], result, null);
  if (types !== '') for (const type of types.split(',')) countValue(counts[5], type, null);
}

/** UTC month index (year * 12 + month - 1) of a day number, as the `occurred_month` column computes it. */
function monthOfDay(day) {
  const date = new Date(day * DAY_MS);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

function writeGroups(groups, statement) {
  for (const { tenant, period, source, counts } of groups.values()) {
    counts.forEach((values, f) => {
      for (const [value, [count, label]] of values)
        statement.run(FACET_FIELDS[f], tenant, period, source, value, label, count);
    });
  }
}

/** Writes the day counts, and the month counts summed from them, then starts afresh. */
function writeFacetCounts() {
  const months = new Map();
  for (const { tenant, period: day, source, counts } of facetGroups.values()) {
    const month = facetGroup(months, tenant, monthOfDay(day), source);
    counts.forEach((values, f) => {
      for (const [value, [count, label]] of values) countValue(month.counts[f], value, label, count);
    });
  }
  writeGroups(facetGroups, upsertFacetCount.day);
  writeGroups(months, upsertFacetCount.month);
  facetGroups.clear();
}

/** Row layout (see sqlite-storage.ts `toRow`): [ms, slot, id, tenant, source, action, actorId, actorLabel,
 * workspaceId, workspaceName, result, targetTypes, receivedMs, doc, keyTokens, words, digest] */
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
      keyTokens,
      words,
      digest,
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
          index.run(seq, words === '' ? keyTokens : `${keyTokens} ${words}`);
          countFacets(ms, tenant, source, action, actorId, actorLabel, wsId, wsName, result, types);
          addWords(words);
          if (log) appendLeaf(tenant, id, digest);
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
    results = db.transaction(() => {
      const written = batch.map((m) => writeRows(m.rows));
      writeFacetCounts();
      writeLeafChunks();
      return written;
    })();
  } catch (error) {
    facetGroups.clear();
    nextLeafIndex.clear();
    pendingLeaves.clear();
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
  afterCommit();
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
    checkpointer.once('message', () => {
      db.close();
      parentPort.postMessage({ type: 'closed' });
    });
    checkpointer.postMessage('close');
  }
});
parentPort.postMessage({ type: 'ready' });
