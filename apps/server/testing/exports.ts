import type { AuditEvent, TrailmarkPlugin } from '@trailmark/core';
import { exportPlugin, ocsfExportPlugin } from '@trailmark/plugin-export';
import { fileTransferSource } from '@trailmark/plugin-source-file-transfer';
import { trailmarkSource } from '../src/system-source.ts';
import { createTestApp } from './index.ts';

/** The plugins export tests need: both export plugins (OCSF proves the format list is open), two sources. */
export const exportTestPlugins: TrailmarkPlugin[] = [
  trailmarkSource,
  fileTransferSource,
  exportPlugin,
  ocsfExportPlugin,
];

export function createExportTestApp() {
  return createTestApp({ plugins: exportTestPlugins });
}

/** A file-transfer event at a distinct millisecond, so export order is unambiguous. */
export function transferEvent(i: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  const at = new Date(Date.parse('2026-04-01T00:00:00.000Z') + i * 60_000 + (i % 1000)).toISOString();
  return {
    id: `evt_x_${String(i).padStart(7, '0')}`,
    tenant: i % 4 === 0 ? 'globex' : 'acme',
    source: 'file-transfer',
    action: ['file.uploaded', 'file.downloaded', 'file.deleted', 'share_link.accessed'][
      i % 4 === 0 ? 1 : i % 3
    ],
    source_action: 'UPLOAD',
    occurred_at: at,
    received_at: at,
    actor: { type: 'user', id: `u-${i % 7}`, name: `User ${i % 7}`, email: `user${i % 7}@acme.test` },
    targets: [
      { type: 'file', id: `f-${i % 50}`, name: `report-${i % 50}.pdf`, path: `/forest/report-${i % 50}.pdf` },
    ],
    outcome: { result: i % 10 === 0 ? 'denied' : 'success' },
    workspace: { id: `ws-${i % 3}`, name: `Workspace ${i % 3}` },
    client: { ip: `198.51.100.${i % 200}`, device: { kind: 'browser' } },
    request: { id: `req-${i}`, method: 'POST', endpoint: '/v1/files' },
    metadata: { seq: i },
    ...overrides,
  };
}
