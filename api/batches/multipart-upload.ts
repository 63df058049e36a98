import busboy from 'busboy';
import type { Request, Response } from 'express';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import { FileStore } from '../../shared/files/file-store.js';
import type { FileRecord } from '../../shared/files/file-record.js';

/** Form fields `POST /v1/files` takes besides `file`. */
const FIELDS = ['purpose'] as const;
/** Room for multipart boundaries and part headers on top of the file itself. */
const FRAMING_ALLOWANCE_BYTES = 64 * 1024;

/**
 * Receives `POST /v1/files` (multipart/form-data: `file`, `purpose`) and streams the file straight
 * into storage, never holding it in memory; only a file of purpose `batch` is kept. The form may
 * name the purpose before or after the file (the SDK sends them in the caller's order), so the
 * bytes are stored first and discarded if the form turns out wrong.
 * @throws GatewayError invalid_request (not multipart, missing or unknown field, wrong purpose),
 * payload_too_large (over `maxBytes`).
 */
export async function receiveUpload(req: Request, res: Response, files: FileStore, team: string, maxBytes: number): Promise<FileRecord> {
  if (!/^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')) {
    throw new GatewayError('invalid_request', "Uploads must be multipart/form-data with fields 'file' and 'purpose'.");
  }
  // A declared length far past the limit is refused before a byte is read (multipart framing is small).
  if (Number(req.headers['content-length'] ?? 0) > maxBytes + FRAMING_ALLOWANCE_BYTES) {
    res.setHeader('connection', 'close');
    throw new GatewayError('payload_too_large', `The file is larger than the limit of ${maxBytes} bytes.`, { param: 'file' });
  }
  let parser: busboy.Busboy;
  try {
    // One byte over the limit reaches FileStore, which refuses it with 413.
    parser = busboy({ headers: req.headers, limits: { files: 1, fields: 8, parts: 10, fieldSize: 1024, fileSize: maxBytes + 1 } });
  } catch (err) {
    throw new GatewayError('invalid_request', `Malformed multipart body: ${(err as Error).message}`, { cause: err });
  }
  const fields: Record<string, string> = {};
  let stored: Promise<{ id: string; bytes: number; filename: string }> | null = null;
  let problem: GatewayError | null = null;
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || stored) {
        problem ??= new GatewayError('invalid_request', `Unrecognized request argument supplied: ${name}`, { param: name });
      }
      // A purpose already known to be wrong: nothing to store.
      if (problem || (fields.purpose !== undefined && fields.purpose !== 'batch')) {
        stream.resume();
        return;
      }
      const id = FileStore.newId();
      stored = files.writeUpload(id, stream, maxBytes).then((bytes) => ({ id, bytes, filename: info.filename || 'upload.jsonl' }));
      // On failure stop reading the body; the response closes the connection.
      stored.catch(() => {
        req.unpipe(parser);
        resolve();
      });
    });
    parser.on('field', (name, value, info) => {
      if (!(FIELDS as readonly string[]).includes(name) || info.valueTruncated) {
        problem ??= new GatewayError('invalid_request', `Unrecognized request argument supplied: ${name}`, { param: name });
      }
      fields[name] = value;
    });
    for (const limit of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) {
      parser.on(limit, () => (problem ??= new GatewayError('invalid_request', "Send one 'file' and a 'purpose', nothing else.")));
    }
    parser.on('close', resolve);
    parser.on('error', (err: Error) => reject(new GatewayError('invalid_request', `Malformed multipart body: ${err.message}`, { cause: err })));
  });
  req.pipe(parser);
  try {
    await parsed;
  } catch (err) {
    res.setHeader('connection', 'close');
    // A body that broke after the file began: drop what was stored.
    if (stored) void (stored as Promise<{ id: string }>).then((upload) => files.discard(upload.id), () => undefined);
    throw err;
  }
  if (!stored) throw problem ?? purposeError(fields.purpose) ?? new GatewayError('invalid_request', "Missing required parameter: 'file'.", { param: 'file' });
  let upload: { id: string; bytes: number; filename: string };
  try {
    upload = await stored;
  } catch (err) {
    res.setHeader('connection', 'close');
    throw err;
  }
  const purposeProblem =
    problem ?? (fields.purpose === undefined ? new GatewayError('invalid_request', "Missing required parameter: 'purpose'.", { param: 'purpose' }) : purposeError(fields.purpose));
  if (purposeProblem) {
    await files.discard(upload.id);
    throw purposeProblem;
  }
  const record: FileRecord = {
    v: 1,
    id: upload.id,
    team,
    filename: upload.filename.slice(0, 255),
    purpose: 'batch',
    bytes: upload.bytes,
    parts: 1,
    createdAt: Math.floor(Date.now() / 1000),
    expiresAt: null,
  };
  await files.create(record);
  return record;
}

function purposeError(purpose: string | undefined): GatewayError | null {
  if (purpose === undefined || purpose === 'batch') return null;
  return new GatewayError('invalid_request', `Switchyard stores files for purpose 'batch' only; got '${purpose}'.`, { param: 'purpose' });
}
