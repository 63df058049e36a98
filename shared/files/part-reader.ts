/**
 * Cuts a byte stream into parts of `partSize` bytes (the last one shorter), holding at most one part
 * plus one incoming chunk in memory. `done` turns true once the stream has ended and every byte
 * has been handed out.
 */
export class PartReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private leftover: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly partSize: number,
  ) {
    if (!Number.isInteger(partSize) || partSize < 1) throw new RangeError('partSize must be a positive integer');
    this.iterator = source[Symbol.asyncIterator]();
  }

  get done(): boolean {
    return this.ended && this.leftover.byteLength === 0;
  }

  /** The next part: `partSize` bytes, or fewer (possibly none) when the stream ends first. */
  async next(): Promise<Buffer> {
    const chunks: Buffer[] = [this.leftover];
    let size = this.leftover.byteLength;
    while (size < this.partSize && !this.ended) {
      const { value, done } = await this.iterator.next();
      if (done) {
        this.ended = true;
        break;
      }
      const chunk = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      chunks.push(chunk);
      size += chunk.byteLength;
    }
    const all = Buffer.concat(chunks, size);
    this.leftover = all.subarray(this.partSize);
    // Peek past a full part so `done` is exact and no empty trailing part is ever produced.
    if (this.leftover.byteLength === 0 && !this.ended) {
      const { value, done } = await this.iterator.next();
      if (done) this.ended = true;
      else this.leftover = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
    return all.subarray(0, this.partSize);
  }
}
