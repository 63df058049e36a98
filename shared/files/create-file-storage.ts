import type { FileStorage } from './file-storage.js';
import type { FileStorageConfig } from './file-storage-config.js';
import { LocalDiskStorage } from './local-disk-storage.js';
import { S3Storage } from './s3-storage.js';

/** The storage backend the configuration names. Holds no connection: safe to build once per process. */
export function createFileStorage(config: FileStorageConfig): FileStorage {
  if (config.kind === 'local') return new LocalDiskStorage(config.directory);
  const { kind: _kind, ...options } = config;
  return new S3Storage(options);
}
