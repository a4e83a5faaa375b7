import type { MappedEvent } from '@trailmark/core';
import { describe, expect, it } from 'vitest';
import { type FileTransferFixtureName, fileTransferFixtures } from './fixtures.ts';
import { mapFileTransferEvent } from './mapper.ts';
import { fileTransferNativeSchema } from './native.ts';
import { fileTransferActions } from './plugin.ts';

function map(name: FileTransferFixtureName): MappedEvent {
  return mapFileTransferEvent(fileTransferNativeSchema.parse(fileTransferFixtures[name]));
}

const cases: [FileTransferFixtureName, Partial<MappedEvent> & Record<string, unknown>][] = [
  [
    'upload',
    {
      id: 'ft_01JRW6B9G1UPLOAD0001',
      action: 'file.uploaded',
      source_action: 'UPLOAD',
      occurred_at: '2026-04-14T10:32:15Z',
      actor: { type: 'user', id: 'usr_john', email: 'john@dosya.dev', name: 'John Okafor' },
      targets: [
        {
          type: 'file',
          id: 'fil_8Kq2RenderFinal',
          name: 'render-final.mp4',
          path: '/deliverables/render-final.mp4',
          size_bytes: 13_314_398_618,
          mime_type: 'video/mp4',
          region: 'eu-central-2',
          role: 'primary',
        },
      ],
      outcome: { result: 'success' },
      client: {
        ip: '185.23.94.17',
        user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15',
        geo: { country_code: 'DE', country: 'Germany' },
        device: { kind: 'browser' },
      },
      request: { region: 'eu-central-2' },
      workspace: { id: 'ws_brand2026', name: 'Brand Campaign 2026' },
    },
  ],
  [
    'download',
    {
      action: 'file.downloaded',
      actor: { type: 'user', id: 'client@acme.com', email: 'client@acme.com' },
      client: {
        ip: '54.201.14.88',
        geo: { country_code: 'US', country: 'United States' },
        device: { kind: 'browser' },
      },
      request: { region: 'us-east-1' },
    },
  ],
  [
    'share_link_created',
    {
      action: 'share_link.created',
      source_action: 'SHARE',
      targets: [
        {
          type: 'share_link',
          id: 'lnk_Zr7xQ2aB',
          name: 'https://dosya.dev/s/Zr7xQ2aB',
          role: 'primary',
          attributes: { expires_at: '2026-04-21T10:36:18Z', password_protected: true },
        },
        expect.objectContaining({ type: 'file', id: 'fil_8Kq2RenderFinal', role: 'affected' }),
      ],
    },
  ],
  [
    'share_link_opened',
    {
      action: 'share_link.accessed',
      source_action: 'ACCESS',
      actor: { type: 'anonymous', id: 'anonymous', credential: { type: 'share_link', id: 'lnk_Zr7xQ2aB' } },
      targets: [
        expect.objectContaining({ type: 'share_link', id: 'lnk_Zr7xQ2aB' }),
        expect.objectContaining({ type: 'file', id: 'fil_8Kq2RenderFinal' }),
      ],
      client: {
        ip: '203.0.113.45',
        geo: { country_code: 'US', country: 'United States', city: 'Portland' },
        device: { kind: 'browser' },
      },
      request: { region: 'us-west-1' },
    },
  ],
  [
    'delete',
    {
      action: 'file.deleted',
      actor: { type: 'user', id: 'sarah@team.com', email: 'sarah@team.com', name: 'Sarah Lindqvist' },
      targets: [
        expect.objectContaining({ type: 'file', name: 'old-draft-v2.mp4', path: '/drafts/old-draft-v2.mp4' }),
      ],
      client: { ip: '91.198.174.192', user_agent: 'dosya-cli/2.4.1 (linux; x64)', device: { kind: 'cli' } },
    },
  ],
  [
    'invite',
    {
      action: 'member.invited',
      targets: [
        {
          type: 'user',
          id: 'mike@co.com',
          name: 'mike@co.com',
          role: 'primary',
          attributes: { role: 'Editor' },
        },
      ],
      metadata: { role: 'Editor' },
    },
  ],
  [
    'blocked_domain_restricted_link',
    {
      action: 'share_link.accessed',
      source_action: 'BLOCKED',
      outcome: {
        result: 'denied',
        reason: 'domain_not_allowed',
        message: 'share link is restricted to @acme.com',
      },
      metadata: { attempted_action: 'ACCESS' },
    },
  ],
  [
    'upload_sdk_api_key',
    {
      action: 'file.uploaded',
      actor: {
        type: 'api_key',
        id: 'key_live_4f9a',
        name: 'render-farm',
        credential: { type: 'api_key', id: 'key_live_4f9a', name: 'render-farm' },
      },
      client: { ip: '10.20.30.40', user_agent: 'dosya-node/5.1.0', device: { kind: 'sdk' } },
      metadata: { api_key_owner: 'ops@dosya.dev' },
    },
  ],
  [
    'upload_error',
    {
      action: 'file.uploaded',
      outcome: {
        result: 'error',
        reason: 'storage_quota_exceeded',
        message: 'workspace storage quota exceeded',
      },
      client: { ip: '10.20.30.40', device: { kind: 'api' } },
    },
  ],
  [
    'upload_cli',
    {
      action: 'file.uploaded',
      targets: [
        {
          type: 'file',
          id: 'fil_Ax9AssetsZip',
          name: 'assets.zip',
          size_bytes: 2_254_857_830,
          region: 'us-east-1',
          role: 'primary',
        },
      ],
      client: { ip: '198.51.100.23', user_agent: 'dosya-cli/2.4.1 (darwin; arm64)', device: { kind: 'cli' } },
    },
  ],
  ['preview', { action: 'file.accessed', source_action: 'PREVIEW' }],
  [
    'share_link_expiry_changed',
    {
      action: 'share_link.expiration_updated',
      changes: [{ field: 'expires_at', after: '2026-04-16T00:00:00Z' }],
    },
  ],
  [
    'password_attempt_wrong',
    {
      action: 'share_link.unlocked',
      outcome: { result: 'denied', reason: 'invalid_password' },
      metadata: { attempt: 2 },
      client: {
        ip: '45.134.22.9',
        geo: { country_code: 'RU', country: 'Russia' },
        device: { kind: 'browser' },
      },
    },
  ],
  ['password_attempt_ok', { action: 'share_link.unlocked', outcome: { result: 'success' } }],
  [
    'share_link_expired',
    {
      action: 'share_link.expired',
      actor: { type: 'system', id: 'file-transfer', name: 'File transfer service' },
      client: { device: { kind: 'api' } },
    },
  ],
  ['share_link_revoked', { action: 'share_link.revoked', source_action: 'REVOKE' }],
  [
    'member_removed',
    { action: 'member.removed', targets: [expect.objectContaining({ type: 'user', id: 'intern@team.com' })] },
  ],
  [
    'role_changed',
    { action: 'member.role_changed', changes: [{ field: 'role', before: 'Editor', after: 'Admin' }] },
  ],
  [
    'permission_changed',
    {
      action: 'permission.updated',
      targets: [
        { type: 'user', id: 'client@acme.com', name: 'client@acme.com', role: 'primary' },
        { type: 'folder', path: '/deliverables', role: 'related' },
      ],
      changes: [{ field: 'permission', before: 'view', after: 'download' }],
    },
  ],
  [
    'blocked_permission_check',
    {
      action: 'file.downloaded',
      source_action: 'BLOCKED',
      outcome: { result: 'denied', reason: 'permission_denied' },
      metadata: { attempted_action: 'DOWNLOAD' },
      targets: [expect.objectContaining({ type: 'file', id: 'fil_8Kq2RenderFinal' })],
    },
  ],
  [
    'blocked_ip',
    {
      action: 'access.blocked',
      source_action: 'BLOCKED',
      actor: { type: 'anonymous', id: 'anonymous' },
      outcome: { result: 'denied', reason: 'ip_blocked' },
      targets: [{ type: 'workspace', id: 'ws_brand2026', name: 'Brand Campaign 2026', role: 'primary' }],
    },
  ],
  [
    'blocked_expired_link',
    {
      action: 'share_link.accessed',
      source_action: 'BLOCKED',
      outcome: { result: 'denied', reason: 'link_expired' },
      targets: [expect.objectContaining({ type: 'share_link', id: 'lnk_Zr7xQ2aB' }), expect.anything()],
    },
  ],
  [
    'blocked_invite_domain',
    {
      action: 'member.invited',
      source_action: 'BLOCKED',
      outcome: { result: 'denied', reason: 'domain_not_allowed' },
      targets: [expect.objectContaining({ type: 'user', id: 'someone@gmail.com' })],
    },
  ],
];

describe('mapFileTransferEvent', () => {
  it.each(cases)('%s', (name, expected) => {
    const event = map(name);
    expect(event).toMatchObject({ source: 'file-transfer', ...expected });
  });

  it('has a case for every fixture', () => {
    expect(cases.map(([name]) => name).sort()).toEqual(Object.keys(fileTransferFixtures).sort());
  });

  it('every entry carries all fields of the product page', () => {
    for (const name of Object.keys(fileTransferFixtures) as FileTransferFixtureName[]) {
      const e = map(name);
      expect(e.occurred_at).toMatch(/Z$/);
      expect(e.actor.type).toBeTruthy();
      expect(e.source_action).toBeTruthy();
      expect(e.request?.region).toBeTruthy();
      expect(e.client?.device?.kind).toMatch(/^(browser|cli|sdk|api)$/);
      expect(['success', 'denied', 'error']).toContain(e.outcome.result);
      expect(e.workspace?.id).toBeTruthy();
    }
  });

  it('makes a leaked share link investigable by target id', () => {
    const accesses = Object.values(fileTransferFixtures)
      .map((f) => mapFileTransferEvent(fileTransferNativeSchema.parse(f)))
      .filter((e) => e.targets.some((t) => t.type === 'share_link' && t.id === 'lnk_Zr7xQ2aB'))
      .filter((e) => e.action === 'share_link.accessed' || e.action === 'share_link.unlocked');
    expect(accesses.map((e) => e.client?.ip)).toEqual([
      '203.0.113.45',
      '172.58.10.4',
      '45.134.22.9',
      '54.201.14.88',
      '203.0.113.45',
    ]);
    expect(new Set(accesses.map((e) => e.client?.geo?.country_code))).toEqual(new Set(['US', 'RU']));
  });
});

describe('file-transfer registry', () => {
  // Actions named on the product page (preview rows and the "Events" section).
  const pageActions = ['UPLOAD', 'DOWNLOAD', 'SHARE', 'ACCESS', 'DELETE', 'INVITE', 'BLOCKED'];

  it.each(pageActions)('declares %s', (sourceAction) => {
    expect(fileTransferActions.map((a) => a.source_action)).toContain(sourceAction);
  });

  it('covers every event family of the page', () => {
    const actions = fileTransferActions.map((a) => a.action);
    for (const a of [
      'file.uploaded',
      'file.downloaded',
      'share_link.created',
      'share_link.accessed',
      'share_link.unlocked',
      'share_link.expired',
      'file.deleted',
      'member.invited',
      'member.removed',
      'member.role_changed',
      'permission.updated',
      'access.blocked',
    ])
      expect(actions).toContain(a);
  });
});

describe('fileTransferNativeSchema: an entry must carry what its action is about', () => {
  const { upload, share_link_opened, invite, share_link_expired, blocked_ip } = fileTransferFixtures;
  const without = <T extends object>(o: T, key: keyof T): T => {
    const { [key]: _dropped, ...rest } = o;
    return rest as T;
  };
  const rejected: [string, unknown, string][] = [
    ['an upload without its file', without(upload, 'file'), 'file'],
    ['a file without its size', { ...upload, file: without(upload.file, 'size') }, 'file.size'],
    ['an upload without the client IP', without(upload, 'ip'), 'ip'],
    ['an upload by nobody', without(upload, 'user'), 'user'],
    ['a share-link access without the link', without(share_link_opened, 'share_link'), 'share_link'],
    ['an invite without the member', without(invite, 'member'), 'member'],
    [
      'a blocked download without the file',
      { ...blocked_ip, attempted_action: 'DOWNLOAD', file: undefined },
      'file',
    ],
  ];

  it.each(rejected)('rejects %s, naming the field', (_name, raw, path) => {
    const parsed = fileTransferNativeSchema.safeParse(raw);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('accepts the anonymous share-link visitor, the expiring link without a client and a blocked IP', () => {
    for (const raw of [share_link_opened, share_link_expired, blocked_ip])
      expect(fileTransferNativeSchema.safeParse(raw).success).toBe(true);
    expect(share_link_opened).not.toHaveProperty('user');
    expect(share_link_expired).not.toHaveProperty('ip');
  });
});
