import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Delivery } from '../helpers/webhook-receiver.js';
import type { PublicBatch } from '../../shared/batches/public-batch.js';

interface Receiver {
  deliveries: Delivery[];
  next(): Promise<Delivery>;
}

export interface BatchEvent {
  type: string;
  timestamp: string;
  data: PublicBatch;
}

/**
 * Resolves with the batch event for `batchId` (already received or the next to arrive): the test
 * waits on the webhook, the event that says the batch ended, never on a poll loop. Bounded by the
 * test's timeout. The check and the registration run in one synchronous step, so no delivery slips
 * between them.
 */
export async function batchEnded(receiver: Receiver, batchId: string): Promise<{ event: BatchEvent; delivery: Delivery }> {
  const match = (d: Delivery): BatchEvent | null => {
    const event = JSON.parse(d.body) as BatchEvent;
    return event.data?.id === batchId ? event : null;
  };
  for (;;) {
    const seen = receiver.deliveries.find((d) => match(d) !== null);
    if (seen) return { event: match(seen)!, delivery: seen };
    await receiver.next();
  }
}

/** Standard Webhooks verification, written out here independently of the gateway's signer. */
export function verifiesWith(secret: string, delivery: Delivery): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${String(delivery.headers['webhook-id'])}.${String(delivery.headers['webhook-timestamp'])}.${delivery.body}`;
  const expected = Buffer.from(`v1,${createHmac('sha256', key).update(signed).digest('base64')}`);
  return String(delivery.headers['webhook-signature'])
    .split(' ')
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(Buffer.from(candidate), expected));
}
