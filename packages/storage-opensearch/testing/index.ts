import type { Client } from '@opensearch-project/opensearch';
import { indexLayout } from '../src/layout.ts';

/**
 * Test helpers for other packages (the server's route and migration tests): the intercepting client for a
 * real node (records requests, injects bulk item faults), and the clean-up of what a test's store created
 * there. Not part of the runtime entry point, so production code cannot reach it by accident.
 */
export {
  type BulkFault,
  errorBody,
  type InterceptedRequest,
  type InterceptedResponse,
  Interceptor,
  type InterceptorOptions,
} from './interceptor.ts';

/**
 * Deletes everything a store with this index prefix created: its event indices (by name: clusters may set
 * action.destructive_requires_name), its evidence log, its template and its ISM policies.
 */
export async function dropLayout(client: Client, prefix: string): Promise<void> {
  const layout = indexLayout(prefix);
  const ignore = { ignore: [404] };
  const listed = await client.transport.request(
    { method: 'GET', path: `/_cat/indices/${layout.pattern}`, querystring: { format: 'json', h: 'index' } },
    ignore,
  );
  const rows: unknown = listed.body;
  for (const row of Array.isArray(rows) ? rows : []) {
    const index = (row as { index?: unknown }).index;
    if (typeof index === 'string')
      await client.transport.request({ method: 'DELETE', path: `/${index}` }, ignore);
  }
  await client.transport.request({ method: 'DELETE', path: `/${layout.log}` }, ignore);
  await client.transport.request({ method: 'DELETE', path: `/_index_template/${layout.template}` }, ignore);
  const policies = await client.transport.request(
    { method: 'GET', path: '/_plugins/_ism/policies', querystring: { queryString: `${prefix}-events-*` } },
    // 400 "no handler found" when the node has no ISM plugin.
    { ignore: [400, 404] },
  );
  const list: unknown = (policies.body as { policies?: unknown } | undefined)?.policies;
  for (const p of Array.isArray(list) ? list : []) {
    const id = (p as { _id?: unknown })._id;
    if (typeof id === 'string' && id.startsWith(`${prefix}-events-`))
      await client.transport.request({ method: 'DELETE', path: `/_plugins/_ism/policies/${id}` }, ignore);
  }
}
