import { OPERATOR_TOKEN, startServerProcess } from '../test/helpers.ts';
const server = await startServerProcess({ dataDir: process.argv[2] });
const H = { authorization: `Bearer ${OPERATOR_TOKEN}` };
const filters = ['', 'result=error','action=file.deleted','result=denied','action=file.uploaded','q=forest','action=share_link.created&result=success','workspace=ws-0-3','actor=user-42','action=member.invited','target_path_prefix=/forest'];
const to = new Date().toISOString();
async function t(path: string) { const s = performance.now(); const r = await fetch(server.url + path, { headers: H }); const b = await r.text(); return [Math.round(performance.now() - s), r.status, b.length] as const; }
for (const range of ['all', '90d']) for (const f of filters) {
  const from = range === '90d' ? `&from=${new Date(Date.now() - 90 * 864e5).toISOString()}` : '';
  const q = `to=${to}${from}${f ? '&' + f : ''}`;
  const e = await t(`/v1/events?${q}&limit=100`);
  const c = await t(`/v1/count?${q}`);
  const h = await t(`/v1/histogram?${q}`);
  console.log(range.padEnd(4), (f || '(none)').padEnd(42), 'events', e[0], e[1], ' count', c[0], c[1], ' hist', h[0], h[1]);
}
await server.stop();
