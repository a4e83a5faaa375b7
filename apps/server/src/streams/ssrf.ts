import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * SSRF guard for stream destinations (OWASP SSRF Prevention, "case 2": arbitrary external hosts). Every
 * address a name resolves to must be public unicast; the check runs on the resolved address at connect
 * time (a custom `lookup` on the socket), so a name cannot pass validation and then rebind to 10.0.0.1.
 * IP literals skip DNS, so they are checked before connecting. Operators allow-list ranges for
 * on-premise receivers (TRAILMARK_STREAM_ALLOW_PRIVATE).
 */

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** `on` (everything), or CIDR ranges; an empty list allows nothing private. */
export type AllowList = 'all' | readonly [Address, number][];

/** Public addresses that are still metadata or control endpoints of a cloud (Azure's wire server). */
const EXTRA_BLOCKED: readonly [Address, number][] = [ipaddr.parseCIDR('168.63.129.16/32')];

export class BlockedAddressError extends Error {
  readonly code = 'STREAM_ADDRESS_BLOCKED';
}

/** Parses `on`, or a comma-separated list of CIDR ranges or single addresses. Throws on a bad entry. */
export function parseAllowList(value: string | undefined): AllowList {
  if (!value || value.trim() === '' || value.trim() === 'off') return [];
  if (value.trim() === 'on') return 'all';
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      if (part.includes('/')) return unmapRange(ipaddr.parseCIDR(part));
      const address = unmap(ipaddr.parse(part));
      return [address, address.kind() === 'ipv4' ? 32 : 128] as [Address, number];
    });
}

function unmap(address: Address): Address {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

function unmapRange([address, bits]: [Address, number]): [Address, number] {
  const plain = unmap(address);
  return plain === address ? [address, bits] : [plain, Math.max(0, bits - 96)];
}

const inRange = (address: Address, [range, bits]: [Address, number]) =>
  address.kind() === range.kind() && address.match(range, bits);

/** Why an address is refused (its ipaddr.js range), or undefined when it may be connected to. */
export function blockedReason(ip: string, allow: AllowList): string | undefined {
  if (!ipaddr.isValid(ip)) return 'not an IP address';
  const address = unmap(ipaddr.parse(ip));
  if (allow === 'all' || allow.some((r) => inRange(address, r))) return undefined;
  const range = address.range();
  if (range !== 'unicast') return range;
  if (EXTRA_BLOCKED.some((r) => inRange(address, r))) return 'metadata';
  return undefined;
}

/** True when the operator allow-listed this address (plain TCP/HTTP is accepted only to such addresses). */
export function isAllowListed(ip: string, allow: AllowList): boolean {
  if (allow === 'all') return true;
  if (!ipaddr.isValid(ip)) return false;
  const address = unmap(ipaddr.parse(ip));
  return allow.some((r) => inRange(address, r));
}

export interface GuardOptions {
  allow: AllowList;
  /** Plain (unencrypted) connection: only to allow-listed addresses. */
  plaintext: boolean;
  /** The resolver; tests inject one that answers with private addresses (DNS rebinding). */
  resolve?: typeof dnsLookup;
}

/** Checks one resolved (or literal) address; throws BlockedAddressError. */
export function assertAddressAllowed(host: string, ip: string, options: GuardOptions): void {
  const reason = blockedReason(ip, options.allow);
  if (reason)
    throw new BlockedAddressError(
      `${host} resolves to ${ip} (${reason}); private, loopback, link-local, CGNAT, multicast and metadata addresses are refused unless TRAILMARK_STREAM_ALLOW_PRIVATE lists them`,
    );
  if (options.plaintext && !isAllowListed(ip, options.allow))
    throw new BlockedAddressError(
      `${host} (${ip}): plain http/tcp is only used for addresses listed in TRAILMARK_STREAM_ALLOW_PRIVATE; use https/TLS`,
    );
}

/** Host without IPv6 brackets, as URL.hostname gives it. */
export const bareHost = (host: string) => host.replace(/^\[(.*)\]$/, '$1');

/**
 * A `lookup` for http/https/net/tls that resolves every address (A and AAAA) and refuses the
 * connection unless all of them are allowed; the socket then connects to the address checked.
 */
export function guardedLookup(options: GuardOptions): LookupFunction {
  const resolve = options.resolve ?? dnsLookup;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      try {
        if (list.length === 0) throw new BlockedAddressError(`${hostname} has no address`);
        for (const a of list) assertAddressAllowed(hostname, a.address, options);
      } catch (blocked) {
        return callback(blocked as NodeJS.ErrnoException, '', 0);
      }
      const family = typeof lookupOptions === 'object' ? lookupOptions.family : undefined;
      const wanted = family === 4 || family === 6 ? list.filter((a) => a.family === family) : list;
      const chosen = wanted[0] ?? (list[0] as LookupAddress);
      if (typeof lookupOptions === 'object' && lookupOptions.all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, wanted);
      return callback(null, chosen.address, chosen.family);
    });
  };
}

/**
 * Checks a host before connecting: IP literals directly (no DNS lookup happens for them), names
 * through the same resolver the socket will use. The socket's own lookup re-checks at connect time.
 */
export async function checkHost(host: string, options: GuardOptions): Promise<void> {
  const bare = bareHost(host);
  if (isIP(bare)) return assertAddressAllowed(bare, bare, options);
  await new Promise<void>((resolve, reject) => {
    guardedLookup(options)(bare, { all: true }, (error) => (error ? reject(error) : resolve()));
  });
}
