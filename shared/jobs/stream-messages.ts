/**
 * The messages a worker publishes on a stream job's `reply_to` channel (Redis pub/sub), read by the
 * API process relaying the stream. Contract, one message per PUBLISH, newline-separated fields:
 *
 *   `<job id>\n<seq>\n<chunk JSON>`  one `chat.completion.chunk`; `seq` counts the job's chunks from 1,
 *                                    in publish order, so a reader that misses one (a subscriber
 *                                    reconnect) sees the gap.
 *   `<job id>\n<total>\n`            the end marker (empty payload): the vendor stream ended properly
 *                                    after `total` chunks. Published before the job's terminal event.
 *
 * Pub/sub delivers at most once and in order, so the reader forwards the JSON without parsing it and
 * only checks the numbers. Workers before sequencing sent `<job id>\n<chunk JSON>`: still read, as
 * an unsequenced chunk (rolling deploys must update the API processes first).
 */
export type StreamMessage =
  | { kind: 'chunk'; jobId: string; seq: number | null; json: string }
  | { kind: 'end'; jobId: string; total: number };

export function chunkMessage(jobId: string, seq: number, chunkJson: string): string {
  return `${jobId}\n${seq}\n${chunkJson}`;
}

export function endMessage(jobId: string, total: number): string {
  return `${jobId}\n${total}\n`;
}

/** Parses a stream message; null for one that follows neither form. */
export function parseStreamMessage(message: string): StreamMessage | null {
  const first = message.indexOf('\n');
  if (first <= 0) return null;
  const jobId = message.slice(0, first);
  if (message.charCodeAt(first + 1) === 123 /* '{' */) return { kind: 'chunk', jobId, seq: null, json: message.slice(first + 1) };
  const second = message.indexOf('\n', first + 1);
  if (second < 0) return null;
  const seq = Number(message.slice(first + 1, second));
  if (!Number.isSafeInteger(seq) || seq < 0 || second === first + 1) return null;
  const json = message.slice(second + 1);
  return json === '' ? { kind: 'end', jobId, total: seq } : { kind: 'chunk', jobId, seq, json };
}
