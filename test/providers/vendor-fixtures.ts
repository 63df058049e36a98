import { readFileSync } from 'node:fs';

/** The recorded vendor traffic shared by every engineer (read-only, beside the repository). */
const FIXTURES = new URL('../../../shared/fixtures/', import.meta.url);

/** Reads a JSON fixture, e.g. `readFixture<Message>('anthropic', 'message_response_end_turn.recorded.json')`. */
export function readFixture<T>(vendor: 'anthropic' | 'gemini' | 'openai', name: string): T {
  return JSON.parse(readFileSync(new URL(`${vendor}/${name}`, FIXTURES), 'utf8')) as T;
}

/** Reads a fixture as text (SSE files, for replaying them byte for byte). */
export function readFixtureText(vendor: 'anthropic' | 'gemini' | 'openai', name: string): string {
  return readFileSync(new URL(`${vendor}/${name}`, FIXTURES), 'utf8');
}

/** One server-sent event: its `event:` name (if any) and its `data:` payload parsed as JSON. */
export interface SseEvent<T> {
  event: string | undefined;
  data: T;
}

/** Reads an SSE fixture into its events (any of the `\n\n`, `\r\n\r\n` delimiters; `[DONE]` skipped). */
export function readSseFixture<T>(vendor: 'anthropic' | 'gemini' | 'openai', name: string): Array<SseEvent<T>> {
  return parseSse<T>(readFileSync(new URL(`${vendor}/${name}`, FIXTURES), 'utf8'));
}

export function parseSse<T>(text: string): Array<SseEvent<T>> {
  const events: Array<SseEvent<T>> = [];
  for (const block of text.split(/\r?\n\r?\n|\r\r/)) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trim());
    }
    if (data.length === 0 || data[0] === '[DONE]') continue;
    events.push({ event, data: JSON.parse(data.join('\n')) as T });
  }
  return events;
}
