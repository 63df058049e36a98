/**
 * Where an OpenAI media part's bytes live, read from its URL. Used by the Anthropic and Gemini
 * translators alike (it imports nothing vendor-specific).
 */
export type MediaSource =
  | { kind: 'inline'; mimeType: string; base64: string }
  | { kind: 'remote'; url: string; mimeType: string | undefined }
  | { kind: 'unsupported'; reason: string };

const DATA_URL = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)((?:;[a-z0-9-]+=[^;,]*)*);base64,([A-Za-z0-9+/=\s]*)$/i;

/** Extensions → MIME types the vendors document for media input. Lower-case keys. */
const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  wav: 'audio/wav',
  mp3: 'audio/mp3',
  mp4: 'video/mp4',
};

/**
 * Reads a media URL: a base64 `data:` URL becomes inline bytes, an `https:` URL stays remote (with a
 * MIME type guessed from its path's extension, if it has a known one). Anything else is unsupported,
 * with a reason fit for a 400 message.
 */
export function mediaSource(url: string): MediaSource {
  if (url.startsWith('data:')) {
    const match = DATA_URL.exec(url);
    if (!match) return { kind: 'unsupported', reason: 'only base64 data URLs (data:<mime>;base64,<data>) are supported' };
    return { kind: 'inline', mimeType: match[1]!.toLowerCase(), base64: match[3]!.replace(/\s+/g, '') };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'unsupported', reason: 'the URL cannot be parsed' };
  }
  if (parsed.protocol !== 'https:') return { kind: 'unsupported', reason: `only https: and data: URLs are supported, not ${parsed.protocol}` };
  return { kind: 'remote', url, mimeType: guessMimeType(parsed.pathname) };
}

/** The MIME type of a path from its extension, or undefined when the extension is absent or unknown. */
export function guessMimeType(path: string): string | undefined {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/')) return undefined;
  return MIME_BY_EXTENSION[path.slice(dot + 1).toLowerCase()];
}
