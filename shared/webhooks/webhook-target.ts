import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress, type AddressClass } from './ip-address-class.js';
import { WebhookDeliveryError } from './webhook-delivery-error.js';

/** Longer URLs are almost certainly abuse, and they end up in job records. */
const MAX_URL_LENGTH = 2048;

/** Resolves a host name to every address it has (`dns.lookup` with `all: true` by default). */
export type HostLookup = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

export interface ResolveWebhookTargetOptions {
  /** Allow private, loopback, link-local and other non-public targets (tests, on-prem). */
  allowPrivate: boolean;
  /** Replaces the system resolver (tests); called at most once per resolution. */
  lookup?: HostLookup;
}

/** A webhook destination whose address has been checked; connect to `address`, never re-resolve. */
export interface WebhookTarget {
  url: URL;
  /** Host name without IPv6 brackets: what Host and TLS SNI must carry. */
  hostname: string;
  /** The checked IP address the connection must go to. */
  address: string;
  family: 4 | 6;
}

const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true });

function refuse(message: string): never {
  throw new WebhookDeliveryError('webhook_target_refused', message);
}

/**
 * Validates a webhook URL's shape, without touching the network: http: or https:, no user name or
 * password, at most 2048 characters. Messages are meant to follow "Invalid 'webhook.url': ".
 * @throws WebhookDeliveryError (`webhook_target_refused`) with a message fit for a 400 response.
 */
export function parseWebhookUrl(url: string): URL {
  if (url.length > MAX_URL_LENGTH) refuse(`URL is longer than ${MAX_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse('not an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') refuse(`scheme must be http or https, not ${parsed.protocol.slice(0, -1)}`);
  // Credentials in the URL would end up in job records and logs; the signature authenticates us instead.
  if (parsed.username !== '' || parsed.password !== '') refuse('URL must not contain a user name or password');
  if (parsed.hostname === '') refuse('URL has no host');
  return parsed;
}

const KIND_LABELS: Readonly<Record<AddressClass, string>> = {
  public: 'a public',
  unspecified: 'an unspecified',
  loopback: 'a loopback',
  private: 'a private',
  'link-local': 'a link-local',
  'unique-local': 'a unique-local',
  shared: 'a shared (CGNAT)',
  multicast: 'a multicast',
  broadcast: 'a broadcast',
  reserved: 'a reserved',
  invalid: 'an invalid',
};

/**
 * Resolves a webhook URL's host once and checks every address it resolves to: if any is not public
 * (private, loopback, link-local, unique-local, unspecified, CGNAT, multicast, broadcast, reserved,
 * or an IPv4-in-IPv6 form of one) the target is refused unless `allowPrivate`. Checking all of them
 * matters because the connection could go to any. IP-literal hosts are checked without DNS.
 * @returns the first address in resolver order, to connect to instead of the name.
 * @throws WebhookDeliveryError: `webhook_target_refused` (bad URL or a refused address),
 * `webhook_connection` (the name does not resolve).
 */
export async function resolveWebhookTarget(url: string | URL, options: ResolveWebhookTargetOptions): Promise<WebhookTarget> {
  const parsed = typeof url === 'string' ? parseWebhookUrl(url) : parseWebhookUrl(url.href);
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const literalFamily = isIP(hostname);

  let addresses: ReadonlyArray<{ address: string; family: number }>;
  if (literalFamily !== 0) {
    addresses = [{ address: hostname, family: literalFamily }];
  } else {
    try {
      addresses = await (options.lookup ?? systemLookup)(hostname);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'lookup failed';
      throw new WebhookDeliveryError('webhook_connection', `could not resolve host ${hostname} (${code})`, { cause: err });
    }
  }
  const first = addresses[0];
  if (first === undefined) throw new WebhookDeliveryError('webhook_connection', `host ${hostname} resolved to no address`);

  for (const { address } of addresses) {
    const kind = classifyAddress(address);
    if (kind === 'invalid') refuse(`host ${hostname} resolved to an invalid address`);
    if (kind !== 'public' && !options.allowPrivate) {
      // Name the address only for literals: for names it would turn refusals into an internal-DNS oracle.
      const which = literalFamily !== 0 ? `${hostname} is ${KIND_LABELS[kind]} address` : `host ${hostname} resolves to ${KIND_LABELS[kind]} address`;
      refuse(`${which}; private, loopback and link-local targets are refused (webhooks.allowPrivate is off)`);
    }
  }
  const family = isIP(first.address);
  return { url: parsed, hostname, address: first.address, family: family === 6 ? 6 : 4 };
}
