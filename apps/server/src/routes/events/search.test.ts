import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from '@opensearch-project/opensearch';
import { createPluginSet, type StoragePort } from '@trailmark/core';
import { createOpenSearchStorage } from '@trailmark/storage-opensearch';
import { dropLayout } from '@trailmark/storage-opensearch/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../testing/index.ts';
import { defaultPlugins } from '../../plugins.ts';
import { openSearchOptions } from '../../storage.ts';

/**
 * The search filters of issue 12 through the real server on a real SQLite file: negation, action
 * prefixes and categories, geo and device, declared fields, user targets and the `q` language, on
 * every route that takes filters, on the embedded store and (with OPENSEARCH_URL) on a real node.
 */
const url = process.env.OPENSEARCH_URL;
const prefix = `tm-search-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const STORES: [string, (() => Promise<StoragePort>) | undefined][] = [['sqlite', undefined]];
if (url)
  STORES.push([
    'opensearch',
    async () => {
      const storage = createOpenSearchStorage(
        openSearchOptions(
          { urls: [url], rejectUnauthorized: true, indexPrefix: prefix, ism: 'auto' },
          createPluginSet(defaultPlugins),
        ),
      );
      await storage.init();
      return storage;
    },
  ]);

for (const [store, makeStorage] of STORES) {
  describe(`search on ${store}`, () => {
    let t: TestApp;

    const at = (h: number) => new Date(Date.UTC(2026, 3, 10, h)).toISOString();
    const base = {
      source: 'file-transfer',
      actor: { type: 'user', id: 'u-ana', name: 'Ana Lima', email: 'ana@acme.test' },
      workspace: { id: 'ws-brand', name: 'Brand Campaign 2026' },
    };
    const EVENTS = [
      {
        ...base,
        id: 'evt_s1',
        action: 'share_link.accessed',
        source_action: 'ACCESS',
        occurred_at: at(1),
        targets: [{ type: 'share_link', id: 'lnk_1' }],
        outcome: { result: 'success' },
        client: {
          ip: '203.0.113.7',
          geo: { country_code: 'DE' },
          device: { kind: 'browser' },
          user_agent: 'Mozilla/5.0 Chrome/124',
        },
        request: { region: 'eu-central-1' },
        metadata: { share_link_id: 'lnk_1' },
      },
      {
        ...base,
        id: 'evt_s2',
        action: 'share_link.unlocked',
        source_action: 'PASSWORD_ATTEMPT',
        occurred_at: at(2),
        targets: [{ type: 'share_link', id: 'lnk_1' }],
        outcome: { result: 'denied', reason: 'invalid_password' },
        client: {
          ip: '45.134.22.9',
          geo: { country_code: 'RU' },
          device: { kind: 'cli' },
          user_agent: 'curl/8.4.0',
        },
        metadata: { share_link_id: 'lnk_1', attempt: 3 },
      },
      {
        ...base,
        id: 'evt_s3',
        action: 'file.deleted',
        source_action: 'DELETE',
        occurred_at: at(3),
        targets: [{ type: 'file', id: 'f-1', path: '/forest/render final.mp4', name: 'render final.mp4' }],
        outcome: { result: 'success' },
        client: { device: { kind: 'sdk' } },
      },
      {
        ...base,
        id: 'evt_s4',
        action: 'member.invited',
        source_action: 'INVITE',
        occurred_at: at(4),
        actor: { type: 'user', id: 'u-bo', email: 'bo@acme.test' },
        targets: [{ type: 'user', id: 'raj@acme.test', name: 'raj@acme.test' }],
        outcome: { result: 'failure' },
      },
    ];

    const ids = async (query: string) => {
      const res = await t.request(`/v1/events?${query}`);
      expect(res.status, `${query}: ${res.status === 200 ? '' : await res.clone().text()}`).toBe(200);
      return ((await res.json()) as { data: { id: string }[] }).data.map((e) => e.id);
    };
    const q = (text: string) => `q=${encodeURIComponent(text)}`;
    const errorOf = async (path: string) => {
      const res = await t.request(path);
      expect(res.status, path).toBe(400);
      return (await res.json()).error as {
        code: string;
        details: { path: string; message: string; token?: string; position?: number }[];
      };
    };

    beforeAll(async () => {
      t = await createTestApp(makeStorage ? { storage: await makeStorage() } : {});
      const res = await t.request('/v1/events', { body: EVENTS.map((e) => ({ ...e, tenant: 'acme' })) });
      expect(res.status).toBe(201);
    });
    afterAll(async () => {
      await t.close();
    });

    describe('new filters on /v1/events', () => {
      it('negates any keyword filter with key!=value', async () => {
        expect(await ids('result!=success')).toEqual(['evt_s4', 'evt_s2']);
        expect(await ids('result!=success&device!=cli')).toEqual(['evt_s4']);
        expect(await ids('target_path_prefix!=/forest&action=file.*')).toEqual([]);
      });

      it('takes action prefixes, source_action, category, geo, device, region and user agent', async () => {
        expect(await ids('action=share_link.*')).toEqual(['evt_s2', 'evt_s1']);
        expect(await ids('action=share_link.*,file.deleted')).toEqual(['evt_s3', 'evt_s2', 'evt_s1']);
        expect(await ids('source_action=PASSWORD_ATTEMPT,DELETE')).toEqual(['evt_s3', 'evt_s2']);
        expect(await ids('category=sharing')).toEqual(['evt_s2', 'evt_s1']);
        expect(await ids('country=ru')).toEqual(['evt_s2']);
        expect(await ids('region=eu-central-1')).toEqual(['evt_s1']);
        expect(await ids('device=sdk,cli')).toEqual(['evt_s3', 'evt_s2']);
        expect(await ids('user_agent=CURL')).toEqual(['evt_s2']);
        expect(
          await ids(`workspace=${encodeURIComponent('Brand Campaign 2026')}&actor=bo@acme.test`),
        ).toEqual(['evt_s4']);
      });

      it('finds affected users by id, email or name', async () => {
        expect(await ids('target_user=RAJ@acme.test')).toEqual(['evt_s4']);
      });

      it('filters declared fields, with ranges, and rejects undeclared ones', async () => {
        expect(await ids('attr.share_link_id=lnk_1')).toEqual(['evt_s2', 'evt_s1']);
        expect(await ids('attr.attempt>=2')).toEqual(['evt_s2']);
        expect(await ids('attr.attempt=4..')).toEqual([]);
        const error = await errorOf('/v1/events?attr.colour=red');
        expect(error.details[0]).toMatchObject({ path: 'attr.colour' });
      });

      it('checks every action against the registry, pointing a product name at source_action', async () => {
        const product = await errorOf('/v1/events?action=share_link.accesed');
        expect(product.details[0].message).toContain('nearest: share_link.accessed');
        const prefix = await errorOf('/v1/count?action=repo.*');
        expect(prefix.details[0].message).toContain('repo.*');
        const own = await errorOf('/v1/histogram?action=UPLOAD');
        expect(own.details[0].message).toContain('source_action=UPLOAD');
      });

      it('rejects a declared field holding another type at ingest, with the field path', async () => {
        const res = await t.request('/v1/events', {
          body: { ...EVENTS[0], id: 'evt_bad', tenant: 'acme', metadata: { share_link_id: 42 } },
        });
        expect(res.status).toBe(400);
        expect((await res.json()).error.details[0]).toMatchObject({ path: 'metadata.share_link_id' });
      });
    });

    describe('the q language on every route', () => {
      const query =
        'actor:ana@acme.test action:share_link.* -result:success workspace:"Brand Campaign 2026" after:2026-04-10 country:RU OR country:DE';

      it('answers /v1/events, /v1/count, /v1/histogram and /v1/facets alike', async () => {
        expect(await ids(q(query))).toEqual(['evt_s2']);
        expect(await (await t.request(`/v1/count?${q(query)}`)).json()).toEqual({ count: 1, exact: true });
        const histogram = await (await t.request(`/v1/histogram?${q(query)}`)).json();
        expect(histogram.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(1);
        const facet = await (
          await t.request(`/v1/facets?field=attr.share_link_id&${q('-device:cli')}`)
        ).json();
        expect(facet.buckets).toEqual([{ value: 'lnk_1', count: 1 }]);
        const countries = await (
          await t.request(`/v1/facets?field=country&${q('action:share_link.*')}`)
        ).json();
        expect(countries.buckets.map((b: { value: string }) => b.value).sort()).toEqual(['DE', 'RU']);
      });

      it('keeps plain words as free text and mixes them with qualifiers', async () => {
        expect(await ids(q('render final'))).toEqual(['evt_s3']);
        expect(await ids(q('"render final" path:/forest/*'))).toEqual(['evt_s3']);
        expect(await ids(q('attr.attempt:>=3 user_agent:curl'))).toEqual(['evt_s2']);
      });

      it('names the offending token and its position', async () => {
        const error = await errorOf(`/v1/events?${q('render actr:ana')}`);
        expect(error.details[0]).toMatchObject({ path: 'q', token: 'actr:ana', position: 7 });
        const action = await errorOf(`/v1/events?${q('ok action:repo.rename')}`);
        expect(action.details[0]).toMatchObject({ path: 'q', token: 'action:repo.rename', position: 3 });
      });

      it('exports what the search shows, streamed and as a job', async () => {
        const res = await t.request(`/v1/export?format=ndjson&${q('-result:success action:share_link.*')}`);
        expect(res.status).toBe(200);
        const rows = (await res.text())
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).id);
        expect(rows).toEqual(['evt_s2']);
        const created = await t.request('/v1/exports', {
          body: { format: 'ndjson', filters: { 'result!': 'success', 'attr.share_link_id': 'lnk_1' } },
        });
        expect(created.status).toBe(202);
        const job = await created.json();
        expect(job.rows_estimate).toBe(1);
        await t.deps.exportJobs.drain();
        const download = await t.request(`/v1/exports/${job.id}/download`);
        expect(
          (await download.text())
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l).id),
        ).toEqual(['evt_s2']);
      });
    });

    describe('the catalog', () => {
      it('lists each source’s declared searchable fields with labels and types', async () => {
        const catalog = await (await t.request('/v1/catalog')).json();
        const transfer = catalog.sources.find((s: { id: string }) => s.id === 'file-transfer');
        expect(transfer.fields).toContainEqual(
          expect.objectContaining({ name: 'share_link_id', label: 'Share link', type: 'keyword' }),
        );
        expect(catalog.query_qualifiers).toEqual(
          expect.arrayContaining([
            { qualifier: 'actor', filter: 'actor' },
            { qualifier: 'path', filter: 'target_path' },
            { qualifier: 'attr.share_link_id', filter: 'attr.share_link_id' },
          ]),
        );
      });
    });

    describe('docs/api.md query language examples', () => {
      it('every example parses against the registered plugins', async () => {
        const markdown = readFileSync(new URL('../../../../../docs/api.md', import.meta.url), 'utf8');
        const section = markdown.slice(
          markdown.indexOf('Examples from the four products'),
          markdown.indexOf('**Errors** are'),
        );
        const examples = [...section.matchAll(/\| `([^`]+)` +\|$/gm)].map((m) => m[1]);
        expect(examples.length).toBeGreaterThanOrEqual(8);
        for (const example of examples) {
          const res = await t.request(`/v1/count?${q(example)}`);
          expect(res.status, `${example}: ${await res.clone().text()}`).toBe(200);
        }
      });
    });
  });
}

afterAll(async () => {
  if (!url) return;
  const admin = new Client({ node: url });
  await dropLayout(admin, prefix);
  await admin.close();
});
