import type { ChatCompletionChunk, FinishReason, Usage } from '../../canonical/chat-response.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { ResponseContext } from '../translator.js';
import type { FinishingStreamTranslator } from '../finishing-stream.js';
import { geminiFinishReason, geminiUsage } from './gemini-response.js';
import { geminiToolCallId } from './gemini-tool-ids.js';
import type { GeminiResponse, GeminiUsageMetadata } from './gemini-types.js';

type Delta = ChatCompletionChunk['choices'][number]['delta'];
interface CandidateState {
  toolCount: number;
  finishReason: string | undefined;
}

/**
 * Gemini streamGenerateContent chunks → `chat.completion.chunk`s: a role chunk first for each
 * candidate, a content chunk per text part, and per function call a header chunk (index, id, name)
 * then its arguments (Gemini sends each call whole). Usage is cumulative in every chunk; the last
 * one wins. The finish chunk is held until {@link FinishingStreamTranslator.finish}: older Gemini
 * streams put `finishReason: STOP` on every chunk, and a later one may still say RECITATION.
 * A blocked prompt (`promptFeedback.blockReason`) ends as an empty answer with `content_filter`.
 */
export function geminiStreamTranslator(context: ResponseContext, fallbackModel: string): FinishingStreamTranslator<GeminiResponse> {
  let model = fallbackModel;
  let usage: GeminiUsageMetadata | undefined;
  let blocked = false;
  const candidates = new Map<number, CandidateState>();

  const chunk = (index: number, delta: Delta, finishReason: FinishReason | null = null): ChatCompletionChunk => ({
    id: context.id,
    object: 'chat.completion.chunk',
    created: context.created,
    model,
    choices: [{ index, delta, finish_reason: finishReason }],
  });
  /** The candidate's state, announcing it with the role chunk the first time it appears. */
  const open = (index: number, out: ChatCompletionChunk[]): CandidateState => {
    let state = candidates.get(index);
    if (!state) {
      state = { toolCount: 0, finishReason: undefined };
      candidates.set(index, state);
      out.push(chunk(index, { role: 'assistant', content: '' }));
    }
    return state;
  };

  return {
    push(event) {
      if (event.modelVersion) model = event.modelVersion;
      if (event.usageMetadata) usage = event.usageMetadata;
      if (event.promptFeedback?.blockReason) blocked = true;
      const out: ChatCompletionChunk[] = [];
      (event.candidates ?? []).forEach((candidate, position) => {
        const index = candidate.index ?? position;
        const state = open(index, out);
        if (candidate.finishReason) state.finishReason = candidate.finishReason;
        for (const part of candidate.content?.parts ?? []) {
          if (part.thought) continue;
          if (typeof part.text === 'string' && part.text !== '') out.push(chunk(index, { content: part.text }));
          else if (part.functionCall) {
            const toolIndex = state.toolCount++;
            const id = geminiToolCallId(context, index, toolIndex, part.functionCall, part.thoughtSignature);
            const name = part.functionCall.name ?? '';
            out.push(chunk(index, { tool_calls: [{ index: toolIndex, id, type: 'function', function: { name, arguments: '' } }] }));
            out.push(chunk(index, { tool_calls: [{ index: toolIndex, function: { arguments: JSON.stringify(part.functionCall.args ?? {}) } }] }));
          }
        }
      });
      return out;
    },
    usage(): Usage | undefined {
      return usage ? geminiUsage(usage) : undefined;
    },
    finish() {
      const out: ChatCompletionChunk[] = [];
      if (candidates.size === 0) {
        if (!blocked) throw new GatewayError('server_error', 'The Gemini stream ended without any candidate');
        open(0, out);
        out.push(chunk(0, {}, 'content_filter'));
        return out;
      }
      for (const [index, state] of [...candidates.entries()].sort(([a], [b]) => a - b)) {
        if (!state.finishReason) throw new GatewayError('server_error', 'The Gemini stream ended without a finish reason');
        out.push(chunk(index, {}, geminiFinishReason(state.finishReason, state.toolCount > 0)));
      }
      return out;
    },
  };
}
