/**
 * What the read routes' declarations share: the stored event (the
 * `Event` component, derived from core's zod event schema in openapi/components.ts) and the page
 * parameters (the `Limit` and `Cursor` components).
 */
import { z } from '@hono/zod-openapi';

/** The stored event: a reference to the component openapi/components.ts builds from core's zod event schema. */
export const eventRef = z.unknown().meta({ $ref: '#/components/schemas/Event' });

/** `limit` and `cursor`, read by readFilter; documented by the shared components. */
export const PAGE_PARAMETERS = [
  { $ref: '#/components/parameters/Limit' },
  { $ref: '#/components/parameters/Cursor' },
];
