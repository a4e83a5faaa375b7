import { type FileHandle, open } from 'node:fs/promises';

export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/**
 * One byte range per RFC 9110 §14.1.2: `bytes=a-b`, `bytes=a-` or the suffix `bytes=-n`; `end` is
 * inclusive and clamped to the file. A header we do not understand, or several ranges (multipart is not
 * worth it for resuming one file), is ignored and the whole file is sent, as the RFC allows.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return { kind: 'full' };
  const [, first, last] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(start) || start >= size) return { kind: 'unsatisfiable' };
  if (end < start) return { kind: 'full' };
  return { kind: 'partial', start, end };
}

const READ_CHUNK = 64 * 1024;

/** Streams bytes [start, end] of a file, reading only when the consumer pulls. */
export function fileRangeStream(path: string, start: number, end: number): ReadableStream<Uint8Array> {
  let position = start;
  // Opened on the first pull, so a client that never reads never holds a descriptor.
  let file: FileHandle | undefined;
  const close = async () => {
    const f = file;
    file = undefined;
    await f?.close().catch(() => undefined);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          file ??= await open(path, 'r');
          const length = Math.min(READ_CHUNK, end - position + 1);
          if (length <= 0) {
            await close();
            controller.close();
            return;
          }
          const buffer = new Uint8Array(length);
          const { bytesRead } = await file.read(buffer, 0, length, position);
          if (bytesRead === 0) throw new Error(`export file ended early at byte ${position}`);
          position += bytesRead;
          controller.enqueue(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
        } catch (error) {
          await close();
          controller.error(error);
        }
      },
      async cancel() {
        await close();
      },
    },
    { highWaterMark: 0 },
  );
}
