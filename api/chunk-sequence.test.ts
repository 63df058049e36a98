import { describe, expect, it } from 'vitest';
import { chunkMessage, endMessage, parseStreamMessage } from '../shared/jobs/stream-messages.js';
import { ChunkSequence } from './chunk-sequence.js';
import { StreamRelay } from './stream-relay.js';

describe('stream messages', () => {
  it.each([
    ['a chunk', chunkMessage('job_1', 3, '{"a":1}'), { kind: 'chunk', jobId: 'job_1', seq: 3, json: '{"a":1}' }],
    ['the end marker', endMessage('job_1', 7), { kind: 'end', jobId: 'job_1', total: 7 }],
    ['a pre-sequencing chunk', 'job_1\n{"a":1}', { kind: 'chunk', jobId: 'job_1', seq: null, json: '{"a":1}' }],
    ['garbage', 'job_1', null],
    ['a bad number', 'job_1\nx1\n{}', null],
  ])('parses %s', (_name, raw, expected) => {
    expect(parseStreamMessage(raw)).toEqual(expected);
  });
});

describe('ChunkSequence (gap detection)', () => {
  it('accepts chunks in order and a matching end marker', () => {
    const sequence = new ChunkSequence('job_1');
    for (const seq of [1, 2, 3]) expect(sequence.accept(seq)).toBeNull();
    expect(sequence.end(3)).toBeNull();
    expect(sequence.verifyComplete()).toBeNull();
    expect(sequence.count).toBe(3);
  });

  it('reports a missing chunk as a gap naming the job', () => {
    const sequence = new ChunkSequence('job_1');
    expect(sequence.accept(1)).toBeNull();
    const gap = sequence.accept(3);
    expect(gap?.code).toBe('server_error');
    expect(gap?.message).toContain('chunk 3 arrived after chunk 1');
    expect(gap?.message).toContain('/v1/jobs/job_1');
  });

  it('reports lost tail chunks when the end marker counts more than arrived', () => {
    const sequence = new ChunkSequence('job_1');
    sequence.accept(1);
    expect(sequence.end(4)?.message).toContain('4 chunks were sent, 1 arrived');
    expect(sequence.verifyComplete()).not.toBeNull();
  });

  it('treats a terminal job without the end marker as incomplete', () => {
    const sequence = new ChunkSequence('job_1');
    sequence.accept(1);
    expect(sequence.verifyComplete()?.message).toContain('never arrived');
  });

  it('cannot check a pre-sequencing worker, and does not fail it', () => {
    const sequence = new ChunkSequence('job_1');
    expect(sequence.accept(null)).toBeNull();
    expect(sequence.verifyComplete()).toBeNull();
  });
});

describe('StreamRelay', () => {
  it('hands each parsed message to the request of its job only', () => {
    const relay = new StreamRelay('channel');
    const seen: unknown[] = [];
    relay.register('job_a', (m) => seen.push(m));
    relay.onMessage(chunkMessage('job_a', 1, '{}'));
    relay.onMessage(chunkMessage('job_b', 1, '{}'));
    relay.onMessage(endMessage('job_a', 1));
    relay.unregister('job_a');
    relay.onMessage(chunkMessage('job_a', 2, '{}'));
    expect(seen).toEqual([
      { kind: 'chunk', jobId: 'job_a', seq: 1, json: '{}' },
      { kind: 'end', jobId: 'job_a', total: 1 },
    ]);
  });
});
