import { type FileHandle, open } from 'node:fs/promises';

export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' }
  | { kind: 'invalid' };

const BYTE_RANGE = /^(\d*)-(\d*)$/;

/**
 * One byte range per RFC 9110 §14.1.2: `bytes=a-b`, `bytes=a-` or the suffix `bytes=-n`; `end` is
 * inclusive and clamped to the file. What the RFC lets a server choose, chosen here:
 * - another range unit is ignored (the RFC requires it) and the whole file is sent;
 * - several ranges are valid but multipart is not worth it for resuming one file: the whole file is sent;
 * - a `bytes=` value that is not a valid range set (`bytes=abc`, `bytes=9-3`) is rejected (§14.2 "MAY
 *   ignore or reject"), so a client with a bug hears about it instead of silently getting the whole file.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const equals = header.indexOf('=');
  if (equals < 0) return { kind: 'invalid' };
  if (header.slice(0, equals).trim().toLowerCase() !== 'bytes') return { kind: 'full' };
  // List syntax allows empty elements and whitespace around commas (RFC 9110 §5.6.1).
  const specs = header
    .slice(equals + 1)
    .split(',')
    .map((spec) => spec.trim())
    .filter(Boolean);
  const parsed: { first: string; last: string }[] = [];
  for (const spec of specs) {
    const match = BYTE_RANGE.exec(spec);
    if (!match) return { kind: 'invalid' };
    const [, first, last] = match;
    if (first === '' && last === '') return { kind: 'invalid' };
    if (first !== '' && last !== '' && BigInt(last) < BigInt(first)) return { kind: 'invalid' };
    parsed.push({ first, last });
  }
  if (parsed.length === 0) return { kind: 'invalid' };
  if (parsed.length > 1) return { kind: 'full' };
  const [{ first, last }] = parsed;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (!Number.isSafeInteger(start) || start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
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
