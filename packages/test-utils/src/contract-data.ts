import { type AuditEvent, createDemoRandom } from '@trailmark/core';

/** Deterministic PRNG so the contract data set is the same on every adapter and every run. */
export function seededRandom(seed: number): () => number {
  return createDemoRandom(seed).next;
}

export const CONTRACT_TENANTS = ['acme', 'globex'] as const;
export const BASE_TIME = Date.parse('2026-03-01T00:00:00.000Z');

const ACTIONS = [
  ['file-transfer', 'file.uploaded'],
  ['file-transfer', 'file.downloaded'],
  ['file-transfer', 'file.deleted'],
  ['file-transfer', 'share_link.accessed'],
  ['media-library', 'file.renamed'],
  ['media-library', 'file.tags_added'],
  ['central-config', 'url_endpoint.updated'],
] as const;
const USERS = [
  { id: 'u-ana', name: 'Ana Lima', email: 'ana@acme.test' },
  { id: 'u-bo', name: 'Bo Chen', email: 'bo@acme.test' },
  { id: 'u-cy', name: 'Cy Okafor', email: 'cy@acme.test' },
  { id: 'u-dee', name: 'Dee Novak', email: 'dee@acme.test' },
];
const WORKSPACES = [
  { id: 'ws-brand', name: 'Brand Campaign' },
  { id: 'ws-legal', name: 'Legal Review' },
  { id: 'ws-ops', name: 'Operations' },
];
const FOLDERS = ['/forest', '/forest/pines', '/ocean', '/assignments/cs101'];
const RESULTS = ['success', 'success', 'success', 'denied', 'failure', 'error'] as const;
const IPS = ['203.0.113.7', '198.51.100.23', '2001:db8::1', '192.0.2.44'];
const COUNTRIES = ['DE', 'US', 'BR', undefined] as const;
const DEVICES = ['browser', 'cli', 'sdk', 'api', 'browser'] as const;
const REGIONS = ['eu-west-1', 'us-east-1', undefined] as const;
const AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 Chrome/124.0 Safari/537.36',
  'curl/8.4.0',
  'trailmark-sdk/1.2 (Node.js 22)',
] as const;

/** The searchable fields the contract data declares (a source plugin's `fields`), for stores that map them. */
export const CONTRACT_FIELDS = [
  { name: 'share_link_id', label: 'Share link', type: 'keyword' },
  { name: 'size_bytes', label: 'Size', type: 'number' },
  { name: 'external', label: 'External', type: 'boolean' },
  { name: 'expires_at', label: 'Expires', type: 'date' },
] as const;

/**
 * ~240 events over two tenants and three sources, every filterable field populated with a few
 * repeated values, each event at a distinct millisecond so the expected order is unambiguous.
 */
export function contractEvents(count = 240, seed = 42): AuditEvent[] {
  const rand = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const events: AuditEvent[] = [];
  for (let i = 0; i < count; i++) {
    const tenant = CONTRACT_TENANTS[i % 5 === 0 ? 1 : 0];
    const [source, action] = pick(ACTIONS);
    const user = pick(USERS);
    const folder = pick(FOLDERS);
    const fileNo = Math.floor(rand() * 12);
    const occurred = new Date(BASE_TIME + i * 3_600_000 + Math.floor(rand() * 1000)).toISOString();
    const targets: AuditEvent['targets'] = [
      {
        type: 'file',
        id: `f-${fileNo}`,
        name: `report-${fileNo}.pdf`,
        path: `${folder}/report-${fileNo}.pdf`,
      },
    ];
    if (action === 'share_link.accessed') targets.push({ type: 'share_link', id: `link-${fileNo % 3}` });
    // Fields below derive from i, not from rand(): the data set above stays what it always was.
    if (i % 9 === 0) {
      const other = USERS[(i / 9) % USERS.length];
      targets.push({ type: 'user', id: other.id, name: other.name, attributes: { email: other.email } });
    } else if (i % 9 === 4) targets.push({ type: 'user', id: 'Gus@Acme.test', name: 'Gus Moreau' });
    const country = COUNTRIES[i % COUNTRIES.length];
    const region = REGIONS[i % REGIONS.length];
    const metadata: Record<string, string | number | boolean> = { seq: i, size_bytes: (i * 137) % 5000 };
    if (action === 'share_link.accessed') metadata.share_link_id = `lnk_${fileNo % 3}`;
    if (i % 4 === 0) metadata.external = i % 8 === 0;
    if (i % 6 === 0) metadata.expires_at = new Date(BASE_TIME + i * 7_200_000).toISOString();
    const apiKeyActor = rand() < 0.1;
    events.push({
      id: `evt_contract_${String(i).padStart(4, '0')}`,
      tenant,
      source,
      action,
      source_action: action.toUpperCase().replace('.', '_'),
      category: action.startsWith('share_link')
        ? 'sharing'
        : source === 'central-config'
          ? 'configuration'
          : 'content',
      occurred_at: occurred,
      received_at: occurred,
      actor: apiKeyActor
        ? { type: 'api_key', id: 'key-ci-uploader', credential: { type: 'api_key', id: 'key-ci-uploader' } }
        : { type: 'user', id: user.id, name: user.name, email: user.email },
      targets,
      outcome: { result: pick(RESULTS) },
      workspace: pick(WORKSPACES),
      client: {
        ip: pick(IPS),
        device: { kind: DEVICES[i % DEVICES.length] },
        ...(country ? { geo: { country_code: country } } : {}),
        ...(i % 7 === 0 ? {} : { user_agent: AGENTS[i % AGENTS.length] }),
      },
      request: {
        id: `req-${i % 40}`,
        method: 'POST',
        endpoint: '/v1/files',
        ...(region ? { region } : {}),
      },
      metadata,
    });
  }
  return events;
}

/** A path of `depth` segments under /deep: deeper than any cap an index might put on prefixes. */
export function deepPath(depth: number): string {
  return `/deep/${Array.from({ length: depth - 1 }, (_, i) => `d${i + 1}`).join('/')}`;
}

/**
 * Events at the edges of the filter rules: paths deeper than 32 segments, repeated and trailing
 * slashes, an email stored lower-cased (ingest does that) searched in upper case, unicode names.
 */
export function edgeEvents(): AuditEvent[] {
  const at = (i: number) => new Date(BASE_TIME - 86_400_000 * 10 + i * 60_000).toISOString();
  const base = {
    tenant: 'acme',
    source: 'media-library',
    action: 'file.renamed',
    actor: { type: 'user' as const, id: 'u-zoe', name: 'Zoë Ångström', email: 'zoë.ångström@acme.test' },
    outcome: { result: 'success' as const },
  };
  const events: [string, AuditEvent['targets']][] = [
    ['deep_40', [{ type: 'file', id: 'f-deep-40', path: `${deepPath(40)}/leaf.txt` }]],
    ['deep_33', [{ type: 'file', id: 'f-deep-33', path: deepPath(33) }]],
    ['slashes', [{ type: 'file', id: 'f-slashes', path: '/moss//lichen/spore.png' }]],
    ['trailing', [{ type: 'folder', id: 'd-reef', path: '/reef/coral/' }]],
    [
      'many_words',
      [
        {
          type: 'file',
          id: 'f-many-words',
          name: 'minutes of the annual general meeting held at the old town hall north wing on a rainy day quillwort.pdf',
          path: '/archive/minutes/agm.pdf',
        },
      ],
    ],
    [
      'unicode',
      [{ type: 'file', id: 'f-unicode', name: 'Überblick 日本語.pdf', path: '/café/Überblick 日本語.pdf' }],
    ],
  ];
  return events.map(([name, targets], i) => ({
    ...base,
    id: `evt_edge_${name}`,
    occurred_at: at(i),
    received_at: at(i),
    targets,
  }));
}

/** An event with every optional field set, including the stored-only bodies and changes. */
export function fullEvent(): AuditEvent {
  return {
    id: 'evt_01JQ5W3ZP0Z8Y3V9M8K2J6T4QF',
    tenant: 'acme',
    source: 'file-transfer',
    action: 'file.deleted',
    source_action: 'DELETE',
    category: 'content',
    occurred_at: '2026-03-14T10:32:15.123Z',
    received_at: '2026-03-14T10:32:16.000Z',
    actor: {
      type: 'user',
      id: 'u-ana',
      name: 'Ana Lima',
      email: 'ana@acme.test',
      credential: { type: 'api_key', id: 'key-1', name: 'CI' },
    },
    targets: [
      {
        type: 'file',
        id: 'f-1',
        name: 'tree.png',
        path: '/forest/tree.png',
        previous_path: '/forest/old/tree.png',
        size_bytes: 1024,
        mime_type: 'image/png',
        region: 'eu-west-1',
        version: '3',
        role: 'primary',
        attributes: { colour: 'green', pixels: 4096, public: false, note: null },
      },
      { type: 'folder', id: 'd-1', path: '/forest', role: 'parent' },
    ],
    outcome: { result: 'denied', reason: 'permission_denied', message: 'no write access', status_code: 403 },
    workspace: { id: 'ws-brand', name: 'Brand Campaign' },
    client: {
      ip: '2001:db8::1',
      user_agent: 'Mozilla/5.0',
      geo: { country_code: 'DE', country: 'Germany', region: 'Berlin', city: 'Berlin' },
      device: { kind: 'browser', name: 'Firefox' },
    },
    request: {
      id: 'req-1',
      method: 'DELETE',
      endpoint: '/v1/files/f-1',
      api_operation: 'DeleteFile',
      status: 403,
      region: 'eu-west-1',
      request_body: { force: true, nested: { list: [1, 'two', null] } },
      response_body: 'plain text is fine too',
      redacted_paths: ['/request_body/token'],
    },
    changes: [
      { field: 'name', before: 'a.png', after: { text: 'b.png' } },
      { field: 'secret', redacted: true },
    ],
    metadata: { seq: 7, 'x.y': 'z', flag: true, none: null },
  };
}
