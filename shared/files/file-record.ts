/** Purposes Switchyard stores: batch input files, and the output and error files a batch produces. */
export const FILE_PURPOSES = ['batch', 'batch_output'] as const;
export type FilePurpose = (typeof FILE_PURPOSES)[number];

/**
 * A file's metadata: one Redis hash per file (`FileKeys.file`); the bytes live in FileStorage.
 * Field contract (strings in Redis):
 *   v            record version ("1")
 *   id team filename purpose
 *   bytes        total size
 *   parts        number of storage objects `<id>/<part>` (part 0 first) whose concatenation is the file:
 *                1 for an upload, one per flushed segment for a batch's output and error files
 *   created_at   unix seconds
 *   expires_at   unix seconds, or "" for none
 */
export interface FileRecord {
  v: 1;
  id: string;
  team: string;
  filename: string;
  purpose: FilePurpose;
  bytes: number;
  parts: number;
  createdAt: number;
  expiresAt: number | null;
}

/** The OpenAI file object (`object: "file"`). */
export interface PublicFile {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  expires_at: number | null;
  filename: string;
  purpose: FilePurpose;
  /** Deprecated by OpenAI but still typed as required by its SDK; files here are usable once they exist. */
  status: 'processed';
}

export function toPublicFile(record: FileRecord): PublicFile {
  return {
    id: record.id,
    object: 'file',
    bytes: record.bytes,
    created_at: record.createdAt,
    expires_at: record.expiresAt,
    filename: record.filename,
    purpose: record.purpose,
    status: 'processed',
  };
}

export function fileToHash(record: FileRecord): Record<string, string> {
  return {
    v: '1',
    id: record.id,
    team: record.team,
    filename: record.filename,
    purpose: record.purpose,
    bytes: String(record.bytes),
    parts: String(record.parts),
    created_at: String(record.createdAt),
    expires_at: record.expiresAt === null ? '' : String(record.expiresAt),
  };
}

/** Parses a file hash; null for a missing record. Throws on a record version this code does not know. */
export function fileFromHash(hash: Record<string, string>): FileRecord | null {
  if (!hash.id) return null;
  if (hash.v !== '1') throw new Error(`File record version ${hash.v} is not supported by this release`);
  return {
    v: 1,
    id: hash.id,
    team: hash.team ?? '',
    filename: hash.filename ?? '',
    purpose: hash.purpose === 'batch_output' ? 'batch_output' : 'batch',
    bytes: Number(hash.bytes ?? 0),
    parts: Number(hash.parts ?? 0),
    createdAt: Number(hash.created_at ?? 0),
    expiresAt: hash.expires_at ? Number(hash.expires_at) : null,
  };
}
