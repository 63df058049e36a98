import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordedErrorFault, startGeminiEmulator, type Emulator } from './index.js';

describe('Gemini emulator, as the official SDK sees it', () => {
  let emulator: Emulator;
  let client: GoogleGenAI;
  beforeAll(async () => {
    emulator = await startGeminiEmulator();
    client = new GoogleGenAI({ apiKey: 'sk-test-emulator', httpOptions: { baseUrl: emulator.url } });
  });
  afterAll(async () => emulator?.close());

  it('answers generateContent with text and usageMetadata', async () => {
    const response = await client.models.generateContent({ model: 'gemini-test', contents: 'hello there', config: { systemInstruction: 'be brief' } });
    expect(response.text).toBe('echo: hello there');
    expect(response.usageMetadata).toMatchObject({ promptTokenCount: 4, candidatesTokenCount: 3, totalTokenCount: 7 });
    expect(emulator.requests.at(-1)?.headers['x-goog-api-key']).toBe('sk-test-emulator');
  });

  it('streams chunks the SDK iterates', async () => {
    let text = '';
    for await (const chunk of await client.models.generateContentStream({ model: 'gemini-test', contents: 'a b c' })) text += chunk.text ?? '';
    expect(text).toBe('echo: a b c');
  });

  it('calls a function when asked', async () => {
    const response = await client.models.generateContent({
      model: 'gemini-test',
      contents: 'call get_weather for Paris',
      config: { tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } }] }] },
    });
    expect(response.functionCalls).toEqual([{ name: 'get_weather', args: { location: 'Paris' } }]);
  });

  it('ends a blocked prompt with finishReason SAFETY', async () => {
    const response = await client.models.generateContent({ model: 'gemini-test', contents: 'trigger-safety please' });
    expect(response.candidates?.[0]?.finishReason).toBe('SAFETY');
  });

  it.each([429, 500, 503])('serves the recorded %i', async (status) => {
    emulator.faults.set(recordedErrorFault('gemini', status, { times: 1 }));
    const error = (await client.models.generateContent({ model: 'gemini-test', contents: 'x' }).catch((e: unknown) => e)) as { status?: number };
    expect(error.status).toBe(status);
  });
});
