import { mkdirSync } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportJobRecord } from '@trailmark/core';
import type { Principal } from '../context.ts';
import type { AppDeps } from '../deps.ts';
import { auditExport, type ExportRequestInfo } from './audit.ts';
import { encodeExport, newSummary } from './encode.ts';
import type { ExportPlan } from './plan.ts';

/** Jobs run in the server process; two at a time keeps ingest and reads responsive while they encode. */
const MAX_RUNNING = 2;
/** rows_written is saved at most this often, so progress costs a handful of control-store writes. */
const PROGRESS_EVERY_MS = 500;
const PROGRESS_EVERY_CHUNKS = 5;
/** Expired job records stay listed (status `expired`, no file) for a week, then the sweeper drops them. */
const EXPIRED_RECORD_KEEP_MS = 7 * 24 * 3_600_000;

interface QueuedJob {
  job: ExportJobRecord;
  plan: ExportPlan;
  principal: Principal;
  request: ExportRequestInfo;
}

export function exportsDir(deps: AppDeps): string {
  return join(deps.dataDir, 'exports');
}

const hours = (n: number) => n * 3_600_000;

export function isExpired(job: ExportJobRecord, now: number = Date.now()): boolean {
  if (job.status === 'expired') return true;
  if (job.status === 'queued' || job.status === 'running') return false;
  return Date.parse(job.expires_at) <= now;
}

/** What the API shows: never the server-side file path. */
export function jobView(job: ExportJobRecord, now: number = Date.now()) {
  const status = isExpired(job, now) ? 'expired' : job.status;
  const progress =
    status === 'completed' || status === 'expired'
      ? 1
      : job.rows_estimate > 0
        ? Math.min(0.99, job.rows_written / job.rows_estimate)
        : 0;
  return {
    id: job.id,
    status,
    format: job.format,
    filters: job.filters,
    rows_written: job.rows_written,
    rows_estimate: job.rows_estimate,
    progress: Math.round(progress * 1000) / 1000,
    ...(job.row_limit === undefined ? {} : { row_limit: job.row_limit }),
    ...(job.truncated === undefined ? {} : { truncated: job.truncated }),
    bytes: job.bytes,
    file_name: job.file_name,
    created_by: job.created_by,
    ...(job.error ? { error: job.error } : {}),
    created_at: job.created_at,
    updated_at: job.updated_at,
    ...(job.completed_at ? { completed_at: job.completed_at } : {}),
    expires_at: job.expires_at,
    download_url: `/v1/exports/${job.id}/download`,
  };
}

/**
 * The export jobs of one server instance: the queue, the jobs running (at most MAX_RUNNING) and the
 * housekeeping of their files. Built once with the other services (AppDeps.exportJobs).
 */
export function createExportJobRunner(deps: AppDeps) {
  let queue: QueuedJob[] = [];
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>();

  /** Saves a queued job and starts it when a slot is free. */
  function create(input: {
    plan: ExportPlan;
    principal: Principal;
    createdBy: string;
    request: ExportRequestInfo;
    now?: Date;
  }): ExportJobRecord {
    const now = input.now ?? new Date();
    const { plan } = input;
    const tenants = plan.filter.tenant;
    const job: ExportJobRecord = {
      id: plan.id,
      // A job belongs to a tenant when it covers exactly one; that tenant's keys can then list and fetch it.
      ...(tenants?.length === 1 ? { tenant: tenants[0] } : {}),
      created_by: input.createdBy,
      format: plan.format.id,
      filters: plan.params,
      status: 'queued',
      rows_written: 0,
      rows_estimate: plan.rowLimit === undefined ? plan.total : Math.min(plan.total, plan.rowLimit),
      bytes: 0,
      // With a cap, `truncated` is stated from the start (from the count) and made exact when the job ends.
      ...(plan.rowLimit === undefined ? {} : { row_limit: plan.rowLimit, truncated: plan.truncated }),
      file_name: plan.fileName,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      expires_at: new Date(now.getTime() + hours(deps.exportTtlHours)).toISOString(),
    };
    deps.control.saveExportJob(job);
    queue.push({ job, plan, principal: input.principal, request: input.request });
    pump();
    return job;
  }

  function pump(): void {
    while (running.size < MAX_RUNNING && queue.length > 0) {
      const next = queue.shift()!;
      const abort = new AbortController();
      const done = runJob(deps, next, abort.signal)
        .catch((err: unknown) => deps.logger.error({ err, export_id: next.job.id }, 'export job crashed'))
        .finally(() => {
          running.delete(next.job.id);
          pump();
        });
      running.set(next.job.id, { abort, done });
    }
  }

  /** Stops a job if it runs, then removes its file and record. */
  async function remove(job: ExportJobRecord): Promise<void> {
    queue = queue.filter((q) => q.job.id !== job.id);
    const run = running.get(job.id);
    run?.abort.abort();
    deps.control.deleteExportJob(job.id);
    await run?.done;
    if (job.file_path) await rm(job.file_path, { force: true });
  }

  /** Resolves when no job is queued or running: for graceful shutdown and tests. */
  async function drain(): Promise<void> {
    while (running.size > 0 || queue.length > 0) {
      await Promise.all([...running.values()].map((r) => r.done));
      if (running.size === 0 && queue.length > 0) pump();
    }
  }

  /**
   * Jobs a previous process left queued or running cannot be resumed (the encoder options are not stored),
   * so they are marked failed and their partial files removed. Call once at startup.
   */
  async function recover(): Promise<number> {
    let failed = 0;
    for (const job of deps.control.listExportJobs(undefined, 1_000_000)) {
      if ((job.status === 'queued' || job.status === 'running') && !running.has(job.id)) {
        job.status = 'failed';
        job.error = 'interrupted by a server restart; create the export again';
        job.updated_at = new Date().toISOString();
        deps.control.saveExportJob(job);
        failed++;
      }
    }
    await removeStrayFiles();
    return failed;
  }

  /** Files in the exports directory that no live job owns: partial files of crashed runs, deleted jobs. */
  async function removeStrayFiles(): Promise<number> {
    const dir = exportsDir(deps);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      const id = name.split('.')[0];
      if (running.has(id)) continue;
      const job = deps.control.getExportJob(id);
      const owned = job?.status === 'completed' && job.file_path === join(dir, name);
      if (!owned) {
        await rm(join(dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  /**
   * Deletes the files of expired exports and marks their jobs `expired`; drops expired records after a
   * week and removes stray files. The server calls it on a timer; it is idempotent and safe to overlap with
   * running jobs.
   */
  async function sweep(
    now: Date = new Date(),
  ): Promise<{ expired: number; removed: number; strayFiles: number }> {
    let expired = 0;
    let removed = 0;
    const at = now.getTime();
    for (const job of deps.control.listExportJobs(undefined, 1_000_000)) {
      if (job.status === 'queued' || job.status === 'running') continue;
      if (job.status !== 'expired' && Date.parse(job.expires_at) <= at) {
        if (job.file_path) await rm(job.file_path, { force: true });
        const { file_path: _gone, ...rest } = job;
        deps.control.saveExportJob({ ...rest, status: 'expired', updated_at: now.toISOString() });
        expired++;
      } else if (job.status === 'expired' && Date.parse(job.expires_at) + EXPIRED_RECORD_KEEP_MS <= at) {
        deps.control.deleteExportJob(job.id);
        removed++;
      }
    }
    const strayFiles = await removeStrayFiles();
    if (expired + removed + strayFiles > 0)
      deps.logger.info({ expired, removed, strayFiles }, 'export sweep');
    return { expired, removed, strayFiles };
  }

  return { create, remove, drain, recover, sweep };
}

export type ExportJobRunner = ReturnType<typeof createExportJobRunner>;

async function runJob(
  deps: AppDeps,
  { job, plan, principal, request }: QueuedJob,
  signal: AbortSignal,
): Promise<void> {
  const save = () => {
    // A deleted job must not come back: the DELETE handler aborts before it removes the record.
    if (signal.aborted) return;
    job.updated_at = new Date().toISOString();
    deps.control.saveExportJob(job);
  };
  job.status = 'running';
  save();
  const dir = exportsDir(deps);
  mkdirSync(dir, { recursive: true });
  const finalPath = join(dir, `${job.id}.${plan.format.extension}`);
  // Written under a temporary name and renamed only once synced: a crash or failure never leaves a
  // file that looks complete, and a download never sees a half-written one.
  const tempPath = `${finalPath}.part`;
  const file = await open(tempPath, 'w');
  const summary = newSummary();
  let closed = false;
  try {
    let lastSave = Date.now();
    let chunks = 0;
    for await (const chunk of encodeExport(deps, plan, summary)) {
      if (signal.aborted) throw new Error('export job deleted');
      const bytes = Buffer.from(chunk.text, 'utf8');
      await file.write(bytes);
      job.bytes += bytes.length;
      job.rows_written = summary.rows;
      chunks++;
      if (chunks % PROGRESS_EVERY_CHUNKS === 0 || Date.now() - lastSave >= PROGRESS_EVERY_MS) {
        save();
        lastSave = Date.now();
      }
      // Storage reads are synchronous for SQLite; taking turns with the other exports lets requests in between.
      await deps.exportSlots.turn();
    }
    await file.sync();
    await file.close();
    closed = true;
    if (signal.aborted) throw new Error('export job deleted');
    await rename(tempPath, finalPath);
    await syncDir(dir);
    const completed = new Date();
    job.status = 'completed';
    job.rows_written = summary.rows;
    if (plan.rowLimit !== undefined) job.truncated = summary.truncated;
    // Kept so each later download is audited in every tenant whose rows are in the file.
    job.rows_by_tenant = Object.fromEntries(summary.tenants);
    job.file_path = finalPath;
    job.completed_at = completed.toISOString();
    // The download window starts when the file is ready, not when it was asked for.
    job.expires_at = new Date(completed.getTime() + hours(deps.exportTtlHours)).toISOString();
    save();
    if (signal.aborted) {
      await rm(finalPath, { force: true });
      return;
    }
    await auditExport(deps, {
      action: 'export.created',
      principal,
      id: job.id,
      fileName: job.file_name,
      format: job.format,
      params: job.filters,
      scope: plan.filter.tenant ?? [],
      rowsByTenant: summary.tenants,
      outcome: { result: 'success' },
      extra: { mode: 'job', truncated: summary.truncated, bytes: job.bytes },
      request,
    });
  } catch (error) {
    if (!closed) await file.close().catch(() => undefined);
    await rm(tempPath, { force: true });
    if (signal.aborted) {
      await rm(finalPath, { force: true });
      return;
    }
    deps.logger.error({ err: error, export_id: job.id }, 'export job failed');
    job.status = 'failed';
    job.error = 'the export failed; see the server log for this export id';
    save();
    await auditExport(deps, {
      action: 'export.created',
      principal,
      id: job.id,
      fileName: job.file_name,
      format: job.format,
      params: job.filters,
      scope: plan.filter.tenant ?? [],
      rowsByTenant: summary.tenants,
      outcome: { result: 'failure', reason: 'export_failed' },
      extra: { mode: 'job' },
      request,
    });
  }
}

/** fsync of the directory makes the rename itself durable (POSIX); not supported everywhere, so best effort. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms (Windows) cannot open a directory; the rename is still atomic there.
  }
}

/** Size of a completed job's file, or undefined when it is gone. */
export async function exportFileSize(job: ExportJobRecord): Promise<number | undefined> {
  if (!job.file_path) return undefined;
  try {
    return (await stat(job.file_path)).size;
  } catch {
    return undefined;
  }
}
