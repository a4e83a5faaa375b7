import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { getRequestListener, RequestError, type ServerType } from '@hono/node-server';
import { ErrorCode, IdPrefix, newId } from '@trailmark/core';

/**
 * Node's HTTP parser limits, set on purpose rather than inherited: a request line plus headers above
 * 16 KiB is a 431, headers must arrive within 20 s, and a whole request within 60 s (the body guard's
 * TRAILMARK_BODY_TIMEOUT_MS is the tighter bound for bodies; this one also covers a body Hono never
 * reads because the request was refused first).
 */
export const PARSER_LIMITS = { maxHeaderSize: 16 * 1024, headersTimeout: 20_000, requestTimeout: 60_000 };

/**
 * What @hono/node-server refuses while turning Node's request into a Fetch Request (a backslash in the
 * path, no Host or an invalid one: Node's own Host check is off so that this one answers) would be a bare
 * 400 with no body; here it is the JSON envelope. Anything else that escapes the app is a 500 envelope.
 */
function answerRequestError(error: unknown): Response {
  const requestId = newId(IdPrefix.request);
  const refused = error instanceof RequestError;
  const body = {
    error: {
      code: refused ? ErrorCode.VALIDATION_FAILED : ErrorCode.INTERNAL,
      message: refused ? `the request is refused: ${error.message}` : 'internal error',
      request_id: requestId,
    },
  };
  return new Response(JSON.stringify(body), {
    status: refused ? 400 : 500,
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId, Connection: 'close' },
  });
}

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
  // No `hostname` fallback for a request without Host: HTTP/1.1 requires one (RFC 9112 3.2), and with
  // Node's own check off the refusal comes from the listener, in the envelope.
  const listener = getRequestListener(fetch, { errorHandler: answerRequestError });
  const server = createServer({ ...PARSER_LIMITS, requireHostHeader: false }, listener);
  server.on('clientError', answerClientError);
  server.listen(port, hostname);
  return server;
}
