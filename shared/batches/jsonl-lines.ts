/** One physical line of a JSONL stream. Offsets are bytes from the start of the file. */
export interface JsonlLine {
  /** 1-based line number. */
  number: number;
  /** Offset of the line's first byte. */
  start: number;
  /** Offset just past the line and its newline: where the next line starts. */
  end: number;
  /** The line without its line ending (`\n` or `\r\n`); null when longer than `maxLineBytes`. */
  text: string | null;
}

/**
 * Splits a byte stream into lines without holding more than one line (up to `maxLineBytes`) in
 * memory: a longer line is skipped over and reported with `text: null`. `first` resumes a read
 * that starts mid-file, at the line number and byte offset of a line start.
 */
export async function* jsonlLines(
  source: AsyncIterable<Uint8Array>,
  maxLineBytes: number,
  first: { line: number; byte: number } = { line: 1, byte: 0 },
): AsyncGenerator<JsonlLine> {
  let number = first.line;
  let start = first.byte;
  /** Bytes of the current line seen so far (kept or skipped), without its newline. */
  let length = 0;
  let kept: Buffer[] = [];
  const finish = (newlineBytes: number): JsonlLine => {
    let text: string | null = null;
    if (length <= maxLineBytes) {
      text = Buffer.concat(kept, length).toString('utf8');
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (number === 1) text = text.replace(/^\uFEFF/, '');
    }
    const end = start + length + newlineBytes;
    const line: JsonlLine = { number, start, end, text };
    number += 1;
    start = end;
    length = 0;
    kept = [];
    return line;
  };
  for await (const raw of source) {
    const chunk = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    let from = 0;
    while (from < chunk.byteLength) {
      const newline = chunk.indexOf(0x0a, from);
      const stop = newline === -1 ? chunk.byteLength : newline;
      length += stop - from;
      if (length <= maxLineBytes) kept.push(chunk.subarray(from, stop));
      else kept = [];
      if (newline === -1) break;
      yield finish(1);
      from = newline + 1;
    }
  }
  if (length > 0) yield finish(0);
}
