import type { MappedEvent } from '@trailmark/core';
import { describe, expect, it } from 'vitest';
import { type MediaLibraryFixtureName, mediaLibraryFixtures } from './fixtures.ts';
import { mapMediaLibraryEvent } from './mapper.ts';
import { mediaLibraryNativeSchema } from './native.ts';
import { mediaLibraryActions } from './plugin.ts';

function map(name: MediaLibraryFixtureName): MappedEvent {
  return mapMediaLibraryEvent(mediaLibraryNativeSchema.parse(mediaLibraryFixtures[name]));
}

const TREE_ID = '6630f8a2e5b1c9a7d4f3b210';

const cases: [MediaLibraryFixtureName, Record<string, unknown>][] = [
  [
    'file_renamed',
    {
      id: 'ml_mlaud_26040001',
      action: 'file.renamed',
      source_action: 'FILE_RENAME',
      actor: { type: 'user', id: 'usr_6a1f0c', name: 'Ana Souza', email: 'ana.souza@northwind.com' },
      targets: [
        {
          type: 'file',
          id: TREE_ID,
          name: 'tree.png',
          path: '/forest/tree.png',
          previous_path: '/forest/oak.png',
          size_bytes: 482_133,
          mime_type: 'image/png',
          role: 'primary',
        },
      ],
      request: {
        id: '9c1e4b2a-7f3d-4e8a-b6c5-000000000001',
        method: 'PUT',
        endpoint: '/v1/files/rename',
        status: 200,
        request_body: { filePath: '/forest/oak.png', newFileName: 'tree.png', purgeCache: true },
        response_body: { purgeRequestId: 'prg_81ac' },
      },
      changes: [{ field: 'path', before: '/forest/oak.png', after: '/forest/tree.png' }],
      client: { ip: '103.21.244.10', device: { kind: 'browser' } },
      outcome: { result: 'success', status_code: 200 },
    },
  ],
  [
    'tags_added',
    {
      action: 'file.tags_added',
      changes: [{ field: 'tags', after: ['tree', 'forest'] }],
      metadata: { tag_source: 'manual', tags: 'tree,forest' },
    },
  ],
  [
    'tags_added_by_api_key',
    {
      actor: {
        type: 'api_key',
        id: 'public_k3Yb9Q',
        name: 'CMS sync',
        credential: { type: 'api_key', id: 'public_k3Yb9Q' },
      },
      client: { ip: '35.190.21.7', user_agent: 'imagekit-nodejs/5.2.0', device: { kind: 'api' } },
    },
  ],
  ['tags_removed', { action: 'file.tags_removed', changes: [{ field: 'tags', before: ['forest'] }] }],
  [
    'auto_tags_added',
    { action: 'file.auto_tags_added', metadata: { tag_source: 'auto', extension: 'google-auto-tagging' } },
  ],
  [
    'auto_tags_removed',
    { action: 'file.auto_tags_removed', metadata: { tag_source: 'auto', tags: 'outdoor' } },
  ],
  [
    'metadata_updated',
    {
      action: 'file.metadata_updated',
      changes: [
        { field: 'customMetadata.brand', before: 'Acme', after: 'Northwind' },
        { field: 'customMetadata.season', after: 'spring' },
      ],
    },
  ],
  [
    'extension_applied',
    { action: 'file.extension_applied', metadata: { extension: 'remove-bg', extension_status: 'completed' } },
  ],
  [
    'extension_failed',
    {
      action: 'file.extension_applied',
      outcome: {
        result: 'error',
        reason: 'extension_failed',
        message: 'Background removal could not find a foreground subject',
        status_code: 200,
      },
    },
  ],
  [
    'version_created',
    {
      action: 'file_version.created',
      targets: [
        {
          type: 'file_version',
          id: 'ver_6631aa02',
          name: 'tree.png (version 2)',
          version: '2',
          role: 'primary',
        },
        expect.objectContaining({ type: 'file', id: TREE_ID, path: '/forest/tree.png', role: 'parent' }),
      ],
    },
  ],
  [
    'version_restored',
    { action: 'file_version.restored', request: expect.objectContaining({ method: 'PUT' }) },
  ],
  ['version_deleted', { action: 'file_version.deleted', outcome: { result: 'success', status_code: 204 } }],
  [
    'public_link_added',
    {
      action: 'public_link.created',
      targets: [
        {
          type: 'public_link',
          id: 'pl_Q9x2',
          name: 'https://ik.imagekit.io/northwind/s/Q9x2',
          role: 'primary',
        },
        expect.objectContaining({ type: 'file', id: TREE_ID, path: '/forest/tree.png', role: 'affected' }),
      ],
      request: expect.objectContaining({
        request_body: { fileId: TREE_ID, password: '[REDACTED]', allowDownload: true },
        redacted_paths: ['/request_body/password'],
      }),
    },
  ],
  [
    'public_link_updated',
    {
      action: 'public_link.updated',
      targets: [
        expect.objectContaining({ attributes: { expires_at: '2026-05-01T00:00:00Z' } }),
        expect.anything(),
      ],
    },
  ],
  ['public_link_removed', { action: 'public_link.deleted' }],
  [
    'file_shared',
    {
      action: 'file.shared',
      targets: [
        expect.objectContaining({ type: 'file', id: TREE_ID }),
        {
          type: 'user',
          id: 'usr_7b2e1d',
          name: 'Raj Patel',
          role: 'related',
          attributes: { permission: 'edit', email: 'raj.patel@northwind.com' },
        },
        {
          type: 'user_group',
          id: 'grp_design',
          name: 'Design',
          role: 'related',
          attributes: { permission: 'view' },
        },
      ],
    },
  ],
  [
    'folder_shared',
    {
      action: 'folder.shared',
      targets: [
        { type: 'folder', id: '6630f8a2e5b1c9a7d4f3b100', name: 'forest', path: '/forest', role: 'primary' },
        expect.objectContaining({ type: 'user_group', id: 'grp_agency' }),
      ],
    },
  ],
  [
    'collection_shared',
    {
      action: 'collection.shared',
      targets: [
        { type: 'collection', id: 'col_5f2a91', name: 'Spring campaign', role: 'primary' },
        expect.anything(),
      ],
    },
  ],
  [
    'collection_items_added',
    {
      action: 'collection.item_added',
      targets: [
        { type: 'collection', id: 'col_5f2a91', name: 'Spring campaign', role: 'primary' },
        expect.objectContaining({ type: 'file', id: TREE_ID, path: '/forest/tree.png', role: 'affected' }),
        expect.objectContaining({ type: 'file', path: '/forest/leaf.png', role: 'affected' }),
      ],
    },
  ],
  ['collection_items_removed', { action: 'collection.item_removed' }],
  [
    'collection_renamed',
    {
      action: 'collection.renamed',
      // A collection has no path: the rename is a change of name.
      changes: [{ field: 'name', before: 'Spring 2026', after: 'Spring campaign 2026' }],
    },
  ],
  ['collection_deleted', { action: 'collection.deleted' }],
  [
    'draft_created',
    {
      action: 'file.draft_created',
      targets: [expect.objectContaining({ id: TREE_ID }), { type: 'draft', id: 'drf_71c2', role: 'related' }],
    },
  ],
  [
    'draft_published',
    { action: 'file.draft_published', actor: expect.objectContaining({ id: 'usr_7b2e1d' }) },
  ],
  ['draft_discarded', { action: 'file.draft_discarded' }],
  [
    'folder_renamed',
    {
      action: 'folder.renamed',
      targets: [expect.objectContaining({ type: 'folder', path: '/woods', previous_path: '/old-woods' })],
    },
  ],
  [
    'folder_moved',
    {
      action: 'folder.moved',
      targets: [expect.objectContaining({ type: 'folder', path: '/archive/woods', previous_path: '/woods' })],
    },
  ],
  ['folder_deleted', { action: 'folder.deleted', request: expect.objectContaining({ method: 'DELETE' }) }],
  [
    'file_moved',
    {
      action: 'file.moved',
      targets: [
        expect.objectContaining({
          type: 'file',
          id: TREE_ID,
          path: '/archive/forest/tree.png',
          previous_path: '/forest/tree.png',
        }),
      ],
    },
  ],
  [
    'file_delete_denied',
    {
      action: 'file.deleted',
      outcome: {
        result: 'denied',
        reason: 'permission_denied',
        message: 'You need manage access to delete this file',
        status_code: 403,
      },
      client: { ip: '198.51.100.77', user_agent: expect.any(String), device: { kind: 'browser' } },
    },
  ],
  [
    'file_deleted',
    {
      action: 'file.deleted',
      targets: [expect.objectContaining({ type: 'file', id: TREE_ID, path: '/archive/forest/tree.png' })],
      request: expect.objectContaining({ id: '9c1e4b2a-7f3d-4e8a-b6c5-000000000031', method: 'DELETE' }),
    },
  ],
];

describe('mapMediaLibraryEvent', () => {
  it.each(cases)('%s', (name, expected) => {
    expect(map(name)).toMatchObject({ source: 'media-library', ...expected });
  });

  it('has a case for every fixture', () => {
    expect(cases.map(([n]) => n).sort()).toEqual(Object.keys(mediaLibraryFixtures).sort());
  });

  it('keeps one stable id for /forest/tree.png across rename, move and delete', () => {
    const events = (Object.keys(mediaLibraryFixtures) as MediaLibraryFixtureName[]).map(map);
    const touching = events.filter((e) => e.targets.some((t) => t.type === 'file' && t.id === TREE_ID));
    const paths = new Set(
      touching.flatMap((e) =>
        e.targets.filter((t) => t.id === TREE_ID).flatMap((t) => [t.path, t.previous_path].filter(Boolean)),
      ),
    );
    expect(paths).toEqual(new Set(['/forest/oak.png', '/forest/tree.png', '/archive/forest/tree.png']));
    expect(touching.map((e) => e.action)).toContain('file.deleted');
    expect(touching.length).toBeGreaterThanOrEqual(20);
  });
});

describe('media-library registry', () => {
  // "Audit logs will be saved for these features" on the product page, and the operations that cover each.
  const PAGE_FEATURES: [string, string[]][] = [
    ['Sharing assets', ['FILE_SHARE', 'FOLDER_SHARE', 'COLLECTION_SHARE']],
    ['Renaming assets', ['FILE_RENAME', 'FOLDER_RENAME', 'COLLECTION_RENAME']],
    ['Updating custom metadata for assets', ['FILE_CUSTOM_METADATA_UPDATE']],
    ['Using extensions like background removal', ['FILE_EXTENSION_APPLY']],
    [
      'Adding, updating or removing public links for assets',
      ['PUBLIC_LINK_ADD', 'PUBLIC_LINK_UPDATE', 'PUBLIC_LINK_REMOVE'],
    ],
    ['Moving assets', ['FILE_MOVE', 'FOLDER_MOVE']],
    ['Deleting assets', ['FILE_DELETE', 'FOLDER_DELETE', 'COLLECTION_DELETE']],
    [
      'Adding & removing tags or auto-tags for a file',
      ['FILE_TAGS_ADD', 'FILE_TAGS_REMOVE', 'FILE_AUTO_TAGS_ADD', 'FILE_AUTO_TAGS_REMOVE'],
    ],
    [
      'Creating, Restoring or Deleting a file version',
      ['FILE_VERSION_CREATE', 'FILE_VERSION_RESTORE', 'FILE_VERSION_DELETE'],
    ],
    [
      'Adding or removing assets from a media collection',
      ['COLLECTION_ITEMS_ADD', 'COLLECTION_ITEMS_REMOVE'],
    ],
    ['Using draft assets', ['DRAFT_CREATE', 'DRAFT_PUBLISH', 'DRAFT_DISCARD']],
  ];

  it.each(PAGE_FEATURES)('covers "%s"', (_feature, operations) => {
    const declared = mediaLibraryActions.map((a) => a.source_action);
    for (const op of operations) expect(declared).toContain(op);
  });

  it('declares nothing the page does not cover', () => {
    expect(mediaLibraryActions.map((a) => a.source_action).sort()).toEqual(
      PAGE_FEATURES.flatMap(([, ops]) => ops).sort(),
    );
  });
});

describe('mediaLibraryNativeSchema', () => {
  const renamed = mediaLibraryFixtures.file_renamed;
  const rejected: [string, unknown, string][] = [
    ['an edit by nobody', (({ user: _u, ...rest }) => rest)(renamed), 'user'],
    ['a file without its path', { ...renamed, asset: { ...renamed.asset, path: undefined } }, 'asset.path'],
    [
      'a rename without the old path',
      { ...renamed, asset: { ...renamed.asset, previousPath: undefined } },
      'asset.previousPath',
    ],
    [
      'a move to where the file already is',
      { ...renamed, operation: 'FILE_MOVE', asset: { ...renamed.asset, previousPath: renamed.asset.path } },
      'asset.previousPath',
    ],
  ];

  it.each(rejected)('rejects %s, naming the field', (_name, raw, path) => {
    const parsed = mediaLibraryNativeSchema.safeParse(raw);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('a collection has no path', () => {
    expect(mediaLibraryNativeSchema.safeParse(mediaLibraryFixtures.collection_renamed).success).toBe(true);
    expect(mediaLibraryFixtures.collection_renamed.asset).not.toHaveProperty('path');
  });
});
