// ---------------------------------------------------------------------------------------------
// Examples. Taken from the products Trailmark ships sources for, so the reference reads like real traffic.
// The test feeds these through the real validators, so they cannot drift from the schema unnoticed.
// ---------------------------------------------------------------------------------------------

/** A file-transfer UPLOAD as the product's own backend would send it, already normalized. */
export const uploadEventExample = {
  id: 'ft_01JRW6B9G1UPLOAD0001',
  source: 'file-transfer',
  action: 'file.uploaded',
  source_action: 'UPLOAD',
  occurred_at: '2026-04-14T10:32:15Z',
  actor: { type: 'user', id: 'usr_john', email: 'john@dosya.dev', name: 'John Okafor' },
  targets: [
    {
      type: 'file',
      id: 'fil_8Kq2RenderFinal',
      name: 'render-final.mp4',
      path: '/deliverables/render-final.mp4',
      size_bytes: 13_314_398_618,
      mime_type: 'video/mp4',
      region: 'eu-central-2',
      role: 'primary',
    },
  ],
  outcome: { result: 'success' },
  workspace: { id: 'ws_brand2026', name: 'Brand Campaign 2026' },
  client: {
    ip: '185.23.94.17',
    user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15',
    geo: { country_code: 'DE', country: 'Germany' },
    device: { kind: 'browser' },
  },
  request: { region: 'eu-central-2' },
} as const;

/** A media-library rename: `previous_path` is what lets asset history follow /forest/tree.png to its new name. */
export const renameEventExample = {
  id: 'ml_01JRW5Z8K4RENAME0042',
  source: 'media-library',
  action: 'file.renamed',
  source_action: 'FILE_RENAME',
  occurred_at: '2026-04-14T09:12:40Z',
  actor: { type: 'user', id: 'usr_4821', name: 'Maya Chen', email: 'maya@acme.com' },
  targets: [
    {
      type: 'file',
      id: 'ast_9d2f61c0',
      name: 'oak.png',
      path: '/forest/oak.png',
      previous_path: '/forest/tree.png',
      mime_type: 'image/png',
      role: 'primary',
    },
  ],
  outcome: { result: 'success' },
  workspace: { id: 'lib_acme_brand', name: 'Acme brand library' },
  client: { ip: '203.0.113.7', device: { kind: 'browser' } },
  changes: [{ field: 'name', before: 'tree.png', after: 'oak.png' }],
} as const;

/** A denied share-link access: the attempted action is kept, the outcome says it was refused. */
export const deniedEventExample = {
  id: 'ft_01JRW6B9G1BLOCKED008',
  source: 'file-transfer',
  action: 'share_link.accessed',
  source_action: 'BLOCKED',
  occurred_at: '2026-04-14T10:50:17Z',
  actor: { type: 'user', id: 'guest@gmail.com', email: 'guest@gmail.com' },
  targets: [
    {
      type: 'share_link',
      id: 'lnk_Zr7xQ2aB',
      name: 'https://dosya.dev/s/Zr7xQ2aB',
      role: 'primary',
      attributes: { password_protected: true, allowed_domains: 'acme.com' },
    },
    {
      type: 'file',
      id: 'fil_8Kq2RenderFinal',
      name: 'render-final.mp4',
      path: '/deliverables/render-final.mp4',
      role: 'affected',
    },
  ],
  outcome: {
    result: 'denied',
    reason: 'domain_not_allowed',
    message: 'share link is restricted to @acme.com',
  },
  workspace: { id: 'ws_brand2026', name: 'Brand Campaign 2026' },
  client: {
    ip: '172.58.10.4',
    geo: { country_code: 'US', country: 'United States' },
    device: { kind: 'browser' },
  },
  request: { region: 'us-west-1' },
  metadata: { attempted_action: 'ACCESS' },
} as const;

/** The same UPLOAD as the file-transfer service delivers it natively (REST page or webhook body). */
export const fileTransferNativeExample = {
  event_id: '01JRW6B9G1UPLOAD0001',
  timestamp: '2026-04-14T10:32:15Z',
  action: 'UPLOAD',
  user: { id: 'usr_john', email: 'john@dosya.dev', name: 'John Okafor' },
  file: {
    id: 'fil_8Kq2RenderFinal',
    name: 'render-final.mp4',
    size: 13_314_398_618,
    path: '/deliverables/render-final.mp4',
    mime_type: 'video/mp4',
    storage_region: 'eu-central-2',
  },
  ip: '185.23.94.17',
  country_code: 'DE',
  country: 'Germany',
  region: 'eu-central-2',
  device: 'browser',
  result: 'success',
  workspace: { id: 'ws_brand2026', name: 'Brand Campaign 2026' },
} as const;

/** What the store returns for the UPLOAD: tenant and received_at added, category filled from the catalog. */
export const storedEventExample = {
  ...uploadEventExample,
  tenant: 'acme',
  category: 'content',
  occurred_at: '2026-04-14T10:32:15.000Z',
  received_at: '2026-04-14T10:32:15.412Z',
} as const;
