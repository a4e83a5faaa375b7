import type { AppDeps } from '../deps.ts';
import { type ExportChunk, type ExportSummary, encodeExport, newSummary } from './encode.ts';
import type { ExportPlan } from './plan.ts';

export interface StreamEnd {
  summary: ExportSummary;
  /** Why it ended: every row sent, the client went away, or an error after the headers were out. */
  reason: 'completed' | 'cancelled' | 'failed';
  error?: unknown;
}

/**
 * A pull-based web stream over an export. The runtime calls `pull` only when its queue is empty, and
 * @hono/node-server only reads again after the socket drained, so a slow client slows the reads from
 * storage instead of growing a buffer: memory stays at about one page per export. `onEnd` runs before
 * the stream closes, so when a client has read the last byte, the audit entry already exists.
 */
export function exportStream(
  deps: AppDeps,
  plan: ExportPlan,
  onEnd: (end: StreamEnd) => Promise<void>,
): ReadableStream<Uint8Array> {
  const summary = newSummary();
  const chunks: AsyncGenerator<ExportChunk> = encodeExport(deps, plan, summary);
  const utf8 = new TextEncoder();
  let ended = false;
  const finish = async (end: Omit<StreamEnd, 'summary'>) => {
    if (ended) return;
    ended = true;
    try {
      await onEnd({ ...end, summary });
    } catch (err) {
      deps.logger.error({ err, export_id: plan.id }, 'export end hook failed');
    }
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            // One page of one export per turn of the event loop: health checks, ingest and searches get
            // their turn between any two pages.
            await deps.exportSlots.turn();
            const next = await chunks.next();
            if (next.done) {
              await finish({ reason: 'completed' });
              controller.close();
              return;
            }
            // Skip empty chunks (a page of zero rows encodes to ''): enqueueing nothing would stall the pull.
            if (next.value.text.length > 0) {
              controller.enqueue(utf8.encode(next.value.text));
              return;
            }
          }
        } catch (error) {
          deps.logger.error({ err: error, export_id: plan.id }, 'export stream failed');
          await finish({ reason: 'failed', error });
          // Headers are already sent; erroring the stream aborts the connection so the client sees a
          // broken transfer instead of a file that looks complete.
          controller.error(error);
        }
      },
      async cancel() {
        await chunks.return(undefined);
        await finish({ reason: 'cancelled' });
      },
    },
    { highWaterMark: 0 },
  );
}
