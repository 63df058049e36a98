import { describe, expect, it } from 'vitest';
import { WebhookDeliveryError } from './webhook-delivery-error.js';
import { parseWebhookUrl, resolveWebhookTarget, type HostLookup } from './webhook-target.js';

function failure(fn: () => unknown): WebhookDeliveryError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookDeliveryError) return err;
    throw err;
  }
  throw new Error('expected a WebhookDeliveryError');
}

async function rejection(promise: Promise<unknown>): Promise<WebhookDeliveryError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WebhookDeliveryError) return err;
    throw err;
  }
  throw new Error('expected a WebhookDeliveryError');
}

/** A resolver that must not be consulted: literal IPs are checked without DNS. */
const noDns: HostLookup = () => Promise.reject(new Error('DNS must not be used for an IP literal'));

function fakeDns(answers: Record<string, string[]>): HostLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    const addresses = answers[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

describe('parseWebhookUrl', () => {
  it.each([
    ['https://hooks.example.com/in?x=1', 'hooks.example.com'],
    ['http://93.184.216.34:8080/hook', '93.184.216.34'],
    ['http://[2606:4700::1]/hook', '[2606:4700::1]'],
  ])('accepts %s', (url, hostname) => {
    expect(parseWebhookUrl(url).hostname).toBe(hostname);
  });

  it.each([
    ['ftp://hooks.example.com/in', /scheme must be http or https, not ftp/],
    ['file:///etc/passwd', /scheme must be http or https, not file/],
    ['javascript:alert(1)', /scheme must be http or https/],
    ['https://user:s3cr3tpw@hooks.example.com/in', /user name or password/],
    ['https://s3cr3tpw@hooks.example.com/in', /user name or password/],
    ['https://:s3cr3tpw@hooks.example.com/in', /user name or password/],
    ['/relative/path', /not an absolute URL/],
    ['not a url', /not an absolute URL/],
    [`https://hooks.example.com/${'a'.repeat(2100)}`, /longer than 2048/],
  ])('refuses %s with a clear message', (url, message) => {
    const err = failure(() => parseWebhookUrl(url));
    expect(err.code).toBe('webhook_target_refused');
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('s3cr3tpw');
  });
});

describe('resolveWebhookTarget', () => {
  it.each([
    ['ftp://hooks.example.com/', /scheme/],
    ['http://user:pw@93.184.216.34/', /user name or password/],
    ['http://127.0.0.1:8080/hook', /127\.0\.0\.1 is a loopback address/],
    ['http://[::1]/hook', /::1 is a loopback address/],
    ['http://10.0.0.1/hook', /10\.0\.0\.1 is a private address/],
    ['http://169.254.169.254/latest/meta-data', /169\.254\.169\.254 is a link-local address/],
    ['http://192.168.1.1/', /private address/],
    ['http://172.20.0.5/', /private address/],
    ['http://[::ffff:127.0.0.1]/', /loopback address/],
    ['http://[::ffff:a9fe:a9fe]/', /link-local address/],
    ['http://100.64.0.1/', /shared \(CGNAT\) address/],
    ['http://0.0.0.0/', /unspecified address/],
    ['http://[::]/', /unspecified address/],
    ['http://[fe80::1]/', /link-local address/],
    ['http://[fd00::1]/', /unique-local address/],
    ['http://224.0.0.1/', /multicast address/],
    ['http://255.255.255.255/', /broadcast address/],
    ['http://2130706433/', /127\.0\.0\.1 is a loopback/], // decimal 127.0.0.1, normalised by the URL parser
    ['http://0x7f.1/', /127\.0\.0\.1 is a loopback/],
  ])('refuses %s without allowPrivate', async (url, message) => {
    const err = await rejection(resolveWebhookTarget(url, { allowPrivate: false, lookup: noDns }));
    expect(err.code).toBe('webhook_target_refused');
    expect(err.message).toMatch(message);
  });

  it('refuses localhost through the real resolver', async () => {
    const err = await rejection(resolveWebhookTarget('http://localhost:9/hook', { allowPrivate: false }));
    expect(err.code).toBe('webhook_target_refused');
    expect(err.message).toMatch(/host localhost resolves to a loopback address/);
  });

  it('accepts a public IP literal without DNS and returns it as the address to connect to', async () => {
    const target = await resolveWebhookTarget('https://93.184.216.34/hook', { allowPrivate: false, lookup: noDns });
    expect(target).toMatchObject({ hostname: '93.184.216.34', address: '93.184.216.34', family: 4 });
    expect(target.url.href).toBe('https://93.184.216.34/hook');
  });

  it('accepts a private literal when allowPrivate is set', async () => {
    const target = await resolveWebhookTarget('http://[::1]:8080/hook', { allowPrivate: true, lookup: noDns });
    expect(target).toMatchObject({ hostname: '::1', address: '::1', family: 6 });
  });

  it('resolves a name once and returns its first address', async () => {
    const dns = fakeDns({ 'hooks.example.com': ['93.184.216.34', '2606:2800:220:1::1'] });
    const target = await resolveWebhookTarget('https://hooks.example.com/in', { allowPrivate: false, lookup: dns });
    expect(target).toMatchObject({ hostname: 'hooks.example.com', address: '93.184.216.34', family: 4 });
    expect(dns.calls).toEqual(['hooks.example.com']);
  });

  it.each([
    [['93.184.216.34', '10.0.0.1']],
    [['10.0.0.1', '93.184.216.34']],
    [['2606:2800:220:1::1', '::ffff:192.168.0.1']],
  ])('refuses a name if ANY of its addresses is private: %j', async (addresses) => {
    const dns = fakeDns({ 'mixed.example.com': addresses });
    const err = await rejection(resolveWebhookTarget('https://mixed.example.com/', { allowPrivate: false, lookup: dns }));
    expect(err.code).toBe('webhook_target_refused');
    expect(err.message).toMatch(/host mixed\.example\.com resolves to a private address/);
    // Resolved addresses of names stay private: refusals must not become an internal-DNS oracle.
    for (const address of addresses) expect(err.message).not.toContain(address);
  });

  it('reports a name that does not resolve as a connection failure', async () => {
    const err = await rejection(resolveWebhookTarget('https://nowhere.invalid/', { allowPrivate: false, lookup: fakeDns({}) }));
    expect(err.code).toBe('webhook_connection');
    expect(err.message).toBe('could not resolve host nowhere.invalid (ENOTFOUND)');
    expect(err.retryable).toBe(true);
  });

  it('refusals are not retryable', async () => {
    const err = await rejection(resolveWebhookTarget('http://127.0.0.1/', { allowPrivate: false }));
    expect(err.retryable).toBe(false);
    expect(err.toData()).toEqual({ code: 'webhook_target_refused', message: err.message });
  });
});
