import type { SemanticTierConfig } from './cache-config.js';
import type { CacheContentPart, CacheMessage, CacheRequest } from './cache-request.js';
import { stableJson } from './stable-json.js';

/** Why a request was not looked up (or stored) in the semantic tier. */
export const SEMANTIC_BYPASS_REASONS = [
  'disabled',
  'temperature',
  'multiple-choices',
  'too-many-turns',
  'tool-results',
  'non-text-content',
  'last-turn-not-user',
  'empty-prompt',
  'prompt-too-long',
] as const;
export type SemanticBypassReason = (typeof SEMANTIC_BYPASS_REASONS)[number];

export type SemanticEligibility =
  | {
      readonly eligible: true;
      /** The final user prompt's text, whitespace-normalised: what is embedded and guarded. */
      readonly queryText: string;
      /** Stable JSON of what must match exactly: earlier turns and the final turn's non-text parts. */
      readonly exactContext: string;
    }
  | { readonly eligible: false; readonly reason: SemanticBypassReason };

/**
 * Decides whether a request may use the semantic tier, and what it compares.
 *
 * Only the final user message is compared by meaning; every earlier user/assistant/tool turn must be
 * identical (it goes into the semantic scope), because a paraphrase test on a whole transcript cannot
 * tell which turn differs. An absent temperature counts as 1 (the OpenAI default).
 */
export function checkSemanticEligibility(request: CacheRequest, settings: SemanticTierConfig): SemanticEligibility {
  if (!settings.enabled) return ineligible('disabled');
  if ((request.temperature ?? 1) > settings.maxTemperature) return ineligible('temperature');
  if ((request.n ?? 1) > 1 && !settings.allowMultipleChoices) return ineligible('multiple-choices');

  const conversation = request.messages.filter((m) => m.role !== 'system' && m.role !== 'developer');
  if (conversation.length > settings.maxTurns) return ineligible('too-many-turns');
  if (!settings.allowToolResults && conversation.some(usesTools)) return ineligible('tool-results');
  if (!settings.allowNonText && conversation.some((m) => nonTextParts(m).length > 0)) {
    return ineligible('non-text-content');
  }
  const last = conversation.at(-1);
  if (last === undefined || last.role !== 'user') return ineligible('last-turn-not-user');

  const queryText = normalizePromptText(textOf(last));
  if (queryText === '') return ineligible('empty-prompt');
  if (queryText.length > settings.maxPromptChars) return ineligible('prompt-too-long');

  const history = conversation.slice(0, -1).map((m) => ({
    role: m.role,
    name: m.name,
    content: m.content,
    tool_calls: m.tool_calls,
    tool_call_id: m.tool_call_id,
  }));
  const exactContext = stableJson({ history, name: last.name, nonText: nonTextParts(last) });
  return { eligible: true, queryText, exactContext };
}

/** Unicode-normalised, whitespace-collapsed text; case is kept (the guard reads capitalisation). */
export function normalizePromptText(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

function ineligible(reason: SemanticBypassReason): SemanticEligibility {
  return { eligible: false, reason };
}

function usesTools(message: CacheMessage): boolean {
  return message.role === 'tool' || (message.tool_calls?.length ?? 0) > 0;
}

function nonTextParts(message: CacheMessage): readonly CacheContentPart[] {
  if (message.content == null || typeof message.content === 'string') return [];
  return message.content.filter((part) => part.type !== 'text');
}

function textOf(message: CacheMessage): string {
  if (message.content == null) return '';
  if (typeof message.content === 'string') return message.content;
  return message.content
    .filter((part) => part.type === 'text')
    .map((part) => part.text ?? '')
    .join('\n');
}
