import { z } from 'zod';
import { MEDIA_LIBRARY_OPERATIONS } from './plugin.ts';

const assetPath = z.string().startsWith('/');

/** Operations that change a file's or folder's path. */
const MOVES: ReadonlySet<string> = new Set(['FILE_RENAME', 'FILE_MOVE', 'FOLDER_RENAME', 'FOLDER_MOVE']);

const assetSchema = z.object({
  id: z.string().min(1),
  type: z.enum(['file', 'folder', 'collection']),
  name: z.string().min(1),
  /** Absolute path in the media library (`/forest/tree.png`); collections have none. */
  path: assetPath.optional(),
  /** Path before a rename or move. */
  previousPath: assetPath.optional(),
  /** Name before a rename (collections have no path, so this is all a collection rename changes). */
  previousName: z.string().min(1).optional(),
  size: z.number().int().nonnegative().optional(),
  mimeType: z.string().min(1).optional(),
});

/**
 * One entry of the media library audit log as the product's API returns it: the operation, the user,
 * the asset, the HTTP request behind it (request id from the response header, method, endpoint,
 * status) and operation-specific details.
 */
export const mediaLibraryNativeSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/),
    operation: z.enum(MEDIA_LIBRARY_OPERATIONS),
    createdAt: z.iso.datetime({ offset: true }),
    /** Dashboard user; absent when the call was made with a private API key. */
    user: z.object({ id: z.string().min(1), name: z.string().min(1), email: z.email() }).optional(),
    apiKey: z.object({ id: z.string().min(1), name: z.string().min(1).optional() }).optional(),
    /** The `x-request-id` the product sent back in the HTTP response headers. */
    requestId: z.string().min(1).max(128),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    endpoint: z.string().min(1).max(512),
    statusCode: z.number().int().min(100).max(599),
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    userAgent: z.string().min(1).max(1024).optional(),
    asset: assetSchema,
    details: z
      .object({
        tags: z.array(z.string().min(1)).optional(),
        customMetadata: z
          .object({ before: z.record(z.string(), z.unknown()), after: z.record(z.string(), z.unknown()) })
          .optional(),
        extension: z
          .object({ name: z.string().min(1), status: z.enum(['pending', 'completed', 'failed']) })
          .optional(),
        publicLink: z
          .object({
            id: z.string().min(1),
            url: z.url(),
            expiresAt: z.iso.datetime({ offset: true }).optional(),
          })
          .optional(),
        version: z.object({ id: z.string().min(1), number: z.number().int().positive() }).optional(),
        collection: z.object({ id: z.string().min(1), name: z.string().min(1) }).optional(),
        items: z.array(assetSchema).max(20).optional(),
        sharedWith: z
          .array(
            z.object({
              type: z.enum(['user', 'user_group']),
              id: z.string().min(1),
              name: z.string().min(1).optional(),
              email: z.email().optional(),
              permission: z.enum(['view', 'comment', 'edit', 'manage']),
            }),
          )
          .max(20)
          .optional(),
        draft: z.object({ id: z.string().min(1) }).optional(),
      })
      .optional(),
    requestBody: z.unknown().optional(),
    responseBody: z.unknown().optional(),
    error: z
      .object({ code: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/), message: z.string().min(1) })
      .optional(),
  })
  // What the page's filters and the asset history depend on; missing, it is a product change worth a 400.
  .superRefine((n, ctx) => {
    // Every edit is made by someone: a dashboard user or a private API key (the Users filter).
    if (n.user === undefined && n.apiKey === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['user'],
        message: 'required (or apiKey): every edit is made by a user or an API key',
      });
    // Files and folders live at a path (the Asset Path filter); collections do not.
    if (n.asset.type !== 'collection' && n.asset.path === undefined)
      ctx.addIssue({ code: 'custom', path: ['asset', 'path'], message: `required for a ${n.asset.type}` });
    // A rename or move without the old path would cut the asset's history in two.
    if (
      MOVES.has(n.operation) &&
      (n.asset.previousPath === undefined || n.asset.previousPath === n.asset.path)
    )
      ctx.addIssue({
        code: 'custom',
        path: ['asset', 'previousPath'],
        message: `required for ${n.operation}, and different from path`,
      });
  });

export type MediaLibraryNative = z.infer<typeof mediaLibraryNativeSchema>;
export type MediaLibraryAsset = z.infer<typeof assetSchema>;
