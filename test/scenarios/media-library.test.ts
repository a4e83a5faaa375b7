import type { MediaLibraryNative } from '@trailmark/plugin-source-media-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers.ts';
import {
  daysAgoAt,
  type EventPage,
  getJson,
  type HistoryResponse,
  ids,
  listAll,
  query,
  sendNative,
  startDemoServer,
  TENANT,
} from './support.ts';

/**
 * The media library page: "View File Deletion History" (by asset path, /forest/tree.png) and the lookup
 * of one operation by the request id the product returned in its HTTP response headers.
 */
const SOURCE = 'media-library';
const PATH = '/forest/tree.png';

const ana = { id: 'usr_6a1f0c', name: 'Ana Souza', email: 'ana.souza@northwind.com' };
const raj = { id: 'usr_7b2e1d', name: 'Raj Patel', email: 'raj.patel@northwind.com' };
const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 Chrome/124.0 Safari/537.36';
const TREE_ID = '6630f8a2e5b1c9a7d4f3b210';
const LEAF_ID = '6630f8a2e5b1c9a7d4f3b211';
const tree = { id: TREE_ID, type: 'file', name: 'tree.png', size: 482_133, mimeType: 'image/png' } as const;
const DELETE_REQUEST_ID = '9c1e4b2a-7f3d-4e8a-b6c5-d31e7e0f7ee1';
const WOODS_ID = '6630f8a2e5b1c9a7d4f3b400';
const SPRING_ID = 'col_scenario_spring';

function entry(
  id: string,
  operation: MediaLibraryNative['operation'],
  createdAt: string,
  parts: Omit<Partial<MediaLibraryNative>, 'id' | 'operation' | 'createdAt'> &
    Pick<MediaLibraryNative, 'method' | 'endpoint' | 'asset' | 'requestId'>,
): MediaLibraryNative {
  return {
    id,
    operation,
    createdAt,
    user: ana,
    statusCode: 200,
    ip: '103.21.244.10',
    userAgent: ua,
    ...parts,
  };
}

/** tree.png: uploaded as oak.png, moved into /forest, renamed, tagged, then deleted; plus its neighbours. */
const natives = {
  versionCreated: entry('ml_tree_v1', 'FILE_VERSION_CREATE', daysAgoAt(9, '08:00:00'), {
    method: 'POST',
    endpoint: '/api/v1/files/upload',
    requestId: 'req_tree_0001',
    asset: { ...tree, name: 'oak.png', path: '/uploads/oak.png' },
    details: { version: { id: 'ver_6630f8a2', number: 1 } },
    responseBody: { fileId: TREE_ID, versionInfo: { id: 'ver_6630f8a2', name: 'Version 1' } },
  }),
  moved: entry('ml_tree_move', 'FILE_MOVE', daysAgoAt(9, '08:30:00'), {
    method: 'POST',
    endpoint: '/v1/files/move',
    requestId: 'req_tree_0002',
    asset: { ...tree, name: 'oak.png', path: '/forest/oak.png', previousPath: '/uploads/oak.png' },
    requestBody: { sourceFilePath: '/uploads/oak.png', destinationPath: '/forest/' },
  }),
  renamed: entry('ml_tree_rename', 'FILE_RENAME', daysAgoAt(8, '09:00:00'), {
    method: 'PUT',
    endpoint: '/v1/files/rename',
    requestId: 'req_tree_0003',
    asset: { ...tree, path: PATH, previousPath: '/forest/oak.png' },
    requestBody: { filePath: '/forest/oak.png', newFileName: 'tree.png', purgeCache: true },
    responseBody: { purgeRequestId: 'prg_81ac' },
  }),
  tagged: entry('ml_tree_tags', 'FILE_TAGS_ADD', daysAgoAt(8, '09:05:00'), {
    method: 'POST',
    endpoint: '/v1/files/addTags',
    requestId: 'req_tree_0004',
    asset: { ...tree, path: PATH },
    details: { tags: ['tree', 'forest'] },
    requestBody: { fileIds: [TREE_ID], tags: ['tree', 'forest'] },
  }),
  deleted: entry('ml_tree_delete', 'FILE_DELETE', daysAgoAt(5, '16:45:12'), {
    user: raj,
    ip: '198.51.100.23',
    method: 'DELETE',
    endpoint: `/v1/files/${TREE_ID}`,
    requestId: DELETE_REQUEST_ID,
    statusCode: 204,
    asset: { ...tree, path: PATH },
  }),
  // Neighbours: same folder, same day, same user; none of them is tree.png's history.
  leafTagged: entry('ml_leaf_tags', 'FILE_TAGS_ADD', daysAgoAt(8, '09:06:00'), {
    method: 'POST',
    endpoint: '/v1/files/addTags',
    requestId: 'req_leaf_0001',
    asset: { id: LEAF_ID, type: 'file', name: 'leaf.png', path: '/forest/leaf.png' },
    details: { tags: ['leaf'] },
  }),
  leafDeleted: entry('ml_leaf_delete', 'FILE_DELETE', daysAgoAt(5, '16:46:40'), {
    user: raj,
    ip: '198.51.100.23',
    method: 'DELETE',
    endpoint: `/v1/files/${LEAF_ID}`,
    requestId: 'req_leaf_0002',
    statusCode: 204,
    asset: { id: LEAF_ID, type: 'file', name: 'leaf.png', path: '/forest/leaf.png' },
  }),
  folderShared: entry('ml_forest_share', 'FOLDER_SHARE', daysAgoAt(7, '12:00:00'), {
    method: 'POST',
    endpoint: '/api/media-library/share',
    requestId: 'req_forest_0001',
    asset: { id: '6630f8a2e5b1c9a7d4f3b100', type: 'folder', name: 'forest', path: '/forest' },
    details: { sharedWith: [{ type: 'user', id: raj.id, email: raj.email, permission: 'edit' }] },
  }),
  // Another file whose name starts like the path: an exact path filter must not match it.
  treeCopy: entry('ml_tree_copy_delete', 'FILE_DELETE', daysAgoAt(4, '10:00:00'), {
    method: 'DELETE',
    endpoint: '/v1/files/6630f8a2e5b1c9a7d4f3b299',
    requestId: 'req_tree_copy',
    statusCode: 204,
    asset: {
      id: '6630f8a2e5b1c9a7d4f3b299',
      type: 'file',
      name: 'tree.png.bak',
      path: '/forest/tree.png.bak',
    },
  }),
  // "Asset History" for folders and media collections: a folder renamed then shared under its new path,
  // a collection renamed then given an asset.
  woodsCreatedShare: entry('ml_woods_share', 'FOLDER_SHARE', daysAgoAt(12, '10:00:00'), {
    method: 'POST',
    endpoint: '/api/media-library/share',
    requestId: 'req_woods_0001',
    asset: { id: WOODS_ID, type: 'folder', name: 'old-woods', path: '/scenario/old-woods' },
    details: { sharedWith: [{ type: 'user', id: raj.id, email: raj.email, permission: 'view' }] },
  }),
  woodsRenamed: entry('ml_woods_rename', 'FOLDER_RENAME', daysAgoAt(11, '10:00:00'), {
    method: 'POST',
    endpoint: '/v1/folder/rename',
    requestId: 'req_woods_0002',
    asset: {
      id: WOODS_ID,
      type: 'folder',
      name: 'woods',
      path: '/scenario/woods',
      previousPath: '/scenario/old-woods',
      previousName: 'old-woods',
    },
    requestBody: { folderPath: '/scenario/old-woods', newFolderName: 'woods' },
  }),
  woodsMoved: entry('ml_woods_move', 'FOLDER_MOVE', daysAgoAt(10, '10:00:00'), {
    method: 'POST',
    endpoint: '/v1/bulkJobs/moveFolder',
    requestId: 'req_woods_0003',
    asset: {
      id: WOODS_ID,
      type: 'folder',
      name: 'woods',
      path: '/archive/woods',
      previousPath: '/scenario/woods',
    },
  }),
  springRenamed: entry('ml_spring_rename', 'COLLECTION_RENAME', daysAgoAt(6, '10:00:00'), {
    method: 'PATCH',
    endpoint: `/api/media-library/collections/${SPRING_ID}`,
    requestId: 'req_spring_0001',
    asset: { id: SPRING_ID, type: 'collection', name: 'Spring campaign 2026', previousName: 'Spring 2026' },
    requestBody: { name: 'Spring campaign 2026' },
  }),
  springItemAdded: entry('ml_spring_add', 'COLLECTION_ITEMS_ADD', daysAgoAt(6, '10:05:00'), {
    method: 'POST',
    endpoint: `/api/media-library/collections/${SPRING_ID}/items`,
    requestId: 'req_spring_0002',
    asset: { id: LEAF_ID, type: 'file', name: 'leaf.png', path: '/forest/leaf.png' },
    details: { collection: { id: SPRING_ID, name: 'Spring campaign 2026' } },
  }),
} satisfies Record<string, MediaLibraryNative>;

const ml = (n: MediaLibraryNative) => `ml_${n.id}`;

let server: ServerProcess;
let historyBefore: HistoryResponse;

beforeAll(async () => {
  server = await startDemoServer();
  // The demo has a /forest folder: make sure its noise never wrote to this exact path before we do.
  historyBefore = await getJson<HistoryResponse>(
    server,
    `/v1/history?${query({ tenant: TENANT, target_path: PATH })}`,
  );
  await sendNative(server, SOURCE, Object.values(natives));
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('media library: file deletion history by asset path', () => {
  it('starts from a path the demo noise never used', () => {
    expect(historyBefore.data).toEqual([]);
  });

  it('GET /v1/history?target_path= is complete across move and rename, newest first, deletion on top', async () => {
    const history = await getJson<HistoryResponse>(
      server,
      `/v1/history?${query({ tenant: TENANT, target_path: PATH })}`,
    );
    expect(history.asset).toEqual({ target_path: PATH });
    expect(ids(history.data)).toEqual([
      ml(natives.deleted),
      ml(natives.tagged),
      ml(natives.renamed),
      ml(natives.moved),
      ml(natives.versionCreated),
    ]);
    expect(history.next_cursor).toBeNull();
    expect(history.data.map((e) => e.action)).toEqual([
      'file.deleted',
      'file.tags_added',
      'file.renamed',
      'file.moved',
      'file_version.created',
    ]);
    const [deleted, , renamed] = history.data;
    expect(deleted).toMatchObject({
      occurred_at: natives.deleted.createdAt,
      source: SOURCE,
      source_action: 'FILE_DELETE',
      actor: { type: 'user', id: raj.id, email: raj.email },
      targets: [{ type: 'file', id: TREE_ID, path: PATH }],
      outcome: { result: 'success', status_code: 204 },
      client: { ip: '198.51.100.23' },
    });
    expect(renamed).toMatchObject({
      targets: [{ type: 'file', id: TREE_ID, path: PATH, previous_path: '/forest/oak.png' }],
      changes: [{ field: 'path', before: '/forest/oak.png', after: PATH }],
    });
  });

  it('by a former path the history is the same: it follows the file to its deletion under the new name', async () => {
    for (const former of ['/uploads/oak.png', '/forest/oak.png']) {
      const history = await getJson<HistoryResponse>(
        server,
        `/v1/history?${query({ tenant: TENANT, target_path: former })}`,
      );
      expect(ids(history.data), former).toEqual([
        ml(natives.deleted),
        ml(natives.tagged),
        ml(natives.renamed),
        ml(natives.moved),
        ml(natives.versionCreated),
      ]);
    }
  });

  it('the same history by the stable asset id, and a page at a time', async () => {
    const byId = await getJson<HistoryResponse>(
      server,
      `/v1/history?${query({ tenant: TENANT, target_type: 'file', target_id: TREE_ID })}`,
    );
    expect(byId.data).toHaveLength(5);
    const first = await getJson<HistoryResponse>(
      server,
      `/v1/history?${query({ tenant: TENANT, target_path: PATH, limit: '3' })}`,
    );
    expect(ids(first.data)).toEqual([ml(natives.deleted), ml(natives.tagged), ml(natives.renamed)]);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await getJson<HistoryResponse>(
      server,
      `/v1/history?${query({ tenant: TENANT, target_path: PATH, limit: '3', cursor: first.next_cursor ?? '' })}`,
    );
    expect(ids(second.data)).toEqual([ml(natives.moved), ml(natives.versionCreated)]);
    expect(second.next_cursor).toBeNull();
  });

  it('GET /v1/events?action=file.deleted&target_path= answers "when was it deleted, by whom"', async () => {
    const events = await listAll(server, { tenant: TENANT, action: 'file.deleted', target_path: PATH });
    expect(ids(events)).toEqual([ml(natives.deleted)]);
    // Deletions under the folder, combined with a user and a time interval.
    const inFolder = await listAll(server, {
      tenant: TENANT,
      source: SOURCE,
      action: 'file.deleted',
      target_path_prefix: '/forest',
      actor: raj.email,
      from: daysAgoAt(5, '00:00:00'),
      to: daysAgoAt(4, '00:00:00'),
    });
    expect(ids(inFolder)).toEqual([ml(natives.leafDeleted), ml(natives.deleted)]);
  });
});

describe('media library: asset history of folders and media collections', () => {
  it('a folder: by its first path, across rename and move, newest first', async () => {
    const history = await getJson<HistoryResponse>(
      server,
      `/v1/history?${query({ tenant: TENANT, target_path: '/scenario/old-woods' })}`,
    );
    expect(ids(history.data)).toEqual([
      ml(natives.woodsMoved),
      ml(natives.woodsRenamed),
      ml(natives.woodsCreatedShare),
    ]);
    expect(history.data[1]).toMatchObject({
      action: 'folder.renamed',
      changes: [
        { field: 'path', before: '/scenario/old-woods', after: '/scenario/woods' },
        { field: 'name', before: 'old-woods', after: 'woods' },
      ],
    });
    // And by its current path.
    const byNow = await getJson<HistoryResponse>(
      server,
      `/v1/history?${query({ tenant: TENANT, target_path: '/archive/woods' })}`,
    );
    expect(ids(byNow.data)).toEqual(ids(history.data));
  });

  it('a media collection: by its id, with the rename saying what it was called', async () => {
    const history = await getJson<HistoryResponse>(
      server,
      `/v1/history?${query({ tenant: TENANT, target_type: 'collection', target_id: SPRING_ID })}`,
    );
    expect(ids(history.data)).toEqual([ml(natives.springItemAdded), ml(natives.springRenamed)]);
    expect(history.data[1]).toMatchObject({
      action: 'collection.renamed',
      targets: [{ type: 'collection', id: SPRING_ID, name: 'Spring campaign 2026' }],
      changes: [{ field: 'name', before: 'Spring 2026', after: 'Spring campaign 2026' }],
    });
    expect(history.data[0]).toMatchObject({
      action: 'collection.item_added',
      targets: [
        { type: 'collection', id: SPRING_ID, role: 'primary' },
        { type: 'file', id: LEAF_ID, path: '/forest/leaf.png', role: 'affected' },
      ],
    });
  });
});

describe('media library: lookup by request id', () => {
  it('returns exactly the operation with its method and endpoint', async () => {
    const page = await getJson<EventPage>(
      server,
      `/v1/events?${query({ tenant: TENANT, request_id: DELETE_REQUEST_ID })}`,
    );
    expect(page.data).toHaveLength(1);
    expect(page.data[0]).toMatchObject({
      id: ml(natives.deleted),
      action: 'file.deleted',
      request: { id: DELETE_REQUEST_ID, method: 'DELETE', endpoint: `/v1/files/${TREE_ID}`, status: 204 },
    });
  });

  it('keeps the request and response bodies of the operation', async () => {
    const page = await getJson<EventPage>(
      server,
      `/v1/events?${query({ tenant: TENANT, request_id: 'req_tree_0003' })}`,
    );
    expect(ids(page.data)).toEqual([ml(natives.renamed)]);
    expect(page.data[0].request).toEqual({
      id: 'req_tree_0003',
      method: 'PUT',
      endpoint: '/v1/files/rename',
      status: 200,
      request_body: { filePath: '/forest/oak.png', newFileName: 'tree.png', purgeCache: true },
      response_body: { purgeRequestId: 'prg_81ac' },
    });
  });

  it('an unknown request id matches nothing', async () => {
    const page = await getJson<EventPage>(
      server,
      `/v1/events?${query({ tenant: TENANT, request_id: 'req_nope' })}`,
    );
    expect(page).toEqual({ data: [], next_cursor: null });
  });
});
