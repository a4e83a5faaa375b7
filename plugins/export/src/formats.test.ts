import { type AuditEvent, createPluginSet } from '@trailmark/core';
import { describe, expect, it } from 'vitest';
import { exportPlugin, ndjsonFormat, ocsfExportPlugin, toOcsf } from './index.ts';

const event: AuditEvent = {
  id: 'evt_9',
  tenant: 'acme',
  source: 'file-transfer',
  action: 'file.deleted',
  source_action: 'DELETE',
  occurred_at: '2026-04-14T10:42:11.000Z',
  received_at: '2026-04-14T10:42:12.000Z',
  actor: { type: 'user', id: 'u-sarah', email: 'sarah@team.com' },
  targets: [{ type: 'file', id: 'f-2', name: 'old-draft-v2.mp4', path: '/brand/old-draft-v2.mp4' }],
  outcome: { result: 'denied', reason: 'permission_denied' },
  workspace: { id: 'ws-brand', name: 'Brand Campaign 2026' },
  client: { ip: '203.0.113.7', geo: { country_code: 'DE' }, user_agent: 'line\nbreak\u2028' },
  metadata: { note: 'x' },
};

describe('ndjson format', () => {
  it('writes one full event per line', () => {
    const encoder = ndjsonFormat.createEncoder({});
    const text = encoder.header() + encoder.encode([event, { ...event, id: 'evt_10' }]) + encoder.footer();
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0])).toEqual(event);
  });
});

describe('ocsf format', () => {
  it('maps the class, activity and status from the registry entry', () => {
    const out = toOcsf(event, {
      action: 'file.deleted',
      label: 'File deleted',
      category: 'content',
      ocsf_class_uid: 6006,
      ocsf_activity_id: 4,
    });
    expect(out).toMatchObject({
      class_uid: 6006,
      class_name: 'File Hosting Activity',
      category_uid: 6,
      activity_id: 4,
      activity_name: 'Delete',
      type_uid: 600604,
      status_id: 2,
      action_id: 2,
      disposition_id: 2,
      time: Date.parse(event.occurred_at),
      metadata: { version: '1.8.0', uid: 'evt_9', tenant_uid: 'acme', event_code: 'DELETE' },
      actor: { user: { uid: 'u-sarah', email_addr: 'sarah@team.com', type_id: 1 } },
      src_endpoint: { ip: '203.0.113.7', location: { country: 'DE' } },
      file: { name: 'old-draft-v2.mp4', uid: 'f-2', path: '/brand/old-draft-v2.mp4' },
      cloud: { org: { ou_uid: 'ws-brand' } },
      unmapped: { action: 'file.deleted', targets: event.targets, metadata: event.metadata },
    });
  });

  it('exports unregistered actions as API Activity / Other and synthesizes required fields', () => {
    const out = toOcsf({ ...event, client: undefined });
    expect(out).toMatchObject({
      class_uid: 6003,
      activity_id: 99,
      activity_name: 'file.deleted',
      src_endpoint: { name: 'unknown' },
      api: { operation: 'file.deleted' },
      unmapped: { synthesized: ['src_endpoint.name', 'api.operation'] },
    });
  });

  it('plugs into the plugin set next to the built-in formats through the encoder options', () => {
    const set = createPluginSet([exportPlugin, ocsfExportPlugin]);
    expect([...set.exportFormats.keys()]).toEqual(['csv', 'ndjson', 'ocsf']);
    const encoder = set.exportFormats.get('ocsf')!.createEncoder({
      action: () => ({
        action: 'file.deleted',
        label: 'File deleted',
        category: 'content',
        ocsf_class_uid: 6006,
        ocsf_activity_id: 4,
      }),
    });
    const line = encoder.encode([event]);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({ class_uid: 6006, type_uid: 600604 });
  });
});
