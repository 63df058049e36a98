import type { ChatCompletion, ChatCompletionChunk, FinishReason, ResponseToolCall, Usage } from './chat-response.js';

interface ChoiceState {
  content: string;
  refusal: string;
  finishReason: FinishReason | null;
  toolCalls: Map<number, ResponseToolCall>;
  hasContent: boolean;
}

/**
 * Folds a stream of `chat.completion.chunk`s into the `chat.completion` it amounts to: the job's
 * result for the record, the ledger and the cache. Pure and incremental.
 */
export class ChunkAccumulator {
  private readonly choices = new Map<number, ChoiceState>();
  private model = '';
  private usage: Usage | undefined;
  private chunkCount = 0;

  push(chunk: ChatCompletionChunk): void {
    this.chunkCount++;
    if (chunk.model) this.model = chunk.model;
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices) {
      let state = this.choices.get(choice.index);
      if (!state) {
        state = { content: '', refusal: '', finishReason: null, toolCalls: new Map(), hasContent: false };
        this.choices.set(choice.index, state);
      }
      const delta = choice.delta;
      if (typeof delta.content === 'string') {
        state.content += delta.content;
        state.hasContent = true;
      }
      if (typeof delta.refusal === 'string') state.refusal += delta.refusal;
      for (const call of delta.tool_calls ?? []) {
        const existing = state.toolCalls.get(call.index);
        if (!existing) {
          state.toolCalls.set(call.index, { id: call.id ?? '', type: 'function', function: { name: call.function?.name ?? '', arguments: call.function?.arguments ?? '' } });
        } else {
          if (call.id) existing.id = call.id;
          if (call.function?.name) existing.function.name += call.function.name;
          if (call.function?.arguments) existing.function.arguments += call.function.arguments;
        }
      }
      if (choice.finish_reason) state.finishReason = choice.finish_reason;
    }
  }

  /** Chunks seen so far. */
  get count(): number {
    return this.chunkCount;
  }

  setUsage(usage: Usage | undefined): void {
    if (usage) this.usage = usage;
  }

  result(id: string, created: number): ChatCompletion {
    const indexes = [...this.choices.keys()].sort((a, b) => a - b);
    return {
      id,
      object: 'chat.completion',
      created,
      model: this.model,
      choices: indexes.map((index) => {
        const state = this.choices.get(index)!;
        const toolCalls = [...state.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
        return {
          index,
          message: {
            role: 'assistant' as const,
            content: state.hasContent || toolCalls.length === 0 ? state.content : null,
            refusal: state.refusal || null,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          },
          logprobs: null,
          finish_reason: state.finishReason,
        };
      }),
      ...(this.usage ? { usage: this.usage } : {}),
    };
  }
}
