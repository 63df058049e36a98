/**
 * Redis keys of the Files API, all under the gateway's key prefix. The file hash and its refs set
 * share a hash tag, so the script that deletes a file unless referenced runs on Redis Cluster too.
 *
 * Contract:
 * - `<p>:file:{<id>}`        hash: file metadata (see file-record.ts)
 * - `<p>:file:{<id>}:refs`   set: ids of batches that read this file as input (a delete is refused while
 *                            one of them has not ended; ended ones are dropped from the set lazily)
 * - `<p>:files:<team>`       sorted set: the team's file ids, scored by creation order (`<p>:files:seq`)
 * - `<p>:files:seq`          counter: creation order of files, for stable cursor pagination
 */
export class FileKeys {
  constructor(readonly prefix: string) {}

  file(id: string): string {
    return `${this.prefix}:file:{${id}}`;
  }

  refs(id: string): string {
    return `${this.prefix}:file:{${id}}:refs`;
  }

  teamIndex(team: string): string {
    return `${this.prefix}:files:${team}`;
  }

  sequence(): string {
    return `${this.prefix}:files:seq`;
  }
}

/** Object key of part `n` of a file in FileStorage: `<file id>/<n, 6 digits>`. */
export function partObjectKey(fileId: string, part: number): string {
  return `${fileId}/${String(part).padStart(6, '0')}`;
}
