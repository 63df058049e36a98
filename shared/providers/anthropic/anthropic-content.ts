import { createHash } from 'node:crypto';
import type { UserContentPart } from '../../canonical/chat-request.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { mediaSource } from '../media-source.js';
import type { AnthropicBlock } from './anthropic-types.js';

/** Image types Anthropic takes as base64 (its `Base64ImageSource.media_type`). */
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
type ImageType = (typeof IMAGE_TYPES)[number];

function isImageType(mimeType: string): mimeType is ImageType {
  return (IMAGE_TYPES as readonly string[]).includes(mimeType);
}

/**
 * One user content part as an Anthropic block. `param` names the part in 400s
 * (`messages[2].content[1]`). Images: base64 data URL → base64 source, https URL → url source.
 * Files: base64 PDFs → document blocks. Audio and OpenAI file ids have no Anthropic equivalent.
 */
export function userPartToBlock(part: UserContentPart, param: string): AnthropicBlock {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image_url': {
      const source = mediaSource(part.image_url.url);
      if (source.kind === 'unsupported') throw invalidRequest(`Anthropic cannot take this image: ${source.reason}.`, param);
      if (source.kind === 'remote') return { type: 'image', source: { type: 'url', url: source.url } };
      if (!isImageType(source.mimeType)) {
        throw invalidRequest(`Anthropic takes ${IMAGE_TYPES.join(', ')} images, not ${source.mimeType}.`, param);
      }
      return { type: 'image', source: { type: 'base64', media_type: source.mimeType, data: source.base64 } };
    }
    case 'file': {
      const data = part.file.file_data;
      if (data === undefined) throw invalidRequest('Anthropic cannot read OpenAI file ids; send the file as file_data.', param);
      const source = mediaSource(data.startsWith('data:') ? data : `data:application/pdf;base64,${data}`);
      if (source.kind !== 'inline' || source.mimeType !== 'application/pdf') {
        throw invalidRequest('Anthropic takes files only as base64 PDF data.', param);
      }
      return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: source.base64 } };
    }
    case 'input_audio':
      throw invalidRequest('Anthropic does not take audio input.', param);
  }
}

/** Anthropic's tool-use id alphabet; its own ids look like `toolu_01…` (about 30 characters). */
const TOOL_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * A tool call id Anthropic accepts. Ids minted elsewhere (another vendor's, or a Gemini id carrying a
 * thought signature) may use other characters or be long; they are replaced by a digest, the same for
 * the assistant's tool_use and the tool's tool_result, so the pair still matches.
 */
export function anthropicToolId(id: string): string {
  if (TOOL_ID.test(id)) return id;
  return `toolu_${createHash('sha256').update(id).digest('base64url').slice(0, 24)}`;
}
