import { readFileSync } from 'node:fs';
import { hash, verify } from '@node-rs/argon2';
import { ErrorCode, type ErrorDetail, TrailmarkError, ValidationError } from '@trailmark/core';

/** OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

/**
 * Common passwords of 12+ characters (shorter ones fail the length rule anyway), one a line, lower case.
 * Read once per process: it is a constant, not shared state.
 */
const COMMON = new Set(
  readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((l) => l.trim().toLowerCase())
    .filter((l) => l.length > 0 && !l.startsWith('#')),
);

/** NIST 800-63B: length, no composition rules, not a known common password, not the account's own name. */
export function passwordProblems(
  password: unknown,
  context: { email?: string; name?: string } = {},
): string[] {
  if (typeof password !== 'string') return ['must be a string'];
  const chars = [...password].length;
  if (chars < PASSWORD_MIN) return [`at least ${PASSWORD_MIN} characters`];
  if (chars > PASSWORD_MAX) return [`at most ${PASSWORD_MAX} characters`];
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return ['too common: it is on the list of most used passwords'];
  if (new Set(lower).size <= 2) return ['too predictable: use more different characters'];
  const local = context.email?.toLowerCase().split('@')[0];
  if ((local && local.length >= 4 && lower.includes(local)) || lower === context.email?.toLowerCase())
    return ['must not contain your email address'];
  return [];
}

export function assertPassword(
  password: unknown,
  path: string,
  context: { email?: string; name?: string } = {},
): string {
  const problems = passwordProblems(password, context);
  if (problems.length > 0) {
    const details: ErrorDetail[] = problems.map((message) => ({ path, message }));
    throw new ValidationError('the password does not meet the rules', details);
  }
  return password as string;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Always does the work of one verification, also for an unknown account (no timing oracle). */
  verify(stored: string | undefined, password: string): Promise<boolean>;
  readonly active: number;
}

/**
 * At most `concurrency` hashes run at once (each takes ~19 MiB) and at most `queue` wait; beyond that
 * sign-in answers 503 OVERLOADED instead of queueing memory without bound.
 */
export function createPasswordHasher(options: { concurrency?: number; queue?: number } = {}): PasswordHasher {
  const concurrency = options.concurrency ?? 4;
  const maxQueue = options.queue ?? 64;
  let active = 0;
  const waiting: (() => void)[] = [];
  // A real hash of a random password, so an unknown email costs the same verification as a known one.
  let dummy: Promise<string> | undefined;
  async function run<T>(work: () => Promise<T>): Promise<T> {
    if (active >= concurrency) {
      if (waiting.length >= maxQueue)
        throw new TrailmarkError(ErrorCode.OVERLOADED, 'too many sign-ins at once; retry in a second');
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else active++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  }
  return {
    get active() {
      return active;
    },
    hash: (password) => run(() => hash(password, ARGON2_OPTIONS)),
    async verify(stored, password) {
      dummy ??= hash(`dummy-${Math.random()}-${Date.now()}`, ARGON2_OPTIONS);
      const target = stored ?? (await dummy);
      const ok = await run(() => verify(target, password).catch(() => false));
      return stored !== undefined && ok;
    },
  };
}
