import { describe, expect, it } from 'vitest';
import { RateLimitKeys, deploymentScope, keyScope, teamScope } from './bucket-keys.js';

/** The part of a key Redis Cluster hashes: the first non-empty {...}, else the whole key. */
function hashedPart(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('RateLimitKeys', () => {
  const keys = new RateLimitKeys('sy');

  it("puts a deployment's buckets, pause and reservation records in one cluster slot", () => {
    const dep = deploymentScope('openai-main');
    const all = [keys.bucket(dep, 'rpm'), keys.bucket(dep, 'tpm'), keys.block(dep), keys.reservations(dep.tag), keys.reservationDeadlines(dep.tag)];
    expect(new Set(all.map(hashedPart))).toEqual(new Set(['rl:dep:openai-main']));
  });

  it("puts a key's and its team's buckets in the team's slot, and other teams elsewhere", () => {
    const key = keyScope('acme', 'k_123');
    const team = teamScope('acme');
    const all = [keys.bucket(key, 'rpm'), keys.bucket(key, 'tpm'), keys.bucket(team, 'rpm'), keys.bucket(team, 'tpm'), keys.block(key), keys.reservations(key.tag)];
    expect(new Set(all.map(hashedPart))).toEqual(new Set(['rl:team:acme']));
    expect(keys.bucket(key, 'rpm')).not.toBe(keys.bucket(team, 'rpm'));
    expect(hashedPart(keys.bucket(teamScope('other'), 'rpm'))).not.toBe('rl:team:acme');
  });

  it('keeps the reaper index in a slot of its own', () => {
    expect(hashedPart(keys.tagRegistry())).toBe('rl');
  });

  it.each(['', 'a b', 'x{y', 'x}y'])('rejects the unsafe name %j', (name) => {
    expect(() => deploymentScope(name)).toThrow(RangeError);
    expect(() => keyScope('team', name)).toThrow(RangeError);
  });
});
