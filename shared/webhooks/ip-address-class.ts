import { isIP } from 'node:net';

/**
 * What kind of destination an IP address is, for the webhook SSRF rule. Everything except `public`
 * is refused unless `webhooks.allowPrivate`: these addresses reach this host, its network, a cloud
 * metadata service, or nothing routable.
 */
export const ADDRESS_CLASSES = [
  'public',
  'unspecified',
  'loopback',
  'private',
  'link-local',
  'unique-local',
  'shared',
  'multicast',
  'broadcast',
  'reserved',
  'invalid',
] as const;
export type AddressClass = (typeof ADDRESS_CLASSES)[number];

type Range = readonly [prefix: string, bits: number, kind: AddressClass];

// Order matters only where ranges nest (the broadcast address inside 240/4).
const V4_RANGES: readonly Range[] = [
  ['0.0.0.0', 8, 'unspecified'], // "this network"; 0.0.0.0 connects to the local host on Linux
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'], // carrier-grade NAT, often the provider's internal network
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'], // includes the 169.254.169.254 cloud metadata endpoint
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['255.255.255.255', 32, 'broadcast'],
  ['240.0.0.0', 4, 'reserved'],
];

const V6_RANGES: readonly Range[] = [
  ['64:ff9b:1::', 48, 'reserved'], // local-use NAT64: translates into the operator's own network
  ['100::', 64, 'reserved'], // discard-only
  ['2001::', 32, 'reserved'], // Teredo tunnels: the real endpoint is hidden in the address
  ['2001:db8::', 32, 'reserved'],
  ['fc00::', 7, 'unique-local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'private'], // deprecated site-local
  ['ff00::', 8, 'multicast'],
];

/** Bytes of a valid IPv4 or IPv6 literal (brackets and `%zone` stripped), or null. */
export function ipBytes(address: string): Uint8Array | null {
  const text = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = isIP(text);
  if (family === 4) return Uint8Array.from(text.split('.').map(Number));
  if (family !== 6) return null;
  let groupsText = text;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const v4 = dotted[1].split('.').map(Number) as [number, number, number, number];
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    groupsText = `${text.slice(0, -dotted[1].length)}${hex(v4[0], v4[1])}:${hex(v4[2], v4[3])}`;
  }
  const [head = '', tail] = groupsText.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

function inRange(bytes: Uint8Array, prefix: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[i / 8] ?? 0) & mask) !== ((prefix[i / 8] ?? 0) & mask)) return false;
  }
  return true;
}

type CompiledRange = readonly [prefix: Uint8Array, bits: number, kind: AddressClass];

function compile(ranges: readonly Range[]): readonly CompiledRange[] {
  return ranges.map(([prefix, bits, kind]) => {
    const bytes = ipBytes(prefix);
    if (bytes === null) throw new Error(`bad range literal ${prefix}`);
    return [bytes, bits, kind] as const;
  });
}

function classifyIn(bytes: Uint8Array, ranges: readonly CompiledRange[]): AddressClass {
  for (const [prefix, bits, kind] of ranges) if (inRange(bytes, prefix, bits)) return kind;
  return 'public';
}

const V4 = compile(V4_RANGES);
const V6 = compile(V6_RANGES);
const NAT64_PREFIX = compile([['64:ff9b::', 96, 'public']])[0]![0];

const zeroUpTo = (bytes: Uint8Array, end: number) => bytes.subarray(0, end).every((b) => b === 0);

function classifyV6(b: Uint8Array): AddressClass {
  if (zeroUpTo(b, 16)) return 'unspecified';
  if (zeroUpTo(b, 15) && b[15] === 1) return 'loopback';
  // Forms that carry an IPv4 address the kernel or a translator will actually connect to: judge
  // the embedded address, or ::ffff:127.0.0.1 would slip past as "IPv6".
  const mapped = zeroUpTo(b, 10) && b[10] === 0xff && b[11] === 0xff;
  const translated = zeroUpTo(b, 8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0;
  const compatible = zeroUpTo(b, 12); // deprecated ::a.b.c.d
  const nat64 = inRange(b, NAT64_PREFIX, 96);
  if (mapped || translated || compatible || nat64) return classifyIn(b.subarray(12, 16), V4);
  if (b[0] === 0x20 && b[1] === 0x02) return classifyIn(b.subarray(2, 6), V4); // 6to4
  return classifyIn(b, V6);
}

/**
 * Classifies an IP literal (IPv4, IPv6, bracketed IPv6, with or without a zone id). IPv4-mapped,
 * IPv4-translated, IPv4-compatible, NAT64 and 6to4 IPv6 forms are judged by their embedded IPv4
 * address. Anything that is not a valid IP literal is `invalid`.
 */
export function classifyAddress(address: string): AddressClass {
  const bytes = ipBytes(address);
  if (bytes === null) return 'invalid';
  return bytes.length === 4 ? classifyIn(bytes, V4) : classifyV6(bytes);
}
