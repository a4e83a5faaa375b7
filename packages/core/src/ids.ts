import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/** Prefixes make ids self-describing in logs and support tickets. */
export const IdPrefix = {
  event: 'evt_',
  apiKey: 'key_',
  exportJob: 'exp_',
  request: 'req_',
  retentionRun: 'ret_',
  user: 'usr_',
  session: 'ses_',
  link: 'lnk_',
  destination: 'dst_',
  streamMessage: 'msg_',
} as const;
export type IdPrefix = (typeof IdPrefix)[keyof typeof IdPrefix];

/** Fixed-width, time-sortable id: prefix + 26-char ULID (monotonic within a millisecond). */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  return prefix + nextUlid(now);
}

export function newEventId(now?: number): string {
  return newId(IdPrefix.event, now);
}

/** Sender-supplied ids are accepted when they look like ids: no spaces, no control characters, bounded. */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
