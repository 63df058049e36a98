import type { UserContentPart } from '../../canonical/chat-request.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import type { GeminiPart } from './gemini-types.js';
import { mediaSource } from '../media-source.js';

/** OpenAI `input_audio.format` → the MIME types Gemini documents for audio input. */
const AUDIO_MIME: Readonly<Record<string, string>> = { wav: 'audio/wav', mp3: 'audio/mp3' };

/**
 * One user content part as a Gemini part. `param` names the part in 400s (`messages[2].content[1]`).
 * Media: a base64 data URL → `inlineData`; an https URL → `fileData` with a MIME type guessed from
 * the URL's extension (Gemini requires one), or a 400 when there is no known extension.
 */
export function userPartToGemini(part: UserContentPart, param: string): GeminiPart {
  switch (part.type) {
    case 'text':
      return { text: part.text };
    case 'image_url':
      return mediaPart(part.image_url.url, param);
    case 'input_audio': {
      const mimeType = AUDIO_MIME[part.input_audio.format];
      if (!mimeType) throw invalidRequest(`Gemini takes wav or mp3 audio, not '${part.input_audio.format}'.`, param);
      return { inlineData: { mimeType, data: part.input_audio.data } };
    }
    case 'file': {
      const data = part.file.file_data;
      if (data === undefined) throw invalidRequest('Gemini cannot read OpenAI file ids; send the file as file_data.', param);
      return mediaPart(data.startsWith('data:') ? data : `data:application/pdf;base64,${data}`, param);
    }
  }
}

function mediaPart(url: string, param: string): GeminiPart {
  const source = mediaSource(url);
  if (source.kind === 'unsupported') throw invalidRequest(`Gemini cannot take this media: ${source.reason}.`, param);
  if (source.kind === 'inline') return { inlineData: { mimeType: source.mimeType, data: source.base64 } };
  if (!source.mimeType) {
    throw invalidRequest(
      'Gemini needs the MIME type of a media URL, and this URL has no known file extension (.png, .jpg, .webp, .pdf…); send it as a data URL instead.',
      param,
    );
  }
  return { fileData: { fileUri: source.url, mimeType: source.mimeType } };
}
