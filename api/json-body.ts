import type { IncomingMessage } from 'node:http';
import { finished } from 'node:stream';

/**
 * Whether `readJsonBody` reads this request exactly as `express.json()` would: an uncompressed body
 * in UTF-8 (or no charset named). Anything else (gzip, UTF-16...) is left to body-parser.
 */
export function isPlainBody(req: IncomingMessage): boolean {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1];
  return charset === undefined || charset.toLowerCase() === 'utf-8';
}

/**
 * Reads and parses a plain JSON body with body-parser's rules (`express.json({ limit, strict })`):
 * no body → undefined, an empty one → {}, a top level other than an object or array is a syntax
 * error, a leading BOM is ignored. Failures carry body-parser's `type` (`entity.too.large`,
 * `entity.parse.failed`, `request.aborted`) so the error handler maps both paths alike; an
 * over-limit body is read off before the promise rejects, so the 413 does not cut the upload.
 */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const declared = req.headers['content-length'];
  if (declared === undefined && req.headers['transfer-encoding'] === undefined) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let failed = false;
    const fail = (error: Error): void => {
      failed = true;
      req.removeListener('data', collect);
      finished(req, () => reject(error));
      req.resume();
    };
    const tooLarge = (): void => fail(bodyError(413, 'entity.too.large', 'request entity too large'));
    const collect = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limitBytes) tooLarge();
      else chunks.push(chunk);
    };
    if (declared !== undefined && Number(declared) > limitBytes) return tooLarge();
    req.on('data', collect);
    finished(req, (err) => {
      if (failed) return;
      if (err) return reject(bodyError(400, 'request.aborted', 'request aborted'));
      try {
        resolve(parseStrictJson(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
      } catch (parseError) {
        reject(bodyError(400, 'entity.parse.failed', (parseError as Error).message));
      }
    });
  });
}

function parseStrictJson(raw: string): unknown {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text.length === 0) return {};
  const first = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d])/.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new SyntaxError(`Unexpected token ${first ?? 'end of input'} in JSON`);
  return JSON.parse(text);
}

function bodyError(status: number, type: string, message: string): Error {
  return Object.assign(new Error(message), { status, type });
}
