import OpenAI from 'openai';

/**
 * An official OpenAI SDK client for a gateway whose fetch keeps a copy of every response body, so a
 * streaming test drives the SDK (`for await`) and can still check the raw SSE it was given — that it
 * ended in `data: [DONE]`, or in an error event without one, which the SDK does not tell apart
 * from a connection that just closed.
 */
export function recordingClient(baseURL: string, apiKey: string): { client: OpenAI; bodies: Array<Promise<string>> } {
  const bodies: Array<Promise<string>> = [];
  const recording = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await fetch(input, init);
    if (!res.body) return res;
    const [forSdk, forTest] = res.body.tee();
    bodies.push(new Response(forTest).text());
    return new Response(forSdk, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return { client: new OpenAI({ apiKey, baseURL: `${baseURL}/v1`, maxRetries: 0, fetch: recording }), bodies };
}
