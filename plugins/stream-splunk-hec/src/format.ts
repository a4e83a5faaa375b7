import type { HttpStreamRequest, StreamBatch, StreamEncodeContext } from '@trailmark/core';
import type { SplunkHecConfig, SplunkHecSecrets } from './plugin.ts';

export const HEC_EVENT_PATH = '/services/collector/event';

/** The collector endpoint under the configured base URL (a trailing slash or the full path are tolerated). */
export function hecEndpoint(base: string): string {
  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith(HEC_EVENT_PATH) ? path : `${path}${HEC_EVENT_PATH}`;
  return url.toString();
}

/**
 * HEC's batch format: event objects one after the other (newline-separated here), each with its own
 * metadata. `time` is epoch seconds with milliseconds, from when the event occurred.
 */
export function hecBody(batch: StreamBatch, config: SplunkHecConfig, context: StreamEncodeContext): string {
  return batch.events
    .map((event) =>
      JSON.stringify({
        time: Date.parse(event.occurred_at) / 1000,
        host: config.host ?? context.host,
        source: config.source,
        sourcetype: config.sourcetype,
        ...(config.index ? { index: config.index } : {}),
        fields: { tenant: event.tenant, trailmark_sequence: batch.sequence },
        event,
      }),
    )
    .join('\n');
}

export function encodeSplunkHec(
  batch: StreamBatch,
  config: SplunkHecConfig,
  secrets: SplunkHecSecrets,
  context: StreamEncodeContext,
): HttpStreamRequest {
  return {
    transport: 'http',
    method: 'POST',
    url: hecEndpoint(config.url),
    headers: {
      authorization: `Splunk ${secrets.token}`,
      'content-type': 'application/json',
      // HEC's indexer acknowledgement reads a channel id; sending the message id keeps retries on one channel.
      'x-splunk-request-channel': uuidFromId(batch.messageId),
    },
    body: hecBody(batch, config, context),
    ...(config.ca ? { ca: config.ca } : {}),
  };
}

/** A stable UUID-shaped channel id derived from the message id (HEC requires the UUID shape). */
function uuidFromId(id: string): string {
  let h = 0x811c9dc5;
  const bytes: number[] = [];
  for (let round = 0; round < 16; round++) {
    for (const ch of `${round}:${id}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    bytes.push(h & 0xff);
  }
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
