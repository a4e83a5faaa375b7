import type { ActionDefinition, RetentionPeriod, SearchableField } from '@trailmark/core';

export const MEDIA_LIBRARY_SOURCE_ID = 'media-library';

export const mediaLibraryInfo = {
  id: MEDIA_LIBRARY_SOURCE_ID,
  name: 'Media library',
  description:
    'Edits of media library assets (files, folders, media collections): sharing, renames, moves, deletes, tags, metadata, public links, versions, collections, extensions and drafts.',
  /** The product page does not say how long these logs are kept; 12 months, like the central audit log. */
  retention: { months: 12 } satisfies RetentionPeriod,
} as const;

type Row = readonly [
  source_action: string,
  action: string,
  label: string,
  category: string,
  ocsf: number,
  activity: number,
];

const CONTENT = 'content';
const SHARING = 'sharing';
const PROCESSING = 'processing';

/**
 * One definition per operation of the product's Operations filter. OCSF: 6006 File Hosting Activity
 * for files and folders, 6001 Web Resources Activity for media collections (not files).
 */
const rows: readonly Row[] = [
  ['FILE_SHARE', 'file.shared', 'File shared', SHARING, 6006, 12],
  ['FOLDER_SHARE', 'folder.shared', 'Folder shared', SHARING, 6006, 12],
  ['COLLECTION_SHARE', 'collection.shared', 'Media collection shared', SHARING, 6001, 8],
  ['FILE_RENAME', 'file.renamed', 'File renamed', CONTENT, 6006, 5],
  ['FOLDER_RENAME', 'folder.renamed', 'Folder renamed', CONTENT, 6006, 5],
  ['COLLECTION_RENAME', 'collection.renamed', 'Media collection renamed', CONTENT, 6001, 3],
  ['FILE_CUSTOM_METADATA_UPDATE', 'file.metadata_updated', 'Custom metadata updated', CONTENT, 6006, 3],
  [
    'FILE_EXTENSION_APPLY',
    'file.extension_applied',
    'Extension applied (e.g. background removal)',
    PROCESSING,
    6006,
    3,
  ],
  ['PUBLIC_LINK_ADD', 'public_link.created', 'Public link added', SHARING, 6006, 12],
  ['PUBLIC_LINK_UPDATE', 'public_link.updated', 'Public link updated', SHARING, 6006, 12],
  ['PUBLIC_LINK_REMOVE', 'public_link.deleted', 'Public link removed', SHARING, 6006, 13],
  ['FILE_MOVE', 'file.moved', 'File moved', CONTENT, 6006, 7],
  ['FOLDER_MOVE', 'folder.moved', 'Folder moved', CONTENT, 6006, 7],
  ['FILE_DELETE', 'file.deleted', 'File deleted', CONTENT, 6006, 4],
  ['FOLDER_DELETE', 'folder.deleted', 'Folder deleted', CONTENT, 6006, 4],
  ['COLLECTION_DELETE', 'collection.deleted', 'Media collection deleted', CONTENT, 6001, 4],
  ['FILE_TAGS_ADD', 'file.tags_added', 'Tags added', CONTENT, 6006, 3],
  ['FILE_TAGS_REMOVE', 'file.tags_removed', 'Tags removed', CONTENT, 6006, 3],
  ['FILE_AUTO_TAGS_ADD', 'file.auto_tags_added', 'Auto-tags added', CONTENT, 6006, 3],
  ['FILE_AUTO_TAGS_REMOVE', 'file.auto_tags_removed', 'Auto-tags removed', CONTENT, 6006, 3],
  ['FILE_VERSION_CREATE', 'file_version.created', 'File version created', CONTENT, 6006, 1],
  ['FILE_VERSION_RESTORE', 'file_version.restored', 'File version restored', CONTENT, 6006, 8],
  ['FILE_VERSION_DELETE', 'file_version.deleted', 'File version deleted', CONTENT, 6006, 4],
  ['COLLECTION_ITEMS_ADD', 'collection.item_added', 'Assets added to media collection', CONTENT, 6001, 3],
  [
    'COLLECTION_ITEMS_REMOVE',
    'collection.item_removed',
    'Assets removed from media collection',
    CONTENT,
    6001,
    3,
  ],
  ['DRAFT_CREATE', 'file.draft_created', 'Draft asset created', CONTENT, 6006, 1],
  ['DRAFT_PUBLISH', 'file.draft_published', 'Draft asset published', CONTENT, 6006, 3],
  ['DRAFT_DISCARD', 'file.draft_discarded', 'Draft asset discarded', CONTENT, 6006, 4],
];

export const mediaLibraryActions: readonly ActionDefinition[] = rows.map(
  ([source_action, action, label, category, ocsf_class_uid, ocsf_activity_id]) => ({
    action,
    source_action,
    label,
    category,
    ocsf_class_uid,
    ocsf_activity_id,
  }),
);

export const MEDIA_LIBRARY_OPERATIONS = [
  'FILE_SHARE',
  'FOLDER_SHARE',
  'COLLECTION_SHARE',
  'FILE_RENAME',
  'FOLDER_RENAME',
  'COLLECTION_RENAME',
  'FILE_CUSTOM_METADATA_UPDATE',
  'FILE_EXTENSION_APPLY',
  'PUBLIC_LINK_ADD',
  'PUBLIC_LINK_UPDATE',
  'PUBLIC_LINK_REMOVE',
  'FILE_MOVE',
  'FOLDER_MOVE',
  'FILE_DELETE',
  'FOLDER_DELETE',
  'COLLECTION_DELETE',
  'FILE_TAGS_ADD',
  'FILE_TAGS_REMOVE',
  'FILE_AUTO_TAGS_ADD',
  'FILE_AUTO_TAGS_REMOVE',
  'FILE_VERSION_CREATE',
  'FILE_VERSION_RESTORE',
  'FILE_VERSION_DELETE',
  'COLLECTION_ITEMS_ADD',
  'COLLECTION_ITEMS_REMOVE',
  'DRAFT_CREATE',
  'DRAFT_PUBLISH',
  'DRAFT_DISCARD',
] as const;
export type MediaLibraryOperation = (typeof MEDIA_LIBRARY_OPERATIONS)[number];

/** The product's own fields users search and count by (metadata keys), declared so both stores index them. */
export const mediaLibraryFields = [
  {
    name: 'extension',
    label: 'Extension',
    type: 'keyword',
    description: 'The add-on that acted on the asset (auto tagging, background removal, ...).',
  },
  { name: 'extension_status', label: 'Extension status', type: 'keyword' },
  { name: 'tag_source', label: 'Tag source', type: 'keyword', description: 'auto or manual.' },
] as const satisfies readonly SearchableField[];
