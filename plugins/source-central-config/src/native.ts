import { z } from 'zod';
import { CENTRAL_CONFIG_OPERATIONS } from './plugin.ts';

/**
 * One row of the central audit log with its details panel: user, time, type of operation, status,
 * the API used, its request payload, the response data (if any) and the IP that initiated it.
 */
export const centralConfigNativeSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/),
  time: z.iso.datetime({ offset: true }),
  user: z.object({ id: z.string().min(1), name: z.string().min(1), email: z.email() }),
  operationType: z.enum(CENTRAL_CONFIG_OPERATIONS),
  status: z.enum(['SUCCESS', 'FAILED']),
  api: z.object({
    name: z.string().min(1).max(256),
    method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']),
    path: z.string().startsWith('/').max(512),
  }),
  /** The object the operation wrote, when the product names it. */
  resource: z.object({ id: z.string().min(1).optional(), name: z.string().min(1).optional() }).optional(),
  requestPayload: z.unknown().optional(),
  responseData: z.unknown().optional(),
  responseStatus: z.number().int().min(100).max(599).optional(),
  ip: z.union([z.ipv4(), z.ipv6()]),
  userAgent: z.string().min(1).max(1024).optional(),
});

export type CentralConfigNative = z.infer<typeof centralConfigNativeSchema>;
