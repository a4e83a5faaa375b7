import type { MediaLibraryNative } from './native.ts';

const ana = { id: 'usr_6a1f0c', name: 'Ana Souza', email: 'ana.souza@northwind.com' };
const raj = { id: 'usr_7b2e1d', name: 'Raj Patel', email: 'raj.patel@northwind.com' };
const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 Chrome/124.0 Safari/537.36';
const tree = {
  id: '6630f8a2e5b1c9a7d4f3b210',
  type: 'file',
  name: 'tree.png',
  path: '/forest/tree.png',
  size: 482_133,
  mimeType: 'image/png',
} as const;
const forest = { id: '6630f8a2e5b1c9a7d4f3b100', type: 'folder', name: 'forest', path: '/forest' } as const;
const spring = { id: 'col_5f2a91', name: 'Spring campaign' };

let seq = 0;
/** An entry as the dashboard (user session) produces it; `parts` says what happened. */
function entry(
  operation: MediaLibraryNative['operation'],
  createdAt: string,
  parts: Omit<Partial<MediaLibraryNative>, 'operation' | 'createdAt'> &
    Pick<MediaLibraryNative, 'method' | 'endpoint'>,
): MediaLibraryNative {
  seq += 1;
  const n = String(seq).padStart(4, '0');
  const native: MediaLibraryNative = {
    id: `mlaud_2604${n}`,
    operation,
    createdAt,
    user: ana,
    requestId: `9c1e4b2a-7f3d-4e8a-b6c5-00000000${n}`,
    statusCode: 200,
    ip: '103.21.244.10',
    userAgent: ua,
    asset: tree,
    ...parts,
  };
  // `user: undefined` in `parts` means "no dashboard user" (an API-key call): drop the key.
  return Object.fromEntries(Object.entries(native).filter(([, v]) => v !== undefined)) as MediaLibraryNative;
}

/** A `/forest/tree.png` lifecycle (renamed into place, tagged, versioned, shared, moved, deleted) and its neighbours. */
export const mediaLibraryFixtures = {
  file_renamed: entry('FILE_RENAME', '2026-04-01T09:00:00Z', {
    method: 'PUT',
    endpoint: '/v1/files/rename',
    asset: { ...tree, previousPath: '/forest/oak.png' },
    requestBody: { filePath: '/forest/oak.png', newFileName: 'tree.png', purgeCache: true },
    responseBody: { purgeRequestId: 'prg_81ac' },
  }),
  tags_added: entry('FILE_TAGS_ADD', '2026-04-01T09:05:00Z', {
    method: 'POST',
    endpoint: '/v1/files/addTags',
    details: { tags: ['tree', 'forest'] },
    requestBody: { fileIds: [tree.id], tags: ['tree', 'forest'] },
  }),
  tags_added_by_api_key: entry('FILE_TAGS_ADD', '2026-04-01T09:06:00Z', {
    user: undefined,
    apiKey: { id: 'public_k3Yb9Q', name: 'CMS sync' },
    ip: '35.190.21.7',
    userAgent: 'imagekit-nodejs/5.2.0',
    method: 'POST',
    endpoint: '/v1/files/addTags',
    details: { tags: ['homepage'] },
  }),
  tags_removed: entry('FILE_TAGS_REMOVE', '2026-04-01T09:10:00Z', {
    method: 'POST',
    endpoint: '/v1/files/removeTags',
    details: { tags: ['forest'] },
  }),
  auto_tags_added: entry('FILE_AUTO_TAGS_ADD', '2026-04-01T09:11:00Z', {
    method: 'POST',
    endpoint: '/v1/files/autoTag',
    details: {
      tags: ['plant', 'outdoor', 'green'],
      extension: { name: 'google-auto-tagging', status: 'completed' },
    },
  }),
  auto_tags_removed: entry('FILE_AUTO_TAGS_REMOVE', '2026-04-01T09:12:00Z', {
    method: 'POST',
    endpoint: '/v1/files/removeAITags',
    details: { tags: ['outdoor'] },
  }),
  metadata_updated: entry('FILE_CUSTOM_METADATA_UPDATE', '2026-04-01T09:20:00Z', {
    method: 'PATCH',
    endpoint: `/v1/files/${tree.id}/details`,
    details: {
      customMetadata: { before: { brand: 'Acme' }, after: { brand: 'Northwind', season: 'spring' } },
    },
    requestBody: { customMetadata: { brand: 'Northwind', season: 'spring' } },
  }),
  extension_applied: entry('FILE_EXTENSION_APPLY', '2026-04-01T09:30:00Z', {
    method: 'PATCH',
    endpoint: `/v1/files/${tree.id}/details`,
    details: { extension: { name: 'remove-bg', status: 'completed' } },
    requestBody: { extensions: [{ name: 'remove-bg', options: { add_shadow: true } }] },
  }),
  extension_failed: entry('FILE_EXTENSION_APPLY', '2026-04-01T09:31:00Z', {
    method: 'PATCH',
    endpoint: `/v1/files/${tree.id}/details`,
    details: { extension: { name: 'remove-bg', status: 'failed' } },
    error: { code: 'extension_failed', message: 'Background removal could not find a foreground subject' },
  }),
  version_created: entry('FILE_VERSION_CREATE', '2026-04-02T10:00:00Z', {
    method: 'POST',
    endpoint: '/api/v1/files/upload',
    asset: { ...tree, size: 501_882 },
    details: { version: { id: 'ver_6631aa02', number: 2 } },
  }),
  version_restored: entry('FILE_VERSION_RESTORE', '2026-04-02T11:00:00Z', {
    method: 'PUT',
    endpoint: `/v1/files/${tree.id}/versions/ver_6630f8a2/restore`,
    details: { version: { id: 'ver_6630f8a2', number: 1 } },
  }),
  version_deleted: entry('FILE_VERSION_DELETE', '2026-04-02T11:05:00Z', {
    method: 'DELETE',
    endpoint: `/v1/files/${tree.id}/versions/ver_6631aa02`,
    statusCode: 204,
    details: { version: { id: 'ver_6631aa02', number: 2 } },
  }),
  public_link_added: entry('PUBLIC_LINK_ADD', '2026-04-03T08:00:00Z', {
    method: 'POST',
    endpoint: '/api/media-library/public-links',
    details: { publicLink: { id: 'pl_Q9x2', url: 'https://ik.imagekit.io/northwind/s/Q9x2' } },
    requestBody: { fileId: tree.id, password: 'spring-2026!', allowDownload: true },
    responseBody: { id: 'pl_Q9x2', url: 'https://ik.imagekit.io/northwind/s/Q9x2' },
  }),
  public_link_updated: entry('PUBLIC_LINK_UPDATE', '2026-04-03T08:10:00Z', {
    method: 'PATCH',
    endpoint: '/api/media-library/public-links/pl_Q9x2',
    details: {
      publicLink: {
        id: 'pl_Q9x2',
        url: 'https://ik.imagekit.io/northwind/s/Q9x2',
        expiresAt: '2026-05-01T00:00:00Z',
      },
    },
  }),
  public_link_removed: entry('PUBLIC_LINK_REMOVE', '2026-04-20T08:00:00Z', {
    method: 'DELETE',
    endpoint: '/api/media-library/public-links/pl_Q9x2',
    statusCode: 204,
    details: { publicLink: { id: 'pl_Q9x2', url: 'https://ik.imagekit.io/northwind/s/Q9x2' } },
  }),
  file_shared: entry('FILE_SHARE', '2026-04-03T09:00:00Z', {
    method: 'POST',
    endpoint: '/api/media-library/share',
    details: {
      sharedWith: [
        { type: 'user', id: raj.id, name: raj.name, email: raj.email, permission: 'edit' },
        { type: 'user_group', id: 'grp_design', name: 'Design', permission: 'view' },
      ],
    },
  }),
  folder_shared: entry('FOLDER_SHARE', '2026-04-03T09:05:00Z', {
    method: 'POST',
    endpoint: '/api/media-library/share',
    asset: forest,
    details: {
      sharedWith: [{ type: 'user_group', id: 'grp_agency', name: 'Agency partners', permission: 'view' }],
    },
  }),
  collection_shared: entry('COLLECTION_SHARE', '2026-04-03T09:10:00Z', {
    method: 'POST',
    endpoint: '/api/media-library/share',
    asset: { id: spring.id, type: 'collection', name: spring.name },
    details: { sharedWith: [{ type: 'user', id: raj.id, email: raj.email, permission: 'comment' }] },
  }),
  collection_items_added: entry('COLLECTION_ITEMS_ADD', '2026-04-04T10:00:00Z', {
    method: 'POST',
    endpoint: `/api/media-library/collections/${spring.id}/items`,
    details: {
      collection: spring,
      items: [
        tree,
        { id: '6630f8a2e5b1c9a7d4f3b211', type: 'file', name: 'leaf.png', path: '/forest/leaf.png' },
      ],
    },
  }),
  collection_items_removed: entry('COLLECTION_ITEMS_REMOVE', '2026-04-04T10:30:00Z', {
    method: 'DELETE',
    endpoint: `/api/media-library/collections/${spring.id}/items`,
    details: { collection: spring, items: [tree] },
  }),
  collection_renamed: entry('COLLECTION_RENAME', '2026-04-04T11:00:00Z', {
    method: 'PATCH',
    endpoint: `/api/media-library/collections/${spring.id}`,
    asset: { id: spring.id, type: 'collection', name: 'Spring campaign 2026', previousName: 'Spring 2026' },
    requestBody: { name: 'Spring campaign 2026' },
  }),
  collection_deleted: entry('COLLECTION_DELETE', '2026-04-25T11:00:00Z', {
    method: 'DELETE',
    endpoint: `/api/media-library/collections/${spring.id}`,
    statusCode: 204,
    asset: { id: spring.id, type: 'collection', name: 'Spring campaign 2026' },
  }),
  draft_created: entry('DRAFT_CREATE', '2026-04-05T09:00:00Z', {
    method: 'POST',
    endpoint: `/api/media-library/files/${tree.id}/drafts`,
    details: { draft: { id: 'drf_71c2' } },
  }),
  draft_published: entry('DRAFT_PUBLISH', '2026-04-05T09:30:00Z', {
    user: raj,
    method: 'POST',
    endpoint: `/api/media-library/files/${tree.id}/drafts/drf_71c2/publish`,
    details: { draft: { id: 'drf_71c2' } },
  }),
  draft_discarded: entry('DRAFT_DISCARD', '2026-04-05T10:00:00Z', {
    method: 'DELETE',
    endpoint: `/api/media-library/files/${tree.id}/drafts/drf_72d3`,
    statusCode: 204,
    details: { draft: { id: 'drf_72d3' } },
  }),
  folder_renamed: entry('FOLDER_RENAME', '2026-04-06T09:00:00Z', {
    method: 'POST',
    endpoint: '/v1/folder/rename',
    asset: {
      ...forest,
      id: '6630f8a2e5b1c9a7d4f3b101',
      name: 'woods',
      path: '/woods',
      previousPath: '/old-woods',
    },
    requestBody: { folderPath: '/old-woods', newFolderName: 'woods', purgeCache: false },
  }),
  folder_moved: entry('FOLDER_MOVE', '2026-04-06T09:10:00Z', {
    method: 'POST',
    endpoint: '/v1/bulkJobs/moveFolder',
    asset: {
      ...forest,
      id: '6630f8a2e5b1c9a7d4f3b101',
      name: 'woods',
      path: '/archive/woods',
      previousPath: '/woods',
    },
    responseBody: { jobId: 'job_5c1d' },
  }),
  folder_deleted: entry('FOLDER_DELETE', '2026-04-06T09:20:00Z', {
    method: 'DELETE',
    endpoint: '/v1/folder',
    statusCode: 204,
    asset: { ...forest, id: '6630f8a2e5b1c9a7d4f3b101', name: 'woods', path: '/archive/woods' },
    requestBody: { folderPath: '/archive/woods' },
  }),
  file_moved: entry('FILE_MOVE', '2026-04-10T12:00:00Z', {
    method: 'POST',
    endpoint: '/v1/files/move',
    asset: { ...tree, path: '/archive/forest/tree.png', previousPath: '/forest/tree.png' },
    requestBody: { sourceFilePath: '/forest/tree.png', destinationPath: '/archive/forest/' },
  }),
  file_delete_denied: entry('FILE_DELETE', '2026-04-12T16:40:00Z', {
    user: raj,
    ip: '198.51.100.77',
    method: 'DELETE',
    endpoint: `/v1/files/${tree.id}`,
    statusCode: 403,
    asset: { ...tree, path: '/archive/forest/tree.png' },
    error: { code: 'permission_denied', message: 'You need manage access to delete this file' },
  }),
  file_deleted: entry('FILE_DELETE', '2026-04-12T17:02:31Z', {
    method: 'DELETE',
    endpoint: `/v1/files/${tree.id}`,
    statusCode: 204,
    asset: { ...tree, path: '/archive/forest/tree.png' },
  }),
} satisfies Record<string, MediaLibraryNative>;

export type MediaLibraryFixtureName = keyof typeof mediaLibraryFixtures;
