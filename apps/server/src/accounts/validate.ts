import { ValidationError } from '@trailmark/core';
import type { z } from 'zod';

/** zod result -> the usual 400 with one detail per problem and its field path. */
export function parseWith<T extends z.ZodType>(schema: T, body: unknown, message: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ValidationError(
      message,
      parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })),
    );
  }
  return parsed.data;
}
