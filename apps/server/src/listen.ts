import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { ErrorCode, IdPrefix, newId } from '@trailmark/core';

/**
 * Node's HTTP parser limits, set on purpose rather than inherited: a request line plus headers above
 * 16 KiB is a 431, headers must arrive within 20 s, and a whole request within 60 s (the body guard's
 * TRAILMARK_BODY_TIMEOUT_MS is the tighter bound for bodies; this one also covers a body Hono never
 * reads because the request was refused first).
 */
export const PARSER_LIMITS = { maxHeaderSize: 16 * 1024, headersTimeout: 20_000, requestTimeout: 60_000 };

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * What Node refuses before Hono sees a request (a malformed request line, headers over the limit, a
 * header timeout) is answered here in the same JSON envelope with an X-Request-Id, instead of Node's
 * bare status line. A socket that is gone, or already has a response on it, is just closed.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (
    !socket.writable ||
    error.code === 'ECONNRESET' ||
    (socket as { _httpMessage?: unknown })._httpMessage
  ) {
    socket.destroy();
    return;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code === 'HPE_HEADERS_TIMEOUT'
        ? 408
        : 400;
  const requestId = newId(IdPrefix.request);
  const code =
    status === 431
      ? ErrorCode.PAYLOAD_TOO_LARGE
      : status === 408
        ? ErrorCode.REQUEST_TIMEOUT
        : ErrorCode.VALIDATION_FAILED;
  const message =
    status === 431
      ? `request line and headers exceed ${PARSER_LIMITS.maxHeaderSize} bytes`
      : status === 408
        ? 'the request did not arrive in time'
        : 'the request is not valid HTTP/1.1';
  const body = JSON.stringify({ error: { code, message, request_id: requestId } });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Serves the app with deliberate parser limits and enveloped parser errors. */
export function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  port: number,
  hostname: string,
): ServerType {
  const server = serve({ fetch, port, hostname, serverOptions: PARSER_LIMITS });
  (server as Server).on('clientError', answerClientError);
  return server;
}
