import type { ExportEncoder, ExportFormat } from '@trailmark/core';

/**
 * One full stored event per line, exactly as the API returns it. JSON.stringify escapes every control
 * character, so a value can never break a line. No BOM even when asked: line-oriented JSON tools choke on it.
 */
export function createNdjsonEncoder(): ExportEncoder {
  return {
    header: () => '',
    encode(events) {
      let out = '';
      for (const event of events) out += `${JSON.stringify(event)}\n`;
      return out;
    },
    footer: () => '',
  };
}

export const ndjsonFormat: ExportFormat = {
  id: 'ndjson',
  name: 'NDJSON (one event per line)',
  contentType: 'application/x-ndjson; charset=utf-8',
  extension: 'ndjson',
  createEncoder: createNdjsonEncoder,
};
