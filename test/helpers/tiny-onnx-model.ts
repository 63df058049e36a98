import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeOnnxModel, ONNX_FLOAT, ONNX_INT64, type OnnxModel, type Tensor } from './onnx-protobuf.js';

/**
 * Writes model folders laid out like a Hugging Face ONNX export of a BERT encoder — config.json,
 * tokenizer.json (WordPiece), tokenizer_config.json, onnx/model.onnx — so the transformers embedder
 * can be tested without downloaded weights. The weights are deterministic in a seed: same seed, same
 * bytes, same vectors.
 */

/** BERT's special tokens, first in every vocab written here (ids 0–4). */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Seeded uniform floats in [-scale, scale) (mulberry32): weights that are the same on every run. */
export function seededFloats(seed: number, count: number, scale = 1): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** The vocab for `words`: special tokens, then the words (lowercased, deduplicated) in order. */
export function bertVocab(words: readonly string[]): string[] {
  return [...new Set([...SPECIAL_TOKENS, ...words.map((w) => w.toLowerCase())])];
}

/** Writes config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx into `dir`. */
export async function writeBertFolder(
  dir: string,
  folder: { vocab: readonly string[]; config: Record<string, unknown>; model: OnnxModel; maxLength: number },
): Promise<void> {
  await mkdir(join(dir, 'onnx'), { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], ...folder.config }, null, 2));
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(wordPieceTokenizer(folder.vocab, folder.maxLength)));
  await writeFile(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: folder.maxLength,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    }),
  );
  await writeFile(join(dir, 'onnx', 'model.onnx'), encodeOnnxModel(folder.model));
}

/** tokenizer.json as the `tokenizers` library writes it for bert-base-uncased, over our own vocab. */
function wordPieceTokenizer(vocab: readonly string[], maxLength: number): Record<string, unknown> {
  const id = (token: string): number => vocab.indexOf(token);
  const special = (token: string) => ({ SpecialToken: { id: token, type_id: 0 } });
  return {
    version: '1.0',
    truncation: { direction: 'Right', max_length: maxLength, strategy: 'LongestFirst', stride: 0 },
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({ id: id(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
      pair: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]'), { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((token, i) => [token, i])),
    },
  };
}

/** Words the tests use; anything else tokenizes to [UNK]. */
const TEST_WORDS = (
  'how do i reset my password can you please what is the capital of france where order ' +
  'recommend a good movie first second text hello world cache hit miss , . ? ! ##s ##ing ##ed'
).split(' ');

/**
 * A tiny BERT-shaped encoder: last_hidden_state = tanh((word[input_ids] + type[token_type_ids]) · W)
 * × attention_mask, hidden size `hidden`. Enough for the pipeline's pooling and normalization to
 * have something to work on; it has no attention, so a token's output never depends on padding.
 */
export async function writeTinyBertModel(dir: string, options: { seed: number; hidden?: number }): Promise<{ dimensions: number }> {
  const hidden = options.hidden ?? 16;
  const vocab = bertVocab(TEST_WORDS);
  const f = (name: string, dims: number[], seed: number): Tensor => ({
    name,
    dims,
    dataType: ONNX_FLOAT,
    data: seededFloats(seed, dims.reduce((a, b) => a * b, 1)),
  });
  const model: OnnxModel = {
    opset: 14,
    inputs: (['input_ids', 'attention_mask', 'token_type_ids'] as const).map((name) => ({ name, elemType: ONNX_INT64, shape: ['batch', 'sequence'] })),
    outputs: [{ name: 'last_hidden_state', elemType: ONNX_FLOAT, shape: ['batch', 'sequence', hidden] }],
    initializers: [
      f('word_embeddings', [vocab.length, hidden], options.seed),
      f('token_type_embeddings', [2, hidden], options.seed + 1),
      f('projection', [hidden, hidden], options.seed + 2),
      { name: 'last_axis', dims: [1], dataType: ONNX_INT64, data: BigInt64Array.from([-1n]) },
    ],
    nodes: [
      { op: 'Gather', inputs: ['word_embeddings', 'input_ids'], outputs: ['words'] },
      { op: 'Gather', inputs: ['token_type_embeddings', 'token_type_ids'], outputs: ['types'] },
      { op: 'Add', inputs: ['words', 'types'], outputs: ['embedded'] },
      { op: 'MatMul', inputs: ['embedded', 'projection'], outputs: ['projected'] },
      { op: 'Tanh', inputs: ['projected'], outputs: ['activated'] },
      { op: 'Cast', inputs: ['attention_mask'], outputs: ['mask_float'], attributes: { to: ONNX_FLOAT } },
      { op: 'Unsqueeze', inputs: ['mask_float', 'last_axis'], outputs: ['mask'] },
      { op: 'Mul', inputs: ['activated', 'mask'], outputs: ['last_hidden_state'] },
    ],
  };
  await writeBertFolder(dir, {
    vocab,
    model,
    maxLength: 128,
    config: { hidden_size: hidden, vocab_size: vocab.length, num_hidden_layers: 1, num_attention_heads: 1, max_position_embeddings: 128 },
  });
  return { dimensions: hidden };
}
