import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type AnySourcePlugin,
  type AuditEvent,
  createPluginSet,
  FILTER_PARAMS,
  type MappedEvent,
  prepareEvents,
} from '@trailmark/core';
import {
  CENTRAL_CONFIG_OPERATION_KINDS,
  type CentralConfigNative,
  centralConfigFixtures,
  centralConfigSource,
} from '@trailmark/plugin-source-central-config';
import {
  BLOCK_REASONS,
  type FileTransferNative,
  fileTransferFixtures,
  fileTransferNativeSchema,
  fileTransferSource,
} from '@trailmark/plugin-source-file-transfer';
import {
  generationBillingFixtures,
  generationBillingSource,
} from '@trailmark/plugin-source-generation-billing';
import { mediaLibraryFixtures, mediaLibrarySource } from '@trailmark/plugin-source-media-library';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.ts';

/**
 * The product pages Trailmark was specified from (`../shared/seeds/`), read as requirements: the action
 * and field lists below are parsed from the pages' own text, so a page that gains a row, an operation or
 * a field fails this test until a plugin covers it. What is written by hand here is only the meaning of
 * a phrase (which operations "Sharing assets" stands for), keyed by the phrase itself: a phrase the page
 * has and this file does not know fails as well.
 */
// shared/ sits beside the repository checkout; /work/shared is this workplace's copy (as for the OpenSearch spec).
const SEEDS =
  process.env.TRAILMARK_SEED_PAGES ??
  [resolve(ROOT, '../shared/seeds'), '/work/shared/seeds'].find((dir) => existsSync(dir)) ??
  resolve(ROOT, '../shared/seeds');

function page(prefix: string): string {
  // The pages are required: a missing copy must fail loudly, never skip.
  if (!existsSync(SEEDS)) throw new Error(`seed pages not found at ${SEEDS} (set TRAILMARK_SEED_PAGES)`);
  const file = readdirSync(SEEDS).find((f) => f.startsWith(`${prefix}_`));
  if (!file) throw new Error(`no seed page ${prefix}_* in ${SEEDS}`);
  return readFileSync(join(SEEDS, file), 'utf8');
}

/** The lines strictly between the first line containing `start` and the next line containing `end`. */
function between(text: string, start: string, end: string): string[] {
  const lines = text.split(/\r?\n/);
  const from = lines.findIndex((l) => l.includes(start));
  if (from < 0) throw new Error(`page has no line containing "${start}"`);
  const to = lines.findIndex((l, i) => i > from && l.includes(end));
  if (to < 0) throw new Error(`page has no line containing "${end}" after "${start}"`);
  return lines.slice(from + 1, to);
}

/** Bullet items (`•`, `-`, `*`), markdown links reduced to their text, trailing period dropped. */
function bullets(lines: readonly string[]): string[] {
  return lines
    .map((l) => l.match(/^\s*(?:•|-|\*)\s+(.*)$/)?.[1])
    .filter((b): b is string => b !== undefined)
    .map((b) =>
      b
        .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
        .replace(/\s+/g, ' ')
        .replace(/\.$/, '')
        .trim(),
    );
}

/** "a, b, and c" -> [a, b, c]. */
function phrases(sentence: string): string[] {
  return sentence
    .replace(/\.$/, '')
    .split(/,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+/)
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Wording-insensitive key: the two forms of a page differ in commas and case ("Restoring, or" / "Restoring or"). */
function key(phrase: string): string {
  return phrase
    .toLowerCase()
    .replace(/[^a-z0-9&]+/g, ' ')
    .trim();
}

function mapAll(plugin: AnySourcePlugin, natives: readonly unknown[]): MappedEvent[] {
  const { nativeSchema, map } = plugin;
  if (!nativeSchema || !map) throw new Error(`${plugin.id} has no nativeSchema or map`);
  return natives.flatMap((raw) => {
    const out = (map as (n: unknown) => MappedEvent | MappedEvent[])(nativeSchema.parse(raw));
    return Array.isArray(out) ? out : [out];
  });
}

/** Fixtures plus a demo sample, stored as ingest would store them: the events the checks run on. */
function storedEvents(plugin: AnySourcePlugin, fixtures: Readonly<Record<string, unknown>>, demo = 3000) {
  const now = new Date('2026-04-14T12:00:00Z');
  const natives: unknown[] = [...Object.values(fixtures)];
  if (plugin.demo) {
    for (const r of plugin.demo({ seed: 11, count: demo, now, days: 100, tenants: ['a', 'b', 'c'] }))
      natives.push(r.native);
  }
  const { registry } = createPluginSet([plugin]);
  const events = prepareEvents(mapAll(plugin, natives), { tenant: 'a' }, registry, new Date('2099-01-01'));
  return { natives, events };
}

function sourceActions(plugin: AnySourcePlugin): string[] {
  return plugin.actions.map((a) => a.source_action ?? a.action);
}

// -------------------------------------------------------------------------------------------------
// Page 003: the generative-AI platform's Action filter, every table row.
// -------------------------------------------------------------------------------------------------
describe('page 003 (generation and billing): every action of the Action filter', () => {
  const text = page('003');
  const section = between(text, 'Available actions include:', 'Filtering by Actor');
  /** The page's group headings, in snake_case: "Organization-level events" -> organization. */
  const category = (heading: string) =>
    heading
      .replace(/\s+events$/i, '')
      .replace(/-level$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_');
  const rows: { name: string; description?: string; category: string }[] = [];
  let group: string | undefined;
  for (const line of section) {
    const row = line.match(/^\|\s*([A-Za-z]+)\s*\|\s*(.+?)\s*\|\s*$/);
    if (row) {
      if (!group) throw new Error(`table row before any group heading: ${line}`);
      rows.push({ name: row[1] as string, description: row[2] as string, category: group });
    } else if (/^[A-Z][A-Za-z -]+ events$/.test(line.trim())) {
      group = category(line.trim());
    } else if (group) {
      // Prose inside a group names actions too: "generation events are limited to GenerationCreated".
      for (const name of line.match(/\b[A-Z][a-z]+(?:[A-Z][A-Za-z]*)+\b/g) ?? [])
        rows.push({ name, category: group });
    }
  }
  const registry = new Map(generationBillingSource.actions.map((a) => [a.source_action, a]));

  it('parses the five groups and every row of the page', () => {
    expect([...new Set(rows.map((r) => r.category))]).toEqual([
      'account_and_permission',
      'asset',
      'generation',
      'billing',
      'organization',
    ]);
    expect(rows.filter((r) => r.description !== undefined).length).toBeGreaterThanOrEqual(50);
    expect(rows.map((r) => r.name)).toContain('GenerationCreated');
  });

  it.each(rows.map((r) => [r.name, r] as const))('declares %s', (_name, row) => {
    const def = registry.get(row.name);
    expect(def, `${row.name} is on the page but not in the registry`).toBeDefined();
    expect(def?.category).toBe(row.category);
    // The page's description is the label, verbatim.
    if (row.description !== undefined) expect(def?.label).toBe(row.description);
  });

  it('declares nothing the page does not list', () => {
    expect(sourceActions(generationBillingSource).sort()).toEqual(rows.map((r) => r.name).sort());
  });

  it('every event has the columns of the table: Timestamp, Action, Actor, Workspace and Details', () => {
    const columns = phrases(text.match(/columns for (.+?)\. Each row/)?.[1] ?? '');
    const { events } = storedEvents(generationBillingSource, generationBillingFixtures);
    const definitions = new Map(generationBillingSource.actions.map((a) => [a.action, a]));
    const CHECKS: Record<string, (e: AuditEvent) => void> = {
      Timestamp: (e) => expect(e.occurred_at).toMatch(/Z$/),
      Action: (e) => expect(definitions.get(e.action)?.source_action).toBe(e.source_action),
      // "Search by name or email": people have both; system jobs and the identity provider have a name.
      Actor: (e) => {
        expect(e.actor.name, e.id).toBeTruthy();
        if (e.actor.type === 'user') expect(e.actor.email, e.id).toBeTruthy();
      },
      // Asset and generation events happen inside a workspace; account and billing events may not.
      Workspace: (e) => {
        if (['asset', 'generation'].includes(e.category ?? ''))
          expect(e.workspace, e.id).toMatchObject({ id: expect.any(String), name: expect.any(String) });
      },
      Details: (e) =>
        expect(
          Boolean(e.metadata?.summary) || (e.changes?.length ?? 0) > 0 || e.targets.length > 0,
          e.id,
        ).toBe(true),
    };
    expect(columns).toEqual(Object.keys(CHECKS));
    for (const e of events) for (const c of columns) CHECKS[c]?.(e);
    // The demo writes the Details text the product shows.
    expect(events.filter((e) => e.metadata?.summary).length).toBeGreaterThan(2900);
  });

  it('every filter of the page is an API filter', () => {
    const filters = [...text.matchAll(/^Filtering by (\w+)/gm)].map((m) => m[1] as string);
    const PARAM: Record<string, string[]> = {
      Action: ['action'],
      Actor: ['actor'],
      Workspace: ['workspace'],
      date: ['from', 'to'],
    };
    expect(filters).toEqual(Object.keys(PARAM));
    for (const f of filters) for (const p of PARAM[f] ?? []) expect(FILTER_PARAMS).toContain(p);
  });
});

// -------------------------------------------------------------------------------------------------
// Pages 000 and 002: the media library's feature list and filters.
// -------------------------------------------------------------------------------------------------
describe('pages 000/002 (media library): every feature the audit log is saved for', () => {
  const texts = [page('000'), page('002')];
  const features = texts.map((t) =>
    bullets(between(t, 'Audit logs will be saved for these features', 'Audit logs page')),
  );
  /** What each feature of the page stands for in the product's operations. */
  const OPERATIONS: Record<string, string[]> = {
    'Sharing assets': ['FILE_SHARE', 'FOLDER_SHARE', 'COLLECTION_SHARE'],
    'Renaming assets': ['FILE_RENAME', 'FOLDER_RENAME', 'COLLECTION_RENAME'],
    'Updating custom metadata for assets': ['FILE_CUSTOM_METADATA_UPDATE'],
    'Using extensions like background removal': ['FILE_EXTENSION_APPLY'],
    'Adding, updating or removing public links for assets': [
      'PUBLIC_LINK_ADD',
      'PUBLIC_LINK_UPDATE',
      'PUBLIC_LINK_REMOVE',
    ],
    'Moving assets': ['FILE_MOVE', 'FOLDER_MOVE'],
    'Deleting assets': ['FILE_DELETE', 'FOLDER_DELETE', 'COLLECTION_DELETE'],
    'Adding & removing tags or auto-tags for a file': [
      'FILE_TAGS_ADD',
      'FILE_TAGS_REMOVE',
      'FILE_AUTO_TAGS_ADD',
      'FILE_AUTO_TAGS_REMOVE',
    ],
    'Creating, Restoring or Deleting a file version': [
      'FILE_VERSION_CREATE',
      'FILE_VERSION_RESTORE',
      'FILE_VERSION_DELETE',
    ],
    'Adding or removing assets from a media collection': ['COLLECTION_ITEMS_ADD', 'COLLECTION_ITEMS_REMOVE'],
    'Using draft assets': ['DRAFT_CREATE', 'DRAFT_PUBLISH', 'DRAFT_DISCARD'],
  };

  const known = new Map(Object.entries(OPERATIONS).map(([feature, ops]) => [key(feature), ops]));

  it('both forms of the page list the same features', () => {
    expect(features[0]).toHaveLength(11);
    expect(features[1]?.map(key)).toEqual(features[0]?.map(key));
  });

  it.each((features[0] ?? []).map((f) => [f]))('covers "%s"', (feature) => {
    const ops = known.get(key(feature));
    expect(ops, `no operations known for the page's feature "${feature}"`).toBeDefined();
    for (const op of ops ?? []) expect(sourceActions(mediaLibrarySource)).toContain(op);
  });

  it('declares nothing the page does not cover', () => {
    expect(sourceActions(mediaLibrarySource).sort()).toEqual(Object.values(OPERATIONS).flat().sort());
  });

  it('every filter of the page is an API filter', () => {
    for (const t of texts) {
      const filters = bullets(between(t, 'filter these logs based on', 'View File Deletion History')).map(
        (b) => b.replace(/\s*\(.*$/, ''),
      );
      const PARAM: Record<string, string[]> = {
        Operations: ['action'],
        Users: ['actor'],
        'Asset Path': ['target_path'],
        'Request ID': ['request_id'],
        'Time Interval': ['from', 'to'],
      };
      expect(filters).toEqual(Object.keys(PARAM));
      for (const f of filters) for (const p of PARAM[f] ?? []) expect(FILTER_PARAMS).toContain(p);
    }
  });

  it('every event carries the request ID, method and endpoint, and the asset path when the asset has one', () => {
    const { events } = storedEvents(mediaLibrarySource, mediaLibraryFixtures);
    for (const e of events) {
      expect(e.request?.id, e.id).toBeTruthy();
      expect(e.request?.method, e.id).toMatch(/^[A-Z]+$/);
      expect(e.request?.endpoint, e.id).toMatch(/^\//);
      const asset = e.targets.find((t) => ['file', 'folder'].includes(t.type));
      if (asset) expect(asset.path, e.id).toMatch(/^\//);
      // Renames and moves keep what the asset was called before, so its history stays complete.
      if (asset && (e.action.endsWith('.renamed') || e.action.endsWith('.moved'))) {
        expect(asset.previous_path, `${e.id} has no previous path`).toEqual(expect.stringMatching(/^\//));
        expect(asset.previous_path).not.toBe(asset.path);
      }
      if (e.action === 'collection.renamed')
        expect(e.changes, `${e.id} does not say what the collection was called`).toEqual([
          { field: 'name', before: expect.any(String), after: e.targets[0]?.name },
        ]);
    }
  });
});

// -------------------------------------------------------------------------------------------------
// Page 001: central audit logs, the areas with their writes, the row and its details, retention.
// -------------------------------------------------------------------------------------------------
describe('page 001 (central config): every write of every area, and every field of a row', () => {
  const text = page('001');
  const areas = bullets(between(text, 'create, update, and delete', 'This covers'));
  const writes = phrases(text.match(/write activities, i\.e\., ([^-]+?)\s*-/)?.[1] ?? '');

  it('parses the areas and the kinds of write', () => {
    expect(areas).toHaveLength(8);
    expect(writes).toEqual(['create', 'update', 'delete']);
    expect([...new Set([...CENTRAL_CONFIG_OPERATION_KINDS.values()].map((k) => k.area))].sort()).toEqual(
      [...areas].sort(),
    );
  });

  it.each(areas.map((a) => [a]))('logs every kind of write in "%s"', (area) => {
    const kinds = [...CENTRAL_CONFIG_OPERATION_KINDS.entries()].filter(([, k]) => k.area === area);
    // A purge is one operation (it deletes cached copies): there is nothing to create or update.
    const expected = area === 'Purge cache' ? ['delete'] : writes;
    expect([...new Set(kinds.map(([, k]) => k.write))].sort()).toEqual([...expected].sort());
    for (const [op] of kinds) expect(sourceActions(centralConfigSource)).toContain(op);
  });

  it('keeps the retention the page states', () => {
    const months = Number(text.match(/store audit logs for (\d+) months/)?.[1]);
    expect(months).toBe(12);
    expect(centralConfigSource.retention).toEqual({ months });
  });

  it('every event has the row fields and the details panel fields', () => {
    const row = phrases(text.match(/information such as (.+?) will be displayed/)?.[1] ?? '');
    const details = phrases(text.match(/additional details about the event, including (.+?)\./)?.[1] ?? '');
    type Check = (e: AuditEvent, n: CentralConfigNative) => void;
    const CHECKS: Record<string, Check> = {
      user: (e) => expect(e.actor).toMatchObject({ type: 'user', email: expect.any(String) }),
      time: (e, n) => expect(Date.parse(e.occurred_at)).toBe(Date.parse(n.time)),
      'type of operation': (e, n) => expect(e.source_action).toBe(n.operationType),
      status: (e) => expect(['success', 'failure', 'denied', 'error']).toContain(e.outcome.result),
      'the API used': (e) => {
        expect(e.request?.method).toMatch(/^(POST|PUT|PATCH|DELETE)$/);
        expect(e.request?.endpoint).toMatch(/^\//);
      },
      'the request payload for that API': (e, n) =>
        expect(e.request?.request_body !== undefined).toBe(n.requestPayload !== undefined),
      'the response data received (if any)': (e, n) =>
        expect(e.request?.response_body !== undefined).toBe(n.responseData !== undefined),
      'the time of operation': (e, n) => expect(Date.parse(e.occurred_at)).toBe(Date.parse(n.time)),
      'the IP address that initiated this operation': (e, n) => expect(e.client?.ip).toBe(n.ip),
    };
    expect([...row, ...details].sort()).toEqual(Object.keys(CHECKS).sort());
    const { natives, events } = storedEvents(centralConfigSource, centralConfigFixtures);
    expect(events).toHaveLength(natives.length);
    for (const [i, e] of events.entries())
      for (const field of [...row, ...details]) CHECKS[field]?.(e, natives[i] as CentralConfigNative);
  });

  it('masks secrets and records which paths were masked', () => {
    const { events } = storedEvents(centralConfigSource, centralConfigFixtures);
    const redacted = events.filter((e) => (e.request?.redacted_paths?.length ?? 0) > 0);
    // Origins with storage credentials, API keys, webhooks and payment methods all carry secrets.
    expect(redacted.length).toBeGreaterThan(events.length / 20);
    for (const e of redacted) {
      for (const pointer of e.request?.redacted_paths ?? []) {
        const [, body, ...rest] = pointer.split('/');
        let node: unknown = e.request?.[body as 'request_body' | 'response_body'];
        for (const key of rest)
          node = (node as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')];
        expect(node, `${e.id} ${pointer}`).toBe('[REDACTED]');
      }
    }
    // And nothing that looks like a credential survived anywhere in the bodies.
    const SECRET_VALUES = [
      /^AKIA[A-Z0-9]{12,}/,
      /^whsec_/,
      /^private_/,
      /sig=/,
      /PRIVATE KEY/,
      /^\d{13,19}$/,
    ];
    const strings = (node: unknown): string[] =>
      typeof node === 'string'
        ? [node]
        : Array.isArray(node)
          ? node.flatMap(strings)
          : node && typeof node === 'object'
            ? Object.values(node).flatMap(strings)
            : [];
    for (const e of events)
      for (const value of strings([e.request?.request_body, e.request?.response_body]))
        for (const pattern of SECRET_VALUES) expect(value, `${e.id} leaks ${pattern}`).not.toMatch(pattern);
  });
});

// -------------------------------------------------------------------------------------------------
// Page 004: the file-transfer service's events, the fields of every entry, retention.
// -------------------------------------------------------------------------------------------------
describe('page 004 (file transfer): every event family and every field of every entry', () => {
  const text = page('004');
  const { natives, events } = storedEvents(fileTransferSource, fileTransferFixtures);
  const native = (i: number) => fileTransferNativeSchema.parse(natives[i]);

  it('declares every action the preview shows', () => {
    const preview = between(text, 'What your audit log looks like', 'Every action is tracked')
      .map((l) => l.match(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+([A-Z]+)\s/)?.[1])
      .filter((a): a is string => a !== undefined);
    expect(preview).toHaveLength(8);
    for (const a of preview) expect(sourceActions(fileTransferSource)).toContain(a);
  });

  /** What each phrase of the "Every action is tracked" cards means, checked on the events of its card. */
  type PhraseCheck = (family: readonly AuditEvent[]) => void;
  const has =
    (action: string): PhraseCheck =>
    (family) =>
      expect(
        family.some((e) => e.action === action && e.source_action !== 'BLOCKED'),
        action,
      ).toBe(true);
  const every =
    (check: (e: AuditEvent) => void): PhraseCheck =>
    (family) => {
      expect(family.length).toBeGreaterThan(0);
      for (const e of family) check(e);
    };
  const file = (e: AuditEvent) => e.targets.find((t) => t.type === 'file');
  const byUser = every((e) => expect(e.actor.email ?? e.actor.credential?.id, e.id).toBeTruthy());
  const blockedFor =
    (reason: string): PhraseCheck =>
    (family) => {
      expect(BLOCK_REASONS).toContain(reason);
      expect(
        family.some((e) => e.outcome.result === 'denied' && e.outcome.reason === reason),
        reason,
      ).toBe(true);
    };
  const FAMILIES: Record<
    string,
    { events: (e: AuditEvent) => boolean; phrases: Record<string, PhraseCheck> }
  > = {
    'File Uploads': {
      events: (e) => e.source_action === 'UPLOAD',
      phrases: {
        'Who uploaded': byUser,
        'file name': every((e) => expect(file(e)?.name, e.id).toBeTruthy()),
        size: every((e) => expect(file(e)?.size_bytes, e.id).toBeGreaterThanOrEqual(0)),
        'which region it was stored in': every((e) => expect(file(e)?.region, e.id).toBeTruthy()),
      },
    },
    'File Downloads': {
      events: (e) => e.source_action === 'DOWNLOAD',
      phrases: {
        'Who downloaded': every((e) =>
          expect(e.actor.email ?? e.actor.credential?.id ?? e.actor.type, e.id).toBeTruthy(),
        ),
        'from which IP': every((e) => expect(e.client?.ip, e.id).toBeTruthy()),
        'which region they connected to': every((e) => expect(e.request?.region, e.id).toBeTruthy()),
      },
    },
    'Share Links': {
      events: (e) => e.targets.some((t) => t.type === 'share_link'),
      phrases: {
        'Link creation': has('share_link.created'),
        'who accessed it': (family) => {
          has('share_link.accessed')(family);
          for (const e of family.filter((x) => x.action === 'share_link.accessed'))
            expect(e.client?.ip, e.id).toBeTruthy();
        },
        'password attempts': has('share_link.unlocked'),
        'expiration events': has('share_link.expired'),
      },
    },
    Deletions: {
      events: (e) => e.source_action === 'DELETE',
      phrases: {
        'Who deleted which file': every((e) => {
          expect(e.actor.email ?? e.actor.credential?.id, e.id).toBeTruthy();
          expect(file(e)?.id, e.id).toBeTruthy();
        }),
        when: every((e) => expect(e.occurred_at).toMatch(/Z$/)),
        'from which device': every((e) => expect(e.client?.device?.kind, e.id).toBeTruthy()),
      },
    },
    'Member Changes': {
      events: (e) => e.action.startsWith('member.') || e.action === 'permission.updated',
      phrases: {
        Invites: has('member.invited'),
        removals: has('member.removed'),
        'role changes': has('member.role_changed'),
        'permission updates': has('permission.updated'),
      },
    },
    'Blocked Access': {
      events: (e) => e.source_action === 'BLOCKED',
      phrases: {
        'Failed permission checks': blockedFor('permission_denied'),
        'blocked IPs': blockedFor('ip_blocked'),
        'denied domain access': blockedFor('domain_not_allowed'),
        'expired links': blockedFor('link_expired'),
      },
    },
  };
  const cards: [string, string[]][] = [];
  {
    const lines = between(text, 'Every action is tracked', 'What each log entry contains')
      .map((l) => l.trim())
      .filter(Boolean);
    for (let i = 0; i + 1 < lines.length; i += 2)
      cards.push([lines[i] as string, phrases(lines[i + 1] as string)]);
  }

  it('parses the six cards of the page', () => {
    expect(cards.map(([title]) => title)).toEqual(Object.keys(FAMILIES));
  });

  it.each(cards)('"%s": every phrase holds on the events of the card', (title, cardPhrases) => {
    const family = FAMILIES[title];
    expect(family, `no meaning known for the card "${title}"`).toBeDefined();
    if (!family) return;
    expect(cardPhrases).toEqual(Object.keys(family.phrases));
    const selected = events.filter(family.events);
    for (const phrase of cardPhrases) family.phrases[phrase]?.(selected);
  });

  it('every entry has every field of "What each log entry contains"', () => {
    const lines = between(text, 'What each log entry contains', 'Scenarios')
      .map((l) => l.trim())
      .filter(Boolean);
    const list = (line: string) => phrases(line.replace(/^\S+\s+/, '')).map((v) => v.toLowerCase());
    type Check = (e: AuditEvent, n: FileTransferNative, line: string) => void;
    const FILE_ACTIONS = ['UPLOAD', 'DOWNLOAD', 'PREVIEW', 'DELETE', 'SHARE'];
    const CHECKS: Record<string, Check> = {
      Timestamp: (e, n) => {
        expect(e.occurred_at).toMatch(/Z$/);
        expect(Date.parse(e.occurred_at)).toBe(Date.parse(n.timestamp));
      },
      // "Email or API key identifier"; a share-link visitor is anonymous (the page's preview says so)
      // and a link expiring is the service itself.
      User: (e, n) => {
        if (e.actor.type === 'user') expect(e.actor.email, e.id).toBeTruthy();
        else if (e.actor.type === 'api_key') expect(e.actor.credential?.id, e.id).toBeTruthy();
        else if (e.actor.type === 'anonymous')
          expect(n.share_link ?? n.action === 'BLOCKED', e.id).toBeTruthy();
        else expect([e.actor.type, n.action]).toEqual(['system', 'EXPIRE']);
      },
      Action: (e, n) => {
        expect(e.source_action).toBe(n.action);
        expect(e.action).toMatch(/^[a-z_]+\.[a-z_]+$/);
      },
      // "Name, ID, and size" on every entry about a file; member changes are about people.
      File: (e, n) => {
        const f = file(e);
        if (FILE_ACTIONS.includes(n.action) || n.file) {
          expect(f, `${e.id} has no file`).toBeDefined();
          expect(f?.id && f.name, e.id).toBeTruthy();
          expect(f?.size_bytes, `${e.id} has no file size`).toBeGreaterThanOrEqual(0);
        }
      },
      // A link expiring is not a request: there is no client.
      IP: (e, n) => {
        if (n.action !== 'EXPIRE') expect(e.client?.ip, `${e.id} has no IP`).toBeTruthy();
      },
      Region: (e) => expect(e.request?.region, e.id).toBeTruthy(),
      Device: (e, _n, line) => expect(list(line)).toContain(e.client?.device?.kind),
      Result: (e, _n, line) => expect(list(line)).toContain(e.outcome.result),
      Workspace: (e) =>
        expect(e.workspace).toMatchObject({ id: expect.any(String), name: expect.any(String) }),
    };
    const fields = lines.map((line) => {
      const label = Object.keys(CHECKS).find((k) => line.startsWith(`${k} `));
      expect(label, `no check for the page's field "${line}"`).toBeDefined();
      return [label as string, line] as const;
    });
    expect(fields.map(([label]) => label)).toEqual(Object.keys(CHECKS));
    expect(events.length).toBeGreaterThan(3000);
    for (const [i, e] of events.entries()) {
      const n = native(i);
      for (const [label, line] of fields) CHECKS[label]?.(e, n, line);
    }
  });

  it('the native payload accepts exactly the devices and results the page lists', () => {
    const field = (label: string) =>
      between(text, 'What each log entry contains', 'Scenarios').find((l) => l.startsWith(`${label} `)) ?? '';
    const list = (line: string) => phrases(line.replace(/^\S+\s+/, '')).map((v) => v.toLowerCase());
    expect(fileTransferNativeSchema.shape.device.options).toEqual(list(field('Device')));
    expect(fileTransferNativeSchema.shape.result.options).toEqual(list(field('Result')));
  });

  it('keeps the retention the page states', () => {
    const days = Number(text.match(/(\d+) days retention/)?.[1]);
    expect(days).toBe(120);
    expect(fileTransferSource.retention).toEqual({ days });
  });
});
