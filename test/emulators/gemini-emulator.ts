import type { ServerResponse } from 'node:http';
import { sendJson, startEmulatorServer, words, writeSse, type Emulator } from './emulator-server.js';
import type { EmulatorFault } from './fault-plan.js';
import { requestedTools, requiredOf } from './tool-calls.js';

type Part = { text?: string; functionCall?: { name: string; args?: unknown }; functionResponse?: { name: string; response?: unknown }; inlineData?: unknown; fileData?: unknown };
interface GenerateBody {
  contents?: Array<{ role?: string; parts?: Part[] }>;
  systemInstruction?: { parts?: Part[] };
  tools?: Array<{ functionDeclarations?: Array<{ name: string; parameters?: unknown; parametersJsonSchema?: unknown }> }>;
  toolConfig?: { functionCallingConfig?: { mode?: string; allowedFunctionNames?: string[] } };
  generationConfig?: { maxOutputTokens?: number; stopSequences?: string[] };
}

/**
 * A local Gemini API (`/v1beta/models/{model}:generateContent` and `:streamGenerateContent?alt=sse`;
 * SDK `httpOptions.baseUrl` = the returned url) in the recorded shapes (fixtures/gemini): `echo:`
 * replies, functionCall parts on "call <tool>", usageMetadata, SSE `data: <json>\r\n\r\n` framing, a
 * SAFETY finish for prompts containing "trigger-safety", and the recorded INVALID_ARGUMENT 400 for
 * what the real API refuses (roles other than user/model, a functionResponse without its call).
 */
export function startGeminiEmulator(options: { apiKey?: string } = {}): Promise<Emulator> {
  const apiKey = options.apiKey ?? 'sk-test-emulator';
  return startEmulatorServer(
    {
      authorise: (req) =>
        req.headers['x-goog-api-key'] === apiKey || new URL(req.url ?? '/', 'http://x').searchParams.get('key') === apiKey
          ? null
          : { status: 400, body: { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } } },
      answer: (req, res, body, fault) => {
        const match = /^\/v1beta\/models\/([^:]+):(generateContent|streamGenerateContent)/.exec(req.url ?? '');
        if (req.method !== 'POST' || !match) return sendJson(res, 404, { error: { code: 404, message: `Unknown path ${req.url}`, status: 'NOT_FOUND' } });
        const problem = validate(body as GenerateBody);
        if (problem) return sendJson(res, 400, { error: { code: 400, message: problem, status: 'INVALID_ARGUMENT' } });
        const response = reply(body as GenerateBody, decodeURIComponent(match[1]!));
        if (match[2] === 'streamGenerateContent') return stream(res, response, fault);
        sendJson(res, 200, response);
      },
    },
    '',
  );
}

function validate(body: GenerateBody): string | null {
  const contents = body.contents ?? [];
  if (contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified';
  const called = new Set<string>();
  for (const [i, content] of contents.entries()) {
    if (content.role !== 'user' && content.role !== 'model') return `Please use a valid role: user, model. (contents[${i}].role = ${content.role})`;
    for (const part of content.parts ?? []) {
      if (part.functionCall) called.add(part.functionCall.name);
      if (part.functionResponse && !called.has(part.functionResponse.name)) {
        return `Please ensure that function response turn comes immediately after a function call turn. (${part.functionResponse.name})`;
      }
    }
  }
  return null;
}

function textOf(parts: Part[] | undefined): string {
  return (parts ?? []).map((p) => p.text ?? (p.functionResponse ? `result ${JSON.stringify(p.functionResponse.response)}` : '')).join(' ').trim();
}

function reply(body: GenerateBody, model: string): Record<string, unknown> {
  const contents = body.contents ?? [];
  const lastText = textOf(contents.at(-1)?.parts);
  const promptTokens = words(textOf(body.systemInstruction?.parts)).length + contents.reduce((n, c) => n + words(textOf(c.parts)).length, 0);
  const base = { modelVersion: model, responseId: `emu${Math.random().toString(36).slice(2, 14)}` };
  if (lastText.includes('trigger-safety')) {
    return { ...base, candidates: [{ content: { parts: [{ text: 'No' }], role: 'model' }, finishReason: 'SAFETY', index: 0, safetyRatings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'HIGH' }] }], usageMetadata: { promptTokenCount: promptTokens, candidatesTokenCount: 1, totalTokenCount: promptTokens + 1 } };
  }
  const declarations = (body.tools ?? []).flatMap((t) => t.functionDeclarations ?? []);
  const mode = body.toolConfig?.functionCallingConfig?.mode;
  const forced = mode === 'ANY' ? body.toolConfig?.functionCallingConfig?.allowedFunctionNames?.[0] ?? 'any' : null;
  const calls = mode === 'NONE' ? [] : requestedTools(lastText, declarations.map((d) => ({ name: d.name, required: requiredOf(d.parametersJsonSchema ?? d.parameters) })), forced);
  let parts: Part[];
  let finishReason = 'STOP';
  if (calls.length > 0) {
    parts = calls.map((call) => ({ functionCall: { name: call.name, args: call.args } }));
  } else {
    let text = words(`echo: ${lastText}`);
    const max = body.generationConfig?.maxOutputTokens;
    if (max !== undefined && text.length > max) {
      text = text.slice(0, max);
      finishReason = 'MAX_TOKENS';
    }
    parts = [{ text: text.join(' ') }];
  }
  const candidateTokens = parts.reduce((n, p) => n + (p.text ? words(p.text).length : 5), 0);
  return {
    ...base,
    candidates: [{ content: { parts, role: 'model' }, finishReason, index: 0 }],
    usageMetadata: { promptTokenCount: promptTokens, candidatesTokenCount: candidateTokens, totalTokenCount: promptTokens + candidateTokens },
  };
}

/** Streams text word by word, usage and finish reason on the last chunk, as recorded (`\r\n\r\n` framing). */
function stream(res: ServerResponse, response: Record<string, unknown>, fault: EmulatorFault | null): void {
  const candidate = (response.candidates as Array<{ content: { parts: Part[] }; finishReason: string }>)[0]!;
  const frames: string[] = [];
  const frame = (parts: Part[], last: boolean): string =>
    `data: ${JSON.stringify({
      candidates: [{ content: { parts, role: 'model' }, ...(last ? { finishReason: candidate.finishReason } : {}), index: 0 }],
      modelVersion: response.modelVersion,
      responseId: response.responseId,
      ...(last ? { usageMetadata: response.usageMetadata } : {}),
    })}\r\n\r\n`;
  const text = candidate.content.parts[0]?.text;
  if (text !== undefined && candidate.content.parts.length === 1) {
    const pieces = text.split(/(?= )/);
    pieces.forEach((piece, i) => frames.push(frame([{ text: piece }], i === pieces.length - 1)));
  } else {
    frames.push(frame(candidate.content.parts, true));
  }
  writeSse(res, frames, '', fault);
}
