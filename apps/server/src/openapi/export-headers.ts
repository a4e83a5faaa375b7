import type { Json } from './json.ts';

export const EXPORT_ID_HEADER: Json = {
  description: 'Id of this export (`exp_...`), as in its audit entries.',
  schema: { type: 'string' },
};

export const CONTENT_DISPOSITION: Json = {
  description:
    '`attachment; filename="..."`. The name says what is inside: tenant, the one source/action/workspace if the filters name one, the date range, `-first-<n>-rows` when capped, e.g. `trailmark-acme-file-transfer-2026-04-01_2026-04-14.csv`.',
  schema: { type: 'string' },
};

export const EXPORT_HEADERS: Json = {
  'X-Trailmark-Total-Rows': {
    description: 'Rows matching the filters when the export started (for a download: rows in the file).',
    schema: { type: 'integer', minimum: 0 },
  },
  'X-Trailmark-Row-Limit': {
    description: "The tenant's `max_export_rows`, present only when one applies.",
    schema: { type: 'integer', minimum: 1 },
  },
  'X-Trailmark-Truncated': {
    description: '`true` when the matching rows exceed the row limit and the file stops at it. Always sent.',
    schema: { type: 'string', enum: ['true', 'false'] },
  },
};

/** Content types of the built-in formats; a format plugin may add its own. */
export const EXPORT_CONTENT: Json = {
  'text/csv': { schema: { type: 'string' } },
  'application/x-ndjson': { schema: { type: 'string' } },
  'application/octet-stream': { schema: { type: 'string' } },
};
