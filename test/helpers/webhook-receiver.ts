import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A local webhook receiver that records deliveries and answers with the statuses it is given, in
 * order (then 200). `next()` resolves with the next delivery, without polling.
 */
export async function startWebhookReceiver(statuses: number[] = []) {
  const deliveries: Delivery[] = [];
  const pending: Array<(d: Delivery) => void> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const delivery = { headers: req.headers, body };
      deliveries.push(delivery);
      res.statusCode = statuses.shift() ?? 200;
      res.end();
      pending.shift()?.(delivery);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    /** The next delivery after the ones already received (bounded by the test's timeout). */
    next(): Promise<Delivery> {
      return new Promise((resolve) => pending.push(resolve));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
