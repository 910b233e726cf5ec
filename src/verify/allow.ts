// `allow: [CIDR, ...]`: which client addresses an endpoint accepts, on node's built-in
// net.BlockList (used here as an allow list). A dual-stack server reports IPv4 clients as
// IPv4-mapped IPv6 (::ffff:127.0.0.1), so those are matched as the IPv4 address they carry,
// both in the list's entries and in the addresses checked.

import { BlockList, isIP } from 'node:net';

export interface Cidr {
  readonly address: string;
  readonly family: 'ipv4' | 'ipv6';
  /** undefined for a single address. */
  readonly prefix: number | undefined;
}

export type ParsedCidr = { readonly ok: true; readonly cidr: Cidr } | { readonly ok: false; readonly problem: string };

const MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
const DIGITS = /^\d{1,3}$/;

/** The IPv4 address inside an IPv4-mapped IPv6 one, without an IPv6 zone; else as given. */
export function normaliseAddress(address: string): string {
  const unzoned = address.replace(/%.*$/, '');
  return MAPPED.exec(unzoned)?.[1] ?? unzoned;
}

/** Parses "10.0.0.0/8", "2001:db8::/32", "::ffff:10.0.0.0/104" or a single address. */
export function parseCidr(entry: string): ParsedCidr {
  const text = entry.trim();
  const slash = text.indexOf('/');
  const rawAddress = slash < 0 ? text : text.slice(0, slash);
  const rawPrefix = slash < 0 ? undefined : text.slice(slash + 1);
  const bad = (why: string): ParsedCidr => ({ ok: false, problem: `"${entry}" is not a CIDR: ${why}` });

  let address = rawAddress;
  let prefix = rawPrefix === undefined ? undefined : DIGITS.test(rawPrefix) ? Number(rawPrefix) : NaN;
  if (Number.isNaN(prefix)) return bad('the prefix after "/" must be a number (e.g. 10.0.0.0/8, 2001:db8::/32)');
  const mapped = MAPPED.exec(rawAddress);
  if (mapped?.[1] !== undefined && (prefix === undefined || prefix >= 96)) {
    address = mapped[1];
    prefix = prefix === undefined ? undefined : prefix - 96;
  }
  const version = isIP(address);
  if (version === 0) return bad('not an IPv4 or IPv6 address');
  const max = version === 4 ? 32 : 128;
  if (prefix !== undefined && prefix > max) return bad(`an IPv${version} prefix is 0 to ${max}`);
  return { ok: true, cidr: { address, family: version === 4 ? 'ipv4' : 'ipv6', prefix } };
}

export interface AllowList {
  /** False for anything that is not an address on the list (including garbage). */
  allows(address: string): boolean;
  /** One line per invalid entry; the valid entries still apply. */
  readonly problems: string[];
}

export function createAllowList(cidrs: readonly string[]): AllowList {
  const list = new BlockList();
  const problems: string[] = [];
  if (cidrs.length === 0) problems.push('`allow` is empty: no client could connect (remove it to allow any)');
  cidrs.forEach((entry, i) => {
    const parsed = parseCidr(entry);
    if (!parsed.ok) {
      problems.push(`allow[${i}]: ${parsed.problem}`);
      return;
    }
    const { address, family, prefix } = parsed.cidr;
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, prefix, family);
  });
  return {
    problems,
    allows(raw: string): boolean {
      const address = normaliseAddress(raw);
      const version = isIP(address);
      if (version === 0) return false;
      return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
