import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressMessageOptions } from './express-messages.js';

describe('expressMessageOptions', () => {
  const app = express();
  const seen: boolean[] = [];
  app.get('/hello', (req, res) => {
    seen.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
    res.status(201).json({ greeting: req.get('x-name'), path: req.path });
  });
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer(expressMessageOptions(app), (req, res) => {
      // Born with Express's prototypes, before Express ever sees them.
      seen.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
      app(req, res);
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves Express routes on requests born with the app prototypes, which Express leaves unchanged', async () => {
    const res = await fetch(`${url}/hello?x=1`, { headers: { 'x-name': 'sy' } });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ greeting: 'sy', path: '/hello' });
    expect(seen).toEqual([true, true]);
  });
});
