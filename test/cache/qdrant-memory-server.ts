import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QdrantOpenApi } from './qdrant-openapi.js';

interface Point {
  vector: number[];
  payload: Record<string, unknown>;
  version: number;
}

type Json = Record<string, unknown>;

class Unsupported extends Error {}

/** A running in-memory Qdrant stand-in. */
export interface QdrantMemoryServer {
  readonly url: string;
  /** Every request that broke the OpenAPI document, or that the stand-in does not implement. */
  readonly violations: string[];
  /** Requests served, as `METHOD /template`. */
  readonly operations: string[];
  close(): Promise<void>;
}

/**
 * A tiny Qdrant for tests: every request is first validated against Qdrant's OpenAPI document
 * (qdrant-openapi.ts) and rejected with 400 if it does not conform; then the few operations the
 * Qdrant vector store uses are carried out in memory (cosine scores, filters with match/range on
 * payload keys, must/should/must_not). Responses are validated against the document too, so the
 * stand-in cannot drift from what a real server answers. Anything else answers 501.
 */
export async function startQdrantMemoryServer(api = new QdrantOpenApi()): Promise<QdrantMemoryServer> {
  const collections = new Map<string, { size: number; points: Map<string, Point> }>();
  const violations: string[] = [];
  const operations: string[] = [];
  let version = 0;

  const handle = (method: string, template: string, params: Record<string, string>, body: Json): unknown => {
    if (template === '/') return { title: 'qdrant - vector search engine', version: '1.19.0' };
    const name = params.collection_name ?? '';
    if (template === '/collections/{collection_name}/exists') return { exists: collections.has(name) };
    if (method === 'PUT' && template === '/collections/{collection_name}') {
      if (collections.has(name)) throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
      const vectors = body.vectors as { size: number; distance: string };
      if (vectors.distance !== 'Cosine') throw new Unsupported(`distance ${vectors.distance}`);
      collections.set(name, { size: vectors.size, points: new Map() });
      return true;
    }
    const collection = collections.get(name);
    if (collection === undefined) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    const update = { operation_id: ++version, status: 'completed' };
    switch (`${method} ${template}`) {
      case 'PUT /collections/{collection_name}/index':
        return update;
      case 'PUT /collections/{collection_name}/points': {
        if (!Array.isArray(body.points)) throw new Unsupported('batch upsert');
        for (const p of body.points as Array<{ id: string; vector: number[]; payload?: Json }>) {
          if (p.vector.length !== collection.size) throw new HttpError(400, `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${p.vector.length}`);
          collection.points.set(String(p.id), { vector: unit(p.vector), payload: p.payload ?? {}, version });
        }
        return update;
      }
      case 'POST /collections/{collection_name}/points/delete': {
        if (Array.isArray(body.points)) for (const id of body.points) collection.points.delete(String(id));
        else for (const [id, p] of collection.points) if (matches(body.filter, p.payload)) collection.points.delete(id);
        return update;
      }
      case 'POST /collections/{collection_name}/points/count':
        return { count: [...collection.points.values()].filter((p) => matches(body.filter, p.payload)).length };
      case 'POST /collections/{collection_name}/points/query': {
        if (!Array.isArray(body.query) || body.prefetch !== undefined) throw new Unsupported('query other than a plain vector');
        const query = unit(body.query as number[]);
        const threshold = typeof body.score_threshold === 'number' ? body.score_threshold : -Infinity;
        const points = [...collection.points.entries()]
          .filter(([, p]) => matches(body.filter, p.payload))
          .map(([id, p]) => ({ id, version: p.version, score: dot(query, p.vector), payload: body.with_payload === true ? p.payload : undefined }))
          .filter((p) => p.score >= threshold)
          .sort((a, b) => b.score - a.score)
          .slice(0, typeof body.limit === 'number' ? body.limit : 10);
        return { points };
      }
      default:
        throw new Unsupported(`${method} ${template}`);
    }
  };

  const server = createServer((req, res) => {
    void serve(req, res);
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://qdrant.invalid');
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      return reply(res, 400, `invalid JSON body`);
    }
    const checked = api.checkRequest(req.method ?? 'GET', url.pathname, url.searchParams, body);
    const label = `${req.method} ${url.pathname}${url.search}`;
    if (checked.operation === undefined || checked.problems.length > 0) {
      violations.push(`${label}: ${checked.problems.join('; ')}`);
      return reply(res, 400, `request does not match the OpenAPI document: ${checked.problems.join('; ')}`);
    }
    operations.push(`${checked.operation.method} ${checked.operation.template}`);
    try {
      const result = handle(checked.operation.method, checked.operation.template, checked.pathParams, (body ?? {}) as Json);
      const envelope = checked.operation.template === '/' ? result : { usage: null, time: 0.0001, status: 'ok', result };
      const responseProblems = api.checkOkResponse(checked.operation, JSON.parse(JSON.stringify(envelope)));
      violations.push(...responseProblems.map((p) => `stand-in answered ${label} wrongly: ${p}`));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(envelope));
    } catch (error) {
      if (error instanceof HttpError) return reply(res, error.status, error.message);
      const message = error instanceof Error ? error.message : String(error);
      violations.push(`${label}: not implemented by the stand-in: ${message}`);
      return reply(res, 501, message);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    violations,
    operations,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function reply(res: ServerResponse, status: number, error: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status: { error }, time: 0 }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function unit(v: readonly number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
}

/** Qdrant filter semantics for the condition kinds the store sends (match.value, range). */
function matches(filter: unknown, payload: Record<string, unknown>): boolean {
  if (filter === undefined || filter === null) return true;
  const f = filter as { must?: unknown[]; should?: unknown[]; must_not?: unknown[] };
  const test = (c: unknown): boolean => condition(c, payload);
  if (f.must && !f.must.every(test)) return false;
  if (f.must_not?.some(test)) return false;
  if (f.should && f.should.length > 0 && !f.should.some(test)) return false;
  return true;
}

function condition(c: unknown, payload: Record<string, unknown>): boolean {
  const cond = c as { key?: string; match?: { value?: unknown }; range?: Record<string, number | undefined> };
  if (cond.key === undefined) {
    if (typeof c === 'object' && c !== null && ('must' in c || 'should' in c || 'must_not' in c)) return matches(c, payload);
    throw new Unsupported(`condition ${JSON.stringify(c)}`);
  }
  const value = payload[cond.key];
  if (cond.match !== undefined) {
    if (!('value' in cond.match)) throw new Unsupported(`match ${JSON.stringify(cond.match)}`);
    return value === cond.match.value;
  }
  if (cond.range !== undefined) {
    if (typeof value !== 'number') return false;
    const { gt, gte, lt, lte } = cond.range;
    return (gt == null || value > gt) && (gte == null || value >= gte) && (lt == null || value < lt) && (lte == null || value <= lte);
  }
  throw new Unsupported(`condition ${JSON.stringify(c)}`);
}
