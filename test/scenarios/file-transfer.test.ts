import type { AuditEvent } from '@trailmark/core';
import type { FileTransferNative } from '@trailmark/plugin-source-file-transfer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../helpers.ts';
import {
  daysAgoAt,
  exportCsv,
  facets,
  getJson,
  type HistoryResponse,
  ids,
  listAll,
  sendNative,
  startDemoServer,
  TENANT,
  tally,
} from './support.ts';

/**
 * The four investigations of the file-transfer product page ("When audit logs save the day"), answered
 * through the HTTP API of a real server holding ~20k demo events. Every scenario event is sent as the
 * product's own payload through POST /v1/sources/file-transfer/events, so the plugin's mapping is part of
 * what is tested.
 */
const SOURCE = 'file-transfer';

type Native = FileTransferNative;
const john = { id: 'usr_john', email: 'john@dosya.dev', name: 'John Okafor' };
const berlin = { country_code: 'DE', country: 'Germany', city: 'Berlin' } as const;

// ---------------------------------------------------------------------------------------------------
// 1. GDPR compliance audit: one workspace, one day, every access event, all in eu-central-2.
// ---------------------------------------------------------------------------------------------------
const GDPR_DAY = 10;
const patients = { id: 'ws_patient_records_eu', name: 'Patient Records EU' };
const scan = {
  id: 'fil_MriScan2291',
  name: 'mri-scan-2291.dcm',
  size: 524_288_000,
  path: '/patients/2291/mri-scan-2291.dcm',
  mime_type: 'application/dicom',
  storage_region: 'eu-central-2',
};
const scanLink = { id: 'lnk_Pt2291Rv', url: 'https://dosya.dev/s/Pt2291Rv', password_protected: true };
const eu = { region: 'eu-central-2', workspace: patients } as const;

const gdpr = {
  upload: {
    event_id: 'gdpr_upload',
    timestamp: daysAgoAt(GDPR_DAY, '09:02:41'),
    action: 'UPLOAD',
    user: john,
    file: scan,
    ip: '185.23.94.17',
    ...berlin,
    device: 'browser',
    result: 'success',
    ...eu,
  },
  download: {
    event_id: 'gdpr_download',
    timestamp: daysAgoAt(GDPR_DAY, '10:32:15'),
    action: 'DOWNLOAD',
    user: { email: 'dr.weber@charite-berlin.de', name: 'Dr. Anna Weber' },
    file: scan,
    ip: '141.20.5.44',
    ...berlin,
    device: 'browser',
    result: 'success',
    ...eu,
  },
  preview: {
    event_id: 'gdpr_preview',
    timestamp: daysAgoAt(GDPR_DAY, '11:47:03'),
    action: 'PREVIEW',
    user: { email: 'nurse.lang@charite-berlin.de' },
    file: scan,
    ip: '141.20.5.61',
    ...berlin,
    device: 'browser',
    result: 'success',
    ...eu,
  },
  share: {
    event_id: 'gdpr_share',
    timestamp: daysAgoAt(GDPR_DAY, '12:00:00'),
    action: 'SHARE',
    user: john,
    file: scan,
    share_link: scanLink,
    ip: '185.23.94.17',
    device: 'browser',
    result: 'success',
    ...eu,
  },
  linkOpened: {
    event_id: 'gdpr_link_opened',
    timestamp: daysAgoAt(GDPR_DAY, '12:20:11'),
    action: 'ACCESS',
    file: scan,
    share_link: scanLink,
    ip: '145.40.68.12',
    country_code: 'NL',
    country: 'Netherlands',
    city: 'Amsterdam',
    device: 'browser',
    result: 'success',
    ...eu,
  },
  linkDownload: {
    event_id: 'gdpr_link_download',
    timestamp: daysAgoAt(GDPR_DAY, '12:21:40'),
    action: 'DOWNLOAD',
    file: scan,
    share_link: scanLink,
    ip: '145.40.68.12',
    country_code: 'NL',
    country: 'Netherlands',
    city: 'Amsterdam',
    device: 'browser',
    result: 'success',
    ...eu,
  },
  blocked: {
    event_id: 'gdpr_blocked',
    timestamp: daysAgoAt(GDPR_DAY, '13:05:09'),
    action: 'BLOCKED',
    attempted_action: 'DOWNLOAD',
    reason: 'domain_not_allowed',
    user: { email: 'guest@gmail.com' },
    file: scan,
    ip: '73.158.64.2',
    country_code: 'US',
    country: 'United States',
    device: 'browser',
    result: 'denied',
    ...eu,
  },
  apiDownload: {
    event_id: 'gdpr_api_download',
    timestamp: daysAgoAt(GDPR_DAY, '14:30:00'),
    action: 'DOWNLOAD',
    api_key: { id: 'key_live_archive', name: 'pacs-archive', owner_email: 'it@charite-berlin.de' },
    file: scan,
    ip: '141.20.9.3',
    ...berlin,
    device: 'sdk',
    user_agent: 'dosya-node/5.1.0',
    result: 'success',
    ...eu,
  },
  // Just outside the requested day, on both sides (`to` is exclusive).
  dayBefore: {
    event_id: 'gdpr_day_before',
    timestamp: daysAgoAt(GDPR_DAY + 1, '23:59:59'),
    action: 'DOWNLOAD',
    user: { email: 'dr.weber@charite-berlin.de' },
    file: scan,
    ip: '141.20.5.44',
    ...berlin,
    device: 'browser',
    result: 'success',
    ...eu,
  },
  dayAfter: {
    event_id: 'gdpr_day_after',
    timestamp: daysAgoAt(GDPR_DAY - 1, '00:00:00'),
    action: 'DOWNLOAD',
    user: { email: 'dr.weber@charite-berlin.de' },
    file: scan,
    ip: '141.20.5.44',
    ...berlin,
    device: 'browser',
    result: 'success',
    ...eu,
  },
} satisfies Record<string, Native>;

// ---------------------------------------------------------------------------------------------------
// 2. Accidental deletion: who deleted q3-board-deck.pptx, when, from which IP and device.
// ---------------------------------------------------------------------------------------------------
const brand = { id: 'ws_brand_campaign_2026', name: 'Brand Campaign 2026' };
const renderFinal = {
  id: 'fil_8Kq2RenderFinal',
  name: 'render-final.mp4',
  size: 13_314_398_618, // 12.4 GB
  path: '/deliverables/render-final.mp4',
  mime_type: 'video/mp4',
  storage_region: 'eu-central-2',
};
const boardDeck = {
  id: 'fil_Q3BoardDeck',
  name: 'q3-board-deck.pptx',
  size: 48_211_934,
  path: '/board/q3-board-deck.pptx',
  mime_type: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  storage_region: 'eu-central-2',
};
const deletion = {
  renderUpload: {
    event_id: 'del_render_upload',
    timestamp: daysAgoAt(GDPR_DAY, '10:32:15'),
    action: 'UPLOAD',
    user: john,
    file: renderFinal,
    ip: '185.23.94.17',
    region: 'eu-central-2',
    device: 'browser',
    result: 'success',
    workspace: brand,
  },
  renderDownload: {
    event_id: 'del_render_download',
    timestamp: daysAgoAt(GDPR_DAY, '10:35:02'),
    action: 'DOWNLOAD',
    user: { email: 'client@acme.com' },
    file: renderFinal,
    ip: '54.201.14.88',
    country_code: 'US',
    region: 'us-east-1',
    device: 'browser',
    result: 'success',
    workspace: brand,
  },
  deckUpload: {
    event_id: 'del_deck_upload',
    timestamp: daysAgoAt(12, '16:20:00'),
    action: 'UPLOAD',
    user: { email: 'sarah@team.com', name: 'Sarah Lindqvist' },
    file: boardDeck,
    ip: '62.20.14.7',
    country_code: 'SE',
    region: 'eu-central-2',
    device: 'browser',
    result: 'success',
    workspace: brand,
  },
  otherDelete: {
    event_id: 'del_old_draft',
    timestamp: daysAgoAt(GDPR_DAY, '10:42:11'),
    action: 'DELETE',
    user: { email: 'sarah@team.com', name: 'Sarah Lindqvist' },
    file: {
      id: 'fil_OldDraftV2',
      name: 'old-draft-v2.mp4',
      size: 3_811_204_096,
      path: '/drafts/old-draft-v2.mp4',
      storage_region: 'eu-central-2',
    },
    ip: '62.20.14.7',
    region: 'eu-central-2',
    device: 'browser',
    result: 'success',
    workspace: brand,
  },
  deckDelete: {
    event_id: 'del_deck_delete',
    timestamp: daysAgoAt(GDPR_DAY, '17:05:48'),
    action: 'DELETE',
    user: { id: 'usr_mike', email: 'mike@co.com', name: 'Mike Brennan' },
    file: boardDeck,
    ip: '81.2.69.160',
    country_code: 'GB',
    country: 'United Kingdom',
    city: 'London',
    region: 'eu-central-2',
    device: 'cli',
    user_agent: 'dosya-cli/2.4.1 (darwin; arm64)',
    result: 'success',
    workspace: brand,
  },
} satisfies Record<string, Native>;

// ---------------------------------------------------------------------------------------------------
// 3. Leaked share link: every access to lnk_Leak7Qx2, by IP and country, and how many times.
// ---------------------------------------------------------------------------------------------------
const legal = { id: 'ws_legal_contracts', name: 'Legal Contracts' };
const nda = {
  id: 'fil_NdaMerger',
  name: 'nda-acme-merger.pdf',
  size: 2_481_004,
  path: '/contracts/nda-acme-merger.pdf',
  storage_region: 'eu-central-2',
};
const leakedLink = {
  id: 'lnk_Leak7Qx2',
  url: 'https://dosya.dev/s/Leak7Qx2',
  password_protected: false,
};
const VISITORS = [
  {
    ip: '203.0.113.45',
    country_code: 'US',
    country: 'United States',
    city: 'Portland',
    opens: 3,
    downloads: 0,
  },
  { ip: '95.173.136.70', country_code: 'RU', country: 'Russia', city: 'Moscow', opens: 4, downloads: 2 },
  { ip: '36.110.1.2', country_code: 'CN', country: 'China', city: 'Shenzhen', opens: 2, downloads: 0 },
  { ip: '105.112.0.9', country_code: 'NG', country: 'Nigeria', city: 'Lagos', opens: 1, downloads: 0 },
] as const;
const legalBase = { region: 'eu-central-2', device: 'browser', workspace: legal } as const;
const leak: Native[] = [
  {
    event_id: 'leak_share',
    timestamp: daysAgoAt(5, '08:00:00'),
    action: 'SHARE',
    user: john,
    file: nda,
    share_link: leakedLink,
    ip: '185.23.94.17',
    result: 'success',
    ...legalBase,
  },
];
let minute = 0;
for (const v of VISITORS) {
  const geo = { ip: v.ip, country_code: v.country_code, country: v.country, city: v.city };
  for (let i = 0; i < v.opens; i++) {
    minute++;
    leak.push({
      event_id: `leak_open_${minute}`,
      timestamp: daysAgoAt(5, `09:${String(minute).padStart(2, '0')}:00`),
      action: 'ACCESS',
      file: nda,
      share_link: leakedLink,
      ...geo,
      result: 'success',
      ...legalBase,
    });
  }
  for (let i = 0; i < v.downloads; i++) {
    minute++;
    leak.push({
      event_id: `leak_download_${minute}`,
      timestamp: daysAgoAt(5, `09:${String(minute).padStart(2, '0')}:30`),
      action: 'DOWNLOAD',
      file: nda,
      share_link: leakedLink,
      ...geo,
      result: 'success',
      ...legalBase,
    });
  }
}
leak.push(
  {
    event_id: 'leak_password',
    timestamp: daysAgoAt(5, '10:15:00'),
    action: 'PASSWORD_ATTEMPT',
    file: nda,
    share_link: leakedLink,
    ip: '36.110.1.2',
    country_code: 'CN',
    country: 'China',
    result: 'denied',
    reason: 'invalid_password',
    attempt: 1,
    ...legalBase,
  },
  {
    event_id: 'leak_revoke',
    timestamp: daysAgoAt(5, '15:00:00'),
    action: 'REVOKE',
    user: john,
    file: nda,
    share_link: leakedLink,
    ip: '185.23.94.17',
    result: 'success',
    ...legalBase,
  },
  // The replacement link, restricted to the client's domain, is a different link.
  {
    event_id: 'leak_new_link',
    timestamp: daysAgoAt(5, '15:01:00'),
    action: 'SHARE',
    user: john,
    file: nda,
    share_link: { id: 'lnk_NewSafe01', allowed_domains: ['acme.com'], password_protected: true },
    ip: '185.23.94.17',
    result: 'success',
    ...legalBase,
  },
  {
    event_id: 'leak_new_link_open',
    timestamp: daysAgoAt(5, '15:30:00'),
    action: 'ACCESS',
    user: { email: 'client@acme.com' },
    file: nda,
    share_link: { id: 'lnk_NewSafe01' },
    ip: '54.201.14.88',
    country_code: 'US',
    result: 'success',
    ...legalBase,
  },
);

// ---------------------------------------------------------------------------------------------------
// 4. Student submission: the exact upload time of alice's homework, 2 minutes before the deadline.
// ---------------------------------------------------------------------------------------------------
const course = { id: 'ws_cs101_fall_2026', name: 'CS101 Fall 2026' };
const alice = { email: 'alice.chen@students.uni.edu', name: 'Alice Chen' };
const FOLDER = '/assignments/cs101/homework-3';
const DEADLINE = daysAgoAt(3, '23:59:00');
const pdf = (id: string, path: string) => ({
  id,
  name: path.slice(path.lastIndexOf('/') + 1),
  path,
  size: 1_204_331,
  mime_type: 'application/pdf',
  storage_region: 'eu-central-2',
});
const campus = {
  ip: '131.159.0.21',
  country_code: 'DE',
  region: 'eu-central-2',
  device: 'browser',
  result: 'success',
  workspace: course,
} as const;
const student = {
  brief: {
    event_id: 'cs101_brief_download',
    timestamp: daysAgoAt(3, '14:10:00'),
    action: 'DOWNLOAD',
    user: alice,
    file: pdf('fil_Hw3Brief', `${FOLDER}/brief.pdf`),
    ...campus,
  },
  submission: {
    event_id: 'cs101_alice_hw3',
    timestamp: daysAgoAt(3, '23:57:00'),
    action: 'UPLOAD',
    user: alice,
    file: pdf('fil_AliceHw3', `${FOLDER}/alice-chen-hw3.pdf`),
    ...campus,
  },
  otherStudent: {
    event_id: 'cs101_bob_hw3',
    timestamp: daysAgoAt(3, '23:58:30'),
    action: 'UPLOAD',
    user: { email: 'bob.martin@students.uni.edu' },
    file: pdf('fil_BobHw3', `${FOLDER}/bob-martin-hw3.pdf`),
    ...campus,
  },
  siblingFolder: {
    event_id: 'cs101_alice_cs1010',
    timestamp: daysAgoAt(3, '20:00:00'),
    action: 'UPLOAD',
    user: alice,
    // `/assignments/cs101/homework-30` shares the string prefix but is another folder.
    file: pdf('fil_AliceHw30', '/assignments/cs101/homework-30/alice-chen.pdf'),
    ...campus,
  },
  nextHomework: {
    event_id: 'cs101_alice_hw4',
    timestamp: daysAgoAt(1, '09:00:00'),
    action: 'UPLOAD',
    user: alice,
    file: pdf('fil_AliceHw4', '/assignments/cs101/homework-4/alice-chen-hw4.pdf'),
    ...campus,
  },
  notes: {
    event_id: 'cs101_alice_notes',
    timestamp: daysAgoAt(3, '18:00:00'),
    action: 'UPLOAD',
    user: alice,
    file: pdf('fil_AliceNotes', '/notes/cs101/lecture-7.pdf'),
    ...campus,
  },
} satisfies Record<string, Native>;

const ft = (nativeId: string) => `ft_${nativeId}`;
const newestFirst = (natives: readonly Native[]) =>
  [...natives].sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp)).map((n) => ft(n.event_id));

let server: ServerProcess;

beforeAll(async () => {
  server = await startDemoServer();
  const all: Native[] = [
    ...Object.values(gdpr),
    ...Object.values(deletion),
    ...leak,
    ...Object.values(student),
  ];
  await sendNative(server, SOURCE, all);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('file transfer: GDPR compliance audit', () => {
  const from = daysAgoAt(GDPR_DAY, '00:00:00');
  const to = daysAgoAt(GDPR_DAY - 1, '00:00:00');
  const accessActions = ['file.downloaded', 'file.accessed', 'share_link.accessed'];
  const accessEvents = [
    gdpr.download,
    gdpr.preview,
    gdpr.linkOpened,
    gdpr.linkDownload,
    gdpr.blocked,
    gdpr.apiDownload,
  ];

  it('lists every access event of the workspace in the date range with user, time, IP and region', async () => {
    const events = await listAll(server, {
      tenant: TENANT,
      workspace: patients.id,
      from,
      to,
      action: accessActions,
    });
    expect(ids(events)).toEqual(newestFirst(accessEvents));
    const byId = new Map(events.map((e) => [e.id, e]));
    const download = byId.get(ft('gdpr_download')) as AuditEvent;
    expect(download).toMatchObject({
      occurred_at: gdpr.download.timestamp,
      action: 'file.downloaded',
      actor: { type: 'user', email: 'dr.weber@charite-berlin.de' },
      client: { ip: '141.20.5.44', geo: { country_code: 'DE' }, device: { kind: 'browser' } },
      request: { region: 'eu-central-2' },
      workspace: patients,
    });
    expect(byId.get(ft('gdpr_link_opened'))).toMatchObject({
      action: 'share_link.accessed',
      actor: { type: 'anonymous', credential: { type: 'share_link', id: scanLink.id } },
      client: { ip: '145.40.68.12', geo: { country_code: 'NL' } },
    });
    expect(byId.get(ft('gdpr_blocked'))).toMatchObject({
      action: 'file.downloaded',
      source_action: 'BLOCKED',
      outcome: { result: 'denied', reason: 'domain_not_allowed' },
      actor: { email: 'guest@gmail.com' },
    });
    expect(byId.get(ft('gdpr_api_download'))).toMatchObject({
      actor: { type: 'api_key', id: 'key_live_archive' },
      client: { device: { kind: 'sdk' } },
    });
  });

  it("the product's own BLOCKED entries, by free text: the blocked download is among them", async () => {
    const blocked = await listAll(server, { tenant: TENANT, workspace: patients.id, from, to, q: 'BLOCKED' });
    expect(ids(blocked)).toEqual([ft('gdpr_blocked')]);
    expect(blocked[0]).toMatchObject({ action: 'file.downloaded', source_action: 'BLOCKED' });
  });

  it('shows the data never left eu-central-2: every request and every stored file of the workspace', async () => {
    const events = await listAll(server, { tenant: TENANT, workspace: patients.id, from, to });
    // The whole day: the six access events plus the upload and the share-link creation.
    expect(events).toHaveLength(8);
    expect(new Set(events.map((e) => e.request?.region))).toEqual(new Set(['eu-central-2']));
    const fileRegions = events.flatMap((e) =>
      e.targets.filter((t) => t.type === 'file').map((t) => t.region),
    );
    expect(fileRegions).toHaveLength(8);
    expect(new Set(fileRegions)).toEqual(new Set(['eu-central-2']));
  });

  it('exports the report as CSV with the same rows and the columns a regulator needs', async () => {
    const csv = await exportCsv(server, {
      tenant: TENANT,
      workspace: patients.id,
      from,
      to,
      action: accessActions,
    });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="trailmark-acme-.+\.csv"$/);
    expect(csv.headers.get('x-trailmark-total-rows')).toBe('6');
    expect(csv.headers.get('x-trailmark-truncated')).toBe('false');
    expect(csv.columns).toEqual(
      expect.arrayContaining([
        'occurred_at',
        'actor_type',
        'actor_id',
        'actor_email',
        'action',
        'client_ip',
        'client_country_code',
        'request_region',
        'target_region',
        'workspace_id',
        'outcome_result',
        'device_kind',
      ]),
    );
    expect(csv.rows.map((r) => r.id)).toEqual(newestFirst(accessEvents));
    const row = (nativeId: string) => csv.rows.find((r) => r.id === ft(nativeId)) as Record<string, string>;
    expect(row('gdpr_download')).toMatchObject({
      occurred_at: gdpr.download.timestamp,
      actor_email: 'dr.weber@charite-berlin.de',
      action: 'file.downloaded',
      action_label: 'File downloaded',
      client_ip: '141.20.5.44',
      client_country_code: 'DE',
      request_region: 'eu-central-2',
      target_region: 'eu-central-2',
      target_name: 'mri-scan-2291.dcm',
      workspace_id: patients.id,
      workspace_name: patients.name,
      outcome_result: 'success',
      device_kind: 'browser',
    });
    expect(row('gdpr_link_opened')).toMatchObject({
      actor_type: 'anonymous',
      actor_email: '',
      client_ip: '145.40.68.12',
      client_country_code: 'NL',
      target_type: 'share_link',
      target_id: scanLink.id,
    });
    expect(row('gdpr_blocked')).toMatchObject({
      outcome_result: 'denied',
      outcome_reason: 'domain_not_allowed',
    });
    expect(row('gdpr_api_download')).toMatchObject({ actor_type: 'api_key', actor_id: 'key_live_archive' });
    for (const r of csv.rows) {
      expect(r.request_region).toBe('eu-central-2');
      const files = (JSON.parse(r.targets_json) as { type: string; region?: string }[]).filter(
        (t) => t.type === 'file',
      );
      expect(files.map((f) => f.region)).toEqual(['eu-central-2']);
    }
  });
});

describe('file transfer: accidental file deletion', () => {
  it('finds who deleted the file by its name, when, from which IP and device', async () => {
    const events = await listAll(server, { tenant: TENANT, action: 'file.deleted', q: 'q3-board-deck.pptx' });
    expect(ids(events)).toEqual([ft('del_deck_delete')]);
    expect(events[0]).toMatchObject({
      occurred_at: deletion.deckDelete.timestamp,
      source: SOURCE,
      source_action: 'DELETE',
      actor: { type: 'user', id: 'usr_mike', email: 'mike@co.com', name: 'Mike Brennan' },
      targets: [{ type: 'file', id: boardDeck.id, name: 'q3-board-deck.pptx', path: boardDeck.path }],
      client: {
        ip: '81.2.69.160',
        geo: { country_code: 'GB', city: 'London' },
        device: { kind: 'cli' },
        user_agent: 'dosya-cli/2.4.1 (darwin; arm64)',
      },
      outcome: { result: 'success' },
      workspace: brand,
    });
  });

  it('finds the same deletion by file id, and the file history shows upload then deletion', async () => {
    const byId = await listAll(server, { tenant: TENANT, action: 'file.deleted', target_id: boardDeck.id });
    expect(ids(byId)).toEqual([ft('del_deck_delete')]);
    // All deletions in the workspace: the other one was by someone else.
    const inWorkspace = await listAll(server, {
      tenant: TENANT,
      action: 'file.deleted',
      workspace: brand.id,
    });
    expect(ids(inWorkspace)).toEqual([ft('del_deck_delete'), ft('del_old_draft')]);
    const history = await getJson<HistoryResponse>(
      server,
      `/v1/history?tenant=${TENANT}&target_type=file&target_id=${boardDeck.id}`,
    );
    expect(ids(history.data)).toEqual([ft('del_deck_delete'), ft('del_deck_upload')]);
  });
});

describe('file transfer: leaked share link investigation', () => {
  const linkFilter = { tenant: TENANT, target_type: 'share_link', target_id: leakedLink.id };
  const accessActions = ['share_link.accessed', 'file.downloaded', 'share_link.unlocked'];

  it('lists every event on the link, newest first, and nothing from the replacement link', async () => {
    const events = await listAll(server, linkFilter);
    const expected = leak.filter((n) => n.share_link?.id === leakedLink.id);
    expect(expected).toHaveLength(15);
    expect(ids(events)).toEqual(newestFirst(expected));
  });

  it('counts accesses by IP and by country exactly as they happened', async () => {
    const accesses = await listAll(server, { ...linkFilter, action: accessActions });
    expect(accesses).toHaveLength(13);
    expect(tally(accesses.map((e) => e.client?.ip ?? '-'))).toEqual({
      '105.112.0.9': 1,
      '203.0.113.45': 3,
      '36.110.1.2': 3,
      '95.173.136.70': 6,
    });
    expect(tally(accesses.map((e) => e.client?.geo?.country_code ?? '-'))).toEqual({
      CN: 3,
      NG: 1,
      RU: 6,
      US: 3,
    });
    expect(accesses.every((e) => e.actor.type === 'anonymous')).toBe(true);
    // The same counts from the API, as the investigation screen asks for them.
    const byIp = await facets(server, 'ip', { ...linkFilter, action: accessActions });
    expect(byIp.buckets).toEqual([
      { value: '95.173.136.70', count: 6 },
      { value: '203.0.113.45', count: 3 },
      { value: '36.110.1.2', count: 3 },
      { value: '105.112.0.9', count: 1 },
    ]);
    const byCountry = await facets(server, 'country', { ...linkFilter, action: accessActions });
    expect(byCountry.buckets).toEqual([
      { value: 'RU', label: 'Russia', count: 6 },
      { value: 'CN', label: 'China', count: 3 },
      { value: 'US', label: 'United States', count: 3 },
      { value: 'NG', label: 'Nigeria', count: 1 },
    ]);
    // The ip filter narrows to one visitor.
    const moscow = await listAll(server, { ...linkFilter, ip: '95.173.136.70' });
    expect(tally(moscow.map((e) => e.action))).toEqual({ 'file.downloaded': 2, 'share_link.accessed': 4 });
  });

  it('facets summarize the link: actions, actors and results with exact counts', async () => {
    const actions = await facets(server, 'action', linkFilter);
    expect(actions.buckets).toEqual([
      { value: 'share_link.accessed', label: 'Share link opened', count: 10 },
      { value: 'file.downloaded', label: expect.any(String), count: 2 },
      { value: 'share_link.created', label: 'Share link created', count: 1 },
      { value: 'share_link.revoked', label: 'Share link revoked', count: 1 },
      { value: 'share_link.unlocked', label: 'Share link password attempt', count: 1 },
    ]);
    const actors = await facets(server, 'actor', linkFilter);
    expect(actors.buckets.map((b) => ({ value: b.value, count: b.count }))).toEqual([
      { value: 'anonymous', count: 13 },
      { value: 'usr_john', count: 2 },
    ]);
    const results = await facets(server, 'result', linkFilter);
    expect(results.buckets).toEqual([
      { value: 'success', count: 14 },
      { value: 'denied', count: 1 },
    ]);
  });
});

describe('file transfer: student submission verification', () => {
  it("filters by the student's email and the assignment folder", async () => {
    const events = await listAll(server, { tenant: TENANT, actor: alice.email, target_path_prefix: FOLDER });
    expect(ids(events)).toEqual([ft('cs101_alice_hw3'), ft('cs101_brief_download')]);
  });

  it('shows the exact upload timestamp, 2 minutes before the deadline', async () => {
    const uploads = await listAll(server, {
      tenant: TENANT,
      actor: alice.email,
      target_path_prefix: `${FOLDER}/`,
      action: 'file.uploaded',
    });
    expect(uploads).toHaveLength(1);
    const [upload] = uploads;
    expect(upload).toMatchObject({
      id: ft('cs101_alice_hw3'),
      occurred_at: daysAgoAt(3, '23:57:00'),
      actor: { email: alice.email, name: 'Alice Chen' },
      targets: [{ type: 'file', path: `${FOLDER}/alice-chen-hw3.pdf`, region: 'eu-central-2' }],
      outcome: { result: 'success' },
    });
    expect(Date.parse(DEADLINE) - Date.parse(upload.occurred_at)).toBe(2 * 60_000);
    // Everyone's submissions in the folder, for the professor's overview.
    const all = await listAll(server, {
      tenant: TENANT,
      target_path_prefix: FOLDER,
      action: 'file.uploaded',
    });
    expect(ids(all)).toEqual([ft('cs101_bob_hw3'), ft('cs101_alice_hw3')]);
  });
});
