/** A node of the OpenAPI document. The document is plain JSON, so an open record is the honest type. */
export type Json = Record<string, unknown>;

export const JSON_TYPE = 'application/json';

export function ref(kind: 'schemas' | 'parameters' | 'responses' | 'headers', name: string): Json {
  return { $ref: `#/components/${kind}/${name}` };
}
