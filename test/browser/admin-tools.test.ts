import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpReceiver, startHttpReceiver } from '../../apps/server/testing/stream-receivers.ts';
import { api } from '../helpers.ts';
import { type Browser, captureAndScan, SHOTS, signIn, startBrowser, TENANT } from './harness.ts';

/** The search box's autocomplete, the action picker, stream destinations, and evidence in the browser. */

let b: Browser;
let page: Page;
let receiver: HttpReceiver;

beforeAll(async () => {
  // Stream receivers in these tests listen on 127.0.0.1: the operator allows that range explicitly.
  b = await startBrowser({ TRAILMARK_STREAM_ALLOW_PRIVATE: '127.0.0.0/8' });
  page = b.page;
  receiver = await startHttpReceiver();
});

afterAll(async () => {
  await receiver?.close();
  await b?.context.close();
  await b?.server.stop();
});

const box = () => page.getByRole('combobox', { name: 'Search events' });
const options = () => page.getByRole('listbox', { name: 'Suggestions' }).getByRole('option');

describe('search box autocomplete', () => {
  it('completes qualifiers and their values with the keyboard, then searches with the typed q', async () => {
    await signIn(b, `auditor@${TENANT}.test`, '/events');
    await page.locator('.grid-row').first().waitFor();
    await box().focus();
    await page.keyboard.type('res');
    await expect.poll(() => box().getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => options().first().textContent()).toContain('result:');
    // Nothing is highlighted until the arrows pick: Enter on typed text would still search.
    expect(await box().getAttribute('aria-activedescendant')).toBeNull();
    await page.keyboard.press('Tab');
    expect(await box().inputValue()).toBe('result:');
    // The values of result: are offered at once; arrows move the highlight the input points at.
    await expect
      .poll(() => options().allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('denied')]));
    await page.keyboard.type('de');
    await page.keyboard.press('ArrowDown');
    const activeId = await box().getAttribute('aria-activedescendant');
    expect(activeId).toBeTruthy();
    expect(await page.locator(`[id="${activeId}"]`).getAttribute('aria-selected')).toBe('true');
    expect(await page.locator(`[id="${activeId}"]`).textContent()).toContain('denied');
    await page.keyboard.press('Enter');
    expect(await box().inputValue()).toBe('result:denied ');
    await expect.poll(() => box().getAttribute('aria-expanded')).toBe('false');

    // A negated qualifier keeps its minus; a value with spaces comes back quoted; counts come from facets.
    await page.keyboard.type('-work');
    await page.keyboard.press('Tab');
    expect(await box().inputValue()).toBe('result:denied -workspace:');
    await expect.poll(() => options().count()).toBeGreaterThan(0);
    const first = (await options().first().textContent()) ?? '';
    expect(first).toMatch(/\d/);
    await page.screenshot({ path: join(SHOTS, 'search-autocomplete-values.png') });
    await captureAndScan(page, 'search-autocomplete');
    await page.keyboard.press('Escape');
    await expect.poll(() => box().getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const typed = await box().inputValue();
    expect(typed).toMatch(/^result:denied -workspace:\S+ $/);
    // The list is closed: Enter now searches, and the view holds the q typed.
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('q') === typed.trim());
    await page
      .locator('.total')
      .filter({ hasText: /\d+ events?/ })
      .waitFor();
    const workspace = typed.trim().split('-workspace:')[1]!.replace(/^"|"$/g, '');
    const expected = (await (
      await api(
        b.server.url,
        `/v1/count?${new URLSearchParams({
          tenant: TENANT,
          q: typed.trim(),
          from: new Date(Date.now() - 7 * 86_400_000).toISOString(),
        })}`,
      )
    ).json()) as { count: number };
    expect(workspace.length).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('.total').textContent())
      .toContain(expected.count.toLocaleString('en-US'));
  });

  it('points at the offending token before searching, with the parser the API uses', async () => {
    await signIn(b, `auditor@${TENANT}.test`, '/events?range=7d');
    await page.locator('.grid-row').first().waitFor();
    const url = page.url();
    await box().fill('result:denied colour:red');
    await page.keyboard.press('Enter');
    const alert = page.locator('.qbox-problems');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('"colour:red" at position 14: unknown qualifier "colour"');
    expect(await box().getAttribute('aria-invalid')).toBe('true');
    // Nothing was searched: the view is the one before.
    expect(page.url()).toBe(url);
    await page.screenshot({ path: join(SHOTS, 'search-query-error.png') });
    await box().fill('');
    expect(await alert.count()).toBe(0);
  });

  it("suggests actions by a product's own name, and the action picker finds them the same way", async () => {
    await page.goto(`${b.server.url}/events`);
    await page.locator('.grid-row').first().waitFor();
    await box().fill('');
    await box().focus();
    await page.keyboard.type('action:AssetDel');
    await expect.poll(() => options().first().textContent()).toContain('file.deleted');
    await page.keyboard.press('Tab');
    expect(await box().inputValue()).toBe('action:file.deleted ');
    await box().fill('');

    // The picker: a product name (UPLOAD, AssetDeleted) and a normalized name both find the action.
    await page.getByRole('button', { name: 'Action', exact: true }).click();
    const search = page.getByLabel('Search action');
    for (const [typed, action] of [
      ['UPLOAD', 'file.uploaded'],
      ['AssetDeleted', 'file.deleted'],
      ['file.deleted', 'file.deleted'],
    ] as const) {
      await search.fill(typed);
      const listed = page.getByRole('listbox', { name: 'Action' }).locator('.option');
      await expect
        .poll(() => listed.allTextContents())
        .toEqual(expect.arrayContaining([expect.stringContaining(action)]));
    }
    await search.fill('UPLOAD');
    const first = page.getByRole('listbox', { name: 'Action' }).locator('.option').first();
    await expect.poll(() => first.textContent()).toContain('file.uploaded');
    await page.screenshot({ path: join(SHOTS, 'action-picker-product-name.png') });
    await first.locator('input').check();
    await page.waitForURL(/action=file\.uploaded/);
  });
});

describe('stream destinations', () => {
  const row = (name: string) => page.getByRole('row').filter({ hasText: name });

  it('an admin creates a webhook, sees its secret once, tests it, pauses, resumes, replays dead letters, deletes', async () => {
    await signIn(b, `admin@${TENANT}.test`, '/streams');
    await page.getByRole('heading', { name: 'Stream destinations' }).waitFor();
    await page.getByRole('button', { name: 'New destination' }).click();
    const form = page.getByRole('form', { name: 'New destination' });
    await form.getByLabel('Name').fill('SIEM webhook');
    await form.getByLabel('Endpoint URL').fill(`${receiver.url}/hooks/trailmark`);
    await form.getByLabel('Denied').check();
    await form.getByLabel('Failure').check();
    await page.screenshot({ path: join(SHOTS, 'streams-new-destination.png') });
    await form.getByRole('button', { name: 'Create destination' }).click();
    // The signing secret was made in the browser and is shown once; the list only says it is set.
    const secretBox = page.getByLabel('Signing secret of SIEM webhook');
    await secretBox.waitFor();
    const secret = await secretBox.inputValue();
    expect(secret).toMatch(/^whsec_/);
    await row('SIEM webhook').getByText('Active').waitFor();
    await expect.poll(() => row('SIEM webhook').textContent()).toContain('result denied, failure');
    const listed = (await page.evaluate(async () => (await fetch('/v1/streams/destinations')).json())) as {
      data: { name: string; secrets: Record<string, string>; health: { lag_seconds: number } }[];
    };
    const mine = listed.data.find((d) => d.name === 'SIEM webhook')!;
    expect(JSON.stringify(mine.secrets)).not.toContain(secret.slice(6, 30));
    expect(typeof mine.health.lag_seconds).toBe('number');

    // Send test: the receiver gets a message signed with that secret (checked by standardwebhooks).
    await row('SIEM webhook').getByRole('button', { name: 'Send test' }).click();
    await page.getByText('Test event queued for SIEM webhook').waitFor();
    await expect.poll(() => receiver.requests.length, { timeout: 20_000 }).toBeGreaterThan(0);
    const got = receiver.requests[0]!;
    expect(got.path).toBe('/hooks/trailmark');
    expect(() =>
      new Webhook(secret).verify(got.body, {
        'webhook-id': String(got.headers['webhook-id']),
        'webhook-timestamp': String(got.headers['webhook-timestamp']),
        'webhook-signature': String(got.headers['webhook-signature']),
      }),
    ).not.toThrow();
    // Its details list the delivered attempt.
    await row('SIEM webhook').getByRole('button', { name: 'SIEM webhook' }).click();
    await page.waitForURL(/destination=dst_/);
    const attempts = page.getByRole('table', { name: 'Delivery attempts' });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await attempts.getByText('delivered').first().waitFor({ timeout: 20_000 });

    // Pause and resume.
    await row('SIEM webhook').getByRole('button', { name: 'Pause' }).click();
    await row('SIEM webhook').getByText('Paused').waitFor();
    await row('SIEM webhook').getByRole('button', { name: 'Resume' }).click();
    await row('SIEM webhook').getByText('Active').waitFor();
    // Pausing changed nothing else: the filter is the one chosen at creation.
    expect(await row('SIEM webhook').textContent()).toContain('result denied, failure');

    // A receiver that rejects (400) dead-letters the message with its answer; replay sends it again.
    receiver.answer = () => ({ status: 400, body: '{"error":"unknown field"}' });
    const before = receiver.requests.length;
    await row('SIEM webhook').getByRole('button', { name: 'Send test' }).click();
    await expect.poll(() => receiver.requests.length, { timeout: 20_000 }).toBeGreaterThan(before);
    const dead = page.getByRole('table', { name: 'Dead letters' });
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return dead.count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await dead.getByText('400').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'streams-dead-letters.png') });
    await captureAndScan(page, 'streams');
    receiver.answer = () => ({ status: 200, body: 'ok' });
    const beforeReplay = receiver.requests.length;
    await page.getByRole('button', { name: 'Replay dead letters' }).click();
    await page.getByText('1 dead letter queued again').waitFor();
    await expect.poll(() => receiver.requests.length, { timeout: 20_000 }).toBeGreaterThan(beforeReplay);
    // The replay carries the same webhook-id: a receiver can de-duplicate it.
    const replayed = receiver.requests[receiver.requests.length - 1]!;
    expect(replayed.headers['webhook-id']).toBe(receiver.requests[beforeReplay - 1]!.headers['webhook-id']);

    // Replay the last hour: the events the filter matches go through the queue again.
    const range = page.getByRole('form', { name: 'Replay a time range' });
    await range.getByRole('button', { name: 'Replay range' }).click();
    await page.getByText(/^\d[\d,]* events queued again in \d+ messages/).waitFor();

    // Edit: the stored secret is never put back in the form; saving without one keeps it.
    await row('SIEM webhook').getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit SIEM webhook' });
    expect(await edit.getByLabel(/Signing secret/).inputValue()).toBe('');
    await edit.getByLabel('Name').fill('SIEM webhook (EU)');
    // Opting in to checkpoints: each signed checkpoint of the evidence log goes there too.
    await edit.getByLabel(/Also send signed checkpoints/).check();
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await row('SIEM webhook (EU)').waitFor();
    const saved = (await page.evaluate(async () => (await fetch('/v1/streams/destinations')).json())) as {
      data: { name: string; checkpoints: boolean; filter: { result?: string[] } }[];
    };
    expect(saved.data.find((d) => d.name === 'SIEM webhook (EU)')).toMatchObject({
      checkpoints: true,
      filter: { result: ['denied', 'failure'] },
    });

    await row('SIEM webhook (EU)').getByRole('button', { name: 'Delete' }).click();
    await row('SIEM webhook (EU)').getByRole('button', { name: 'Delete SIEM webhook (EU)' }).click();
    await page.getByText('SIEM webhook (EU) deleted.').waitFor();
    // The toast comes first; the list follows when the reload answers.
    await expect.poll(() => row('SIEM webhook (EU)').count()).toBe(0);
  });

  it('an auditor sees destinations and their health but no controls, and the server refuses changes', async () => {
    await api(b.server.url, '/v1/streams/destinations', {
      body: {
        tenant: TENANT,
        name: 'Security Slack',
        kind: 'slack',
        config: { channel: '#security' },
        secrets: { webhook_url: `${receiver.url}/slack` },
      },
    });
    await signIn(b, `auditor@${TENANT}.test`, '/streams');
    await row('Security Slack').waitFor();
    await page.getByText('Your role can view them only.').waitFor();
    expect(await page.getByRole('button', { name: 'New destination' }).count()).toBe(0);
    expect(await row('Security Slack').getByRole('button', { name: 'Delete' }).count()).toBe(0);
    const status = await page.evaluate(
      async () =>
        (
          await fetch('/v1/streams/destinations', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ name: 'x', kind: 'slack', config: {} }),
          })
        ).status,
    );
    expect(status).toBe(403);
    await captureAndScan(page, 'streams-auditor');
  });
});

describe('evidence in the browser', () => {
  const verify = () => page.getByRole('button', { name: 'Verify integrity' });

  it('verifies an event in the drawer against the signed checkpoint, and fails when the event shown was altered', async () => {
    await signIn(b, `auditor@${TENANT}.test`, '/events');
    await page.locator('.grid-row').first().waitFor();
    await page.locator('.grid-row').nth(2).click();
    await page.waitForURL(/\/events\/[^/?]+/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    await verify().click();
    const badge = page.locator('.evidence-ok');
    await badge.getByText('✓ Verified').waitFor();
    await expect.poll(() => badge.textContent()).toMatch(/entry [\d,]+ of [\d,]+ in the log signed/);
    await badge.locator('summary').click();
    await badge.getByText('Audit path').waitFor();
    await captureAndScan(page, 'event-verified');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, 'event-verified-390.png') });
    await page.setViewportSize({ width: 1280, height: 800 });

    // The same event with one field changed on its way to the browser: the leaf no longer matches.
    await page.route(`**/v1/events/${encodeURIComponent(id)}`, async (route) => {
      const res = await route.fetch();
      const event = (await res.json()) as { outcome: { result: string } };
      event.outcome.result = event.outcome.result === 'success' ? 'failure' : 'success';
      await route.fulfill({ response: res, json: event });
    });
    await page.reload();
    await verify().click();
    await page.getByText('Verification failed').waitFor();
    await page.getByText('does not hash to its leaf').waitFor();
    await page.screenshot({ path: join(SHOTS, 'event-verification-failed.png') });
    await page.unroute(`**/v1/events/${encodeURIComponent(id)}`);

    // A proof whose audit path was tampered with does not lead to the signed root.
    await page.route('**/v1/proofs/inclusion?*', async (route) => {
      const res = await route.fetch();
      const proof = (await res.json()) as { proof: string[] };
      proof.proof[0] = Buffer.alloc(32, 7).toString('base64');
      await route.fulfill({ response: res, json: proof });
    });
    await page.reload();
    await verify().click();
    await page.getByText('does not lead to the signed root').waitFor();
    await page.unroute('**/v1/proofs/inclusion?*');
  });

  it('lists signed checkpoints, checks each signature and consistency here, and flags a forged one', async () => {
    await signIn(b, `admin@${TENANT}.test`, '/checkpoints');
    await page.getByRole('heading', { name: 'Signed checkpoints' }).waitFor();
    await page.getByRole('button', { name: 'Sign now' }).click();
    await page.getByText(/Checkpoint \d+ signed over/).waitFor();
    const first = Number(
      (await page.getByText(/Checkpoint \d+ signed over/).textContent())!
        .match(/over ([\d,]+)/)![1]!
        .replace(/,/g, ''),
    );
    const event = {
      tenant: TENANT,
      id: `evt_ckpt_${Date.now()}`,
      source: 'billing-app',
      action: 'invoice.paid',
      occurred_at: new Date().toISOString(),
      actor: { type: 'user', id: 'u-ckpt', name: 'Cora Checkpoint' },
      targets: [{ type: 'invoice', id: 'inv-ckpt' }],
      outcome: { result: 'success' },
    };
    expect((await api(b.server.url, '/v1/events', { body: event })).status).toBe(201);
    await page.getByRole('button', { name: 'Sign now' }).click();
    const table = page.getByRole('table', { name: 'Checkpoints' });
    // The ingested event is in the newest checkpoint's tree.
    const size = async () =>
      Number(
        ((await table.getByRole('row').nth(1).locator('td').nth(1).textContent()) ?? '').replace(/\D/g, ''),
      );
    await expect.poll(size).toBeGreaterThan(first);
    const rows = (await table.getByRole('row').count()) - 1;
    expect(rows).toBeGreaterThanOrEqual(2);
    expect(await table.getByText('✓ Valid').count()).toBe(rows);
    await page.getByRole('button', { name: 'Check consistency' }).click();
    await expect.poll(() => table.getByText('✓ Consistent').count()).toBe(rows - 1);
    expect(await table.getByText('✗').count()).toBe(0);
    await captureAndScan(page, 'checkpoints');

    // A checkpoint whose root was swapped keeps its signature line but no longer verifies.
    await page.route('**/v1/checkpoints?*', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { data: { note: string }[] };
      const lines = body.data[0]!.note.split('\n');
      lines[2] = Buffer.alloc(32, 9).toString('base64');
      body.data[0]!.note = lines.join('\n');
      await route.fulfill({ response: res, json: body });
    });
    await page.reload();
    await table.getByText('✗ bad signature').waitFor();
    await page.unroute('**/v1/checkpoints?*');
  });
});
