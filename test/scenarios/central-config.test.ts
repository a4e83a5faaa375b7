import type { AuditEvent } from '@trailmark/core';
import type { CentralConfigNative } from '@trailmark/plugin-source-central-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ServerProcess } from '../helpers.ts';
import { daysAgoAt, getJson, ids, listAll, query, sendNative, startDemoServer, TENANT } from './support.ts';

/**
 * The central audit log page: filter by user, type of operation and start/end date, then open one row
 * for its details: the API used, the request payload (secrets masked), the response and the IP.
 */
const SOURCE = 'central-config';

const ana = { id: 'usr_6a1f0c', name: 'Ana Souza', email: 'ana.souza@northwind.com' };
const raj = { id: 'usr_7b2e1d', name: 'Raj Patel', email: 'raj.patel@northwind.com' };
const ua = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 Chrome/124.0 Safari/537.36';
const ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

const natives = {
  storageUpdated: {
    id: 'cal_s3_rotate_0414',
    time: daysAgoAt(4, '14:22:07'),
    user: ana,
    operationType: 'EXTERNAL_STORAGE_UPDATE',
    status: 'SUCCESS',
    api: { name: 'updateOrigin', method: 'PUT', path: '/api/v1/origins/org_s3_1' },
    resource: { id: 'org_s3_1', name: 'Product images (S3)' },
    requestPayload: {
      type: 'S3',
      name: 'Product images (S3)',
      bucket: 'northwind-product-images',
      prefix: 'catalog/2026',
      accessKey: ACCESS_KEY,
      secretKey: SECRET_KEY,
      includeCanonicalHeader: true,
    },
    responseData: { id: 'org_s3_1', type: 'S3', bucket: 'northwind-product-images', prefix: 'catalog/2026' },
    responseStatus: 200,
    ip: '103.21.244.10',
    userAgent: ua,
  },
  // Same user and operation, outside the date range.
  storageUpdatedEarlier: {
    id: 'cal_s3_prefix_0321',
    time: daysAgoAt(25, '09:00:00'),
    user: ana,
    operationType: 'EXTERNAL_STORAGE_UPDATE',
    status: 'SUCCESS',
    api: { name: 'updateOrigin', method: 'PUT', path: '/api/v1/origins/org_s3_1' },
    resource: { id: 'org_s3_1', name: 'Product images (S3)' },
    requestPayload: { prefix: 'catalog' },
    responseData: { id: 'org_s3_1', prefix: 'catalog' },
    responseStatus: 200,
    ip: '103.21.244.10',
  },
  // Same day and operation, another user.
  storageUpdatedByRaj: {
    id: 'cal_gcs_0414',
    time: daysAgoAt(4, '15:01:44'),
    user: raj,
    operationType: 'EXTERNAL_STORAGE_UPDATE',
    status: 'SUCCESS',
    api: { name: 'updateOrigin', method: 'PUT', path: '/api/v1/origins/org_gcs_2' },
    resource: { id: 'org_gcs_2', name: 'Marketing assets (GCS)' },
    requestPayload: { bucket: 'northwind-marketing' },
    responseStatus: 200,
    ip: '198.51.100.23',
  },
  // Same day and user, another operation; it failed and the response says why.
  endpointFailed: {
    id: 'cal_ep_fail_0414',
    time: daysAgoAt(4, '14:30:00'),
    user: ana,
    operationType: 'URL_ENDPOINT_CREATE',
    status: 'FAILED',
    api: { name: 'createUrlEndpoint', method: 'POST', path: '/api/v1/url-endpoints' },
    requestPayload: { urlPrefix: 'catalog/', origins: [] },
    responseData: { message: 'urlPrefix may only contain letters, digits and dashes' },
    responseStatus: 400,
    ip: '103.21.244.10',
  },
  // A delete has no payload and no response data.
  storageDeleted: {
    id: 'cal_az_delete_0414',
    time: daysAgoAt(4, '16:00:00'),
    user: ana,
    operationType: 'EXTERNAL_STORAGE_DELETE',
    status: 'SUCCESS',
    api: { name: 'deleteOrigin', method: 'DELETE', path: '/api/v1/origins/org_az_3' },
    resource: { id: 'org_az_3', name: 'Legacy blobs (Azure)' },
    responseStatus: 204,
    ip: '103.21.244.10',
  },
} satisfies Record<string, CentralConfigNative>;

const cc = (n: CentralConfigNative) => `cc_${n.id}`;

let server: ServerProcess;

beforeAll(async () => {
  server = await startDemoServer();
  await sendNative(server, SOURCE, Object.values(natives));
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('central config: details of one configuration change', () => {
  it('filters by user, type of operation and start/end date to the one change', async () => {
    const events = await listAll(server, {
      tenant: TENANT,
      source: SOURCE,
      actor: ana.email,
      action: 'external_storage.updated',
      from: daysAgoAt(4, '00:00:00'),
      to: daysAgoAt(3, '00:00:00'),
    });
    expect(ids(events)).toEqual([cc(natives.storageUpdated)]);
    // Without the date range the older change shows too; with all operations, the failure and the delete.
    const allTime = await listAll(server, {
      tenant: TENANT,
      actor: ana.id,
      action: 'external_storage.updated',
    });
    expect(ids(allTime)).toEqual([cc(natives.storageUpdated), cc(natives.storageUpdatedEarlier)]);
    const thatDay = await listAll(server, {
      tenant: TENANT,
      source: SOURCE,
      actor: ana.email,
      from: daysAgoAt(4, '00:00:00'),
      to: daysAgoAt(3, '00:00:00'),
    });
    expect(thatDay.map((e) => [e.id, e.action, e.outcome.result])).toEqual([
      [cc(natives.storageDeleted), 'external_storage.deleted', 'success'],
      [cc(natives.endpointFailed), 'url_endpoint.created', 'failure'],
      [cc(natives.storageUpdated), 'external_storage.updated', 'success'],
    ]);
  });

  it('GET /v1/events/{id}: API, request payload with secrets masked, response and IP', async () => {
    const event = await getJson<AuditEvent>(server, `/v1/events/${cc(natives.storageUpdated)}`);
    expect(event).toMatchObject({
      id: cc(natives.storageUpdated),
      tenant: TENANT,
      source: SOURCE,
      action: 'external_storage.updated',
      source_action: 'EXTERNAL_STORAGE_UPDATE',
      occurred_at: natives.storageUpdated.time,
      actor: { type: 'user', id: ana.id, name: ana.name, email: ana.email },
      targets: [{ type: 'external_storage', id: 'org_s3_1', name: 'Product images (S3)' }],
      outcome: { result: 'success', status_code: 200 },
      client: { ip: '103.21.244.10', user_agent: ua },
    });
    expect(event.request).toEqual({
      api_operation: 'updateOrigin',
      method: 'PUT',
      endpoint: '/api/v1/origins/org_s3_1',
      status: 200,
      request_body: {
        type: 'S3',
        name: 'Product images (S3)',
        bucket: 'northwind-product-images',
        prefix: 'catalog/2026',
        accessKey: '[REDACTED]',
        secretKey: '[REDACTED]',
        includeCanonicalHeader: true,
      },
      response_body: {
        id: 'org_s3_1',
        type: 'S3',
        bucket: 'northwind-product-images',
        prefix: 'catalog/2026',
      },
      redacted_paths: ['/request_body/accessKey', '/request_body/secretKey'],
    });
    // The secrets are nowhere in what the API returns.
    const raw = await (await api(server.url, `/v1/events/${cc(natives.storageUpdated)}`)).text();
    expect(raw).not.toContain(ACCESS_KEY);
    expect(raw).not.toContain(SECRET_KEY);
  });

  it('a failed change shows the response message; a delete has no bodies', async () => {
    const failed = await getJson<AuditEvent>(server, `/v1/events/${cc(natives.endpointFailed)}`);
    expect(failed).toMatchObject({
      outcome: {
        result: 'failure',
        status_code: 400,
        message: 'urlPrefix may only contain letters, digits and dashes',
      },
      request: {
        api_operation: 'createUrlEndpoint',
        method: 'POST',
        endpoint: '/api/v1/url-endpoints',
        request_body: { urlPrefix: 'catalog/', origins: [] },
        response_body: { message: 'urlPrefix may only contain letters, digits and dashes' },
      },
    });
    const deleted = await getJson<AuditEvent>(server, `/v1/events/${cc(natives.storageDeleted)}`);
    expect(deleted.request).toEqual({
      api_operation: 'deleteOrigin',
      method: 'DELETE',
      endpoint: '/api/v1/origins/org_az_3',
      status: 204,
    });
  });

  it('the id lookup is tenant-scoped when a tenant is named', async () => {
    const other = await api(
      server.url,
      `/v1/events/${cc(natives.storageUpdated)}?${query({ tenant: 'globex' })}`,
    );
    expect(other.status).toBe(404);
  });
});
