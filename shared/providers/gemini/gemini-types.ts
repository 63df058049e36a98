import type { Content, GenerateContentConfig, GenerateContentParameters, GenerateContentResponse, Part } from '@google/genai';

/** What the runtime hands to `models.generateContent` / `generateContentStream`. */
export type GeminiRequest = GenerateContentParameters & { contents: GeminiContent[]; config: GenerateContentConfig };

/**
 * The flat body the parameter map fills: the SDK's `config` fields plus `contents`. The SDK itself
 * moves `systemInstruction`, `tools` and `toolConfig` to the top of the REST body and the rest into
 * `generationConfig`, so our map never deals with that nesting.
 */
export type GeminiFlatBody = GenerateContentConfig & { contents: GeminiContent[] };

export type GeminiContent = Content & { role: 'user' | 'model'; parts: Part[] };
export type GeminiPart = Part;

/**
 * The parts of a response (or of one stream chunk) we read. Narrower than the SDK's class, so the
 * recorded JSON type-checks as it is; the SDK's instances fit it too.
 */
export type GeminiResponse = Pick<GenerateContentResponse, 'candidates' | 'usageMetadata' | 'modelVersion' | 'responseId' | 'promptFeedback'>;
export type GeminiUsageMetadata = NonNullable<GeminiResponse['usageMetadata']>;
export type GeminiCandidate = NonNullable<GeminiResponse['candidates']>[number];
