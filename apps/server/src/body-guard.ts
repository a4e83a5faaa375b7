import { ErrorCode, TrailmarkError } from '@trailmark/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.ts';

export interface BodyGuardOptions {
  maxBytes: number;
  /** The whole body must arrive within this time, or the request is a 408 (a slow sender holds memory). */
  timeoutMs: number;
  /** Bodies read at once; beyond it a request is a 503 OVERLOADED before anything of it is buffered. */
  maxInflight: number;
}

/**
 * Reads the request body into memory under three bounds: size, time and how many at once. It runs
 * after authentication, so an anonymous sender never gets a byte buffered. Replaces hono/body-limit,
 * which with a chunked body reads it whole and unbounded in time.
 */
export function bodyGuard(options: BodyGuardOptions): MiddlewareHandler<AppEnv> {
  let inflight = 0;
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > options.maxBytes) throw tooLarge(options.maxBytes);
    if (inflight >= options.maxInflight) {
      throw new TrailmarkError(
        ErrorCode.OVERLOADED,
        `${inflight} request bodies are being received; retry after Retry-After seconds`,
      );
    }
    inflight++;
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new TrailmarkError(
            ErrorCode.REQUEST_TIMEOUT,
            `the request body did not arrive within ${options.timeoutMs} ms`,
          ),
        );
      }, options.timeoutMs);
    });
    try {
      for (;;) {
        const { done, value } = await Promise.race([reader.read(), deadline]);
        if (done) break;
        size += value.length;
        if (size > options.maxBytes) throw tooLarge(options.maxBytes);
        chunks.push(value);
      }
    } catch (error) {
      reader.cancel().catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
      inflight--;
    }
    c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks) });
    return next();
  };
}

function tooLarge(max: number): TrailmarkError {
  return new TrailmarkError(ErrorCode.PAYLOAD_TOO_LARGE, `request body exceeds ${max} bytes`);
}
