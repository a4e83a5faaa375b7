import type { StreamEncodeContext } from '@trailmark/core';
import { contractEvents } from '@trailmark/test-utils';
import { describe, expect, it } from 'vitest';
import { encodeSplunkHec, hecEndpoint } from './format.ts';
import { splunkHecStream } from './index.ts';
import { splunkHecConfigSchema } from './plugin.ts';

const events = contractEvents(4);
const context: StreamEncodeContext = { now: new Date(), host: 'trailmark-1' };
const config = splunkHecConfigSchema.parse({ url: 'https://splunk.example:8088', index: 'audit' });
const token = '11111111-2222-3333-4444-555555555555';

describe('splunk HEC format', () => {
  it('posts to /services/collector/event with the Splunk token', () => {
    const request = encodeSplunkHec({ messageId: 'msg_1', sequence: 3, events }, config, { token }, context);
    expect(request.url).toBe('https://splunk.example:8088/services/collector/event');
    expect(request.headers.authorization).toBe(`Splunk ${token}`);
    expect(request.headers['x-splunk-request-channel']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('batches one HEC object per event with time, host, source, sourcetype and index', () => {
    const request = encodeSplunkHec({ messageId: 'msg_1', sequence: 3, events }, config, { token }, context);
    const objects = request.body.split('\n').map((line) => JSON.parse(line));
    expect(objects).toHaveLength(4);
    objects.forEach((o, i) => {
      const e = events[i];
      expect(o.time).toBe(Date.parse(e?.occurred_at ?? '') / 1000);
      expect(o).toMatchObject({
        host: 'trailmark-1',
        source: 'trailmark',
        sourcetype: 'trailmark:audit',
        index: 'audit',
      });
      expect(o.event.id).toBe(e?.id);
      expect(o.fields.tenant).toBe(e?.tenant);
    });
  });

  it('tolerates a base URL that already ends with the collector path, and masks the token', () => {
    expect(hecEndpoint('https://s.example/services/collector/event/')).toBe(
      'https://s.example/services/collector/event',
    );
    expect(hecEndpoint('https://s.example/proxy/')).toBe('https://s.example/proxy/services/collector/event');
    expect(JSON.stringify(splunkHecStream.maskSecrets?.({ token }))).not.toContain('2222');
  });

  it('keeps the same channel for every attempt of one message', () => {
    const a = encodeSplunkHec({ messageId: 'msg_1', sequence: 3, events }, config, { token }, context);
    const b = encodeSplunkHec(
      { messageId: 'msg_1', sequence: 3, events },
      config,
      { token },
      { ...context, now: new Date(0) },
    );
    expect(a.headers['x-splunk-request-channel']).toBe(b.headers['x-splunk-request-channel']);
    expect(a.body).toBe(b.body);
  });
});
