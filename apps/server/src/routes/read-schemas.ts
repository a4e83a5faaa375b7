/** What the read routes' declarations share. */

export const json = <T>(description: string, schema: T, example?: unknown) => ({
  description,
  content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } },
});
