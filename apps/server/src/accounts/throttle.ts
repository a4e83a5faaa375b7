/**
 * Sign-in throttling, per process (the one piece of account state that is deliberately not in the
 * control store; see docs/operations.md). Two counters:
 * - per account (the submitted email, whether or not it exists, so the answer reveals nothing): each
 *   failure after the first makes the next attempt wait longer, 1 s doubling up to 5 min, never a permanent lockout
 *   (OWASP Authentication Cheat Sheet, NIST SP 800-63B 3.2.2); a success clears it;
 * - per IP: at most `ipFailures` failures in `ipWindowMs`, a coarse cap against spraying many accounts.
 */
/** Wait after the n-th consecutive failure: a single typo costs nothing. */
export const ACCOUNT_DELAYS_SECONDS = [0, 1, 2, 4, 8, 16, 30, 60, 120, 300] as const;

export interface SignInThrottle {
  /** Seconds to wait before this attempt may be checked, or 0. */
  retryAfter(email: string, ip: string | undefined): number;
  failed(email: string, ip: string | undefined): void;
  succeeded(email: string): void;
}

export function createSignInThrottle(
  options: { now?: () => number; ipFailures?: number; ipWindowMs?: number; maxEntries?: number } = {},
): SignInThrottle {
  const now = options.now ?? Date.now;
  const ipFailures = options.ipFailures ?? 50;
  const ipWindowMs = options.ipWindowMs ?? 15 * 60_000;
  const maxEntries = options.maxEntries ?? 100_000;
  const accounts = new Map<string, { failures: number; last: number }>();
  const ips = new Map<string, { count: number; since: number }>();

  const prune = () => {
    // Bounded memory under a flood of distinct emails: forget entries whose delay has long passed.
    if (accounts.size > maxEntries) {
      const cutoff = now() - ACCOUNT_DELAYS_SECONDS.at(-1)! * 1000;
      for (const [k, v] of accounts) if (v.last < cutoff) accounts.delete(k);
    }
    if (ips.size > maxEntries) {
      for (const [k, v] of ips) if (v.since < now() - ipWindowMs) ips.delete(k);
    }
  };
  const key = (email: string) => email.trim().toLowerCase();

  return {
    retryAfter(email, ip) {
      const t = now();
      let wait = 0;
      const a = accounts.get(key(email));
      if (a) {
        const delay = ACCOUNT_DELAYS_SECONDS[Math.min(a.failures, ACCOUNT_DELAYS_SECONDS.length) - 1] * 1000;
        wait = Math.max(wait, a.last + delay - t);
      }
      if (ip) {
        const i = ips.get(ip);
        if (i && t - i.since < ipWindowMs && i.count >= ipFailures)
          wait = Math.max(wait, i.since + ipWindowMs - t);
      }
      return wait > 0 ? Math.ceil(wait / 1000) : 0;
    },
    failed(email, ip) {
      const t = now();
      const a = accounts.get(key(email));
      accounts.set(key(email), { failures: (a?.failures ?? 0) + 1, last: t });
      if (ip) {
        const i = ips.get(ip);
        if (!i || t - i.since >= ipWindowMs) ips.set(ip, { count: 1, since: t });
        else i.count++;
      }
      prune();
    },
    succeeded(email) {
      accounts.delete(key(email));
    },
  };
}
