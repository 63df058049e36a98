import { describe, expect, it } from 'vitest';
import { jsonlLines, type JsonlLine } from './jsonl-lines.js';

async function* chunks(text: string, size: number): AsyncIterable<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size);
}

async function collect(text: string, size: number, max = 1000, first?: { line: number; byte: number }): Promise<JsonlLine[]> {
  const out: JsonlLine[] = [];
  for await (const line of jsonlLines(chunks(text, size), max, first)) out.push(line);
  return out;
}

describe('jsonlLines', () => {
  it.each([1, 2, 3, 7, 1000])('splits lines with exact byte offsets whatever the chunking (chunk %i)', async (size) => {
    const text = '{"a":1}\r\n\n{"é":"ü"}\nlast';
    const lines = await collect(text, size);
    expect(lines.map((l) => l.text)).toEqual(['{"a":1}', '', '{"é":"ü"}', 'last']);
    expect(lines.map((l) => [l.number, l.start, l.end])).toEqual([
      [1, 0, 9],
      [2, 9, 10],
      [3, 10, 22],
      [4, 22, 26],
    ]);
    expect(lines.at(-1)!.end).toBe(Buffer.byteLength(text));
  });

  it('reports an over-long line as null and keeps offsets exact after it', async () => {
    const text = `short\n${'x'.repeat(50)}\nafter\n`;
    const lines = await collect(text, 4, 10);
    expect(lines.map((l) => l.text)).toEqual(['short', null, 'after']);
    expect(lines[2]!.start).toBe(6 + 51);
  });

  it('resumes mid-file from a line start', async () => {
    const text = 'one\ntwo\nthree\n';
    const lines = await collect(text.slice(4), 2, 100, { line: 2, byte: 4 });
    expect(lines.map((l) => [l.number, l.start, l.text])).toEqual([
      [2, 4, 'two'],
      [3, 8, 'three'],
    ]);
  });

  it('drops a byte-order mark on the first line only', async () => {
    expect((await collect('\uFEFF{"a":1}\n', 3)).map((l) => l.text)).toEqual(['{"a":1}']);
  });
});
