import { readFileSync } from 'node:fs';
import { ONNX_FLOAT, ONNX_INT64, type OnnxNode, type Tensor } from '../../test/helpers/onnx-protobuf.js';
import { bertVocab, seededFloats, writeBertFolder } from '../../test/helpers/tiny-onnx-model.js';

/**
 * A BERT encoder with all-MiniLM-L6-v2's shape (vocab 30522, hidden 384, 6 layers, 12 heads,
 * intermediate 1536, 512 positions) and deterministic random weights, written as a Hugging Face ONNX
 * export folder (~90 MB). Its compute per token is the real model's; its vectors mean nothing, so it
 * measures latency only, never quality.
 *
 * The graph is the plain BERT forward pass: word + position + token-type embeddings and LayerNorm;
 * per layer Q/K/V projections, scaled dot-product attention with the attention mask as an additive
 * bias, output projection, residual + LayerNorm, FFN with GELU in its Erf form, residual + LayerNorm.
 */
export const MINILM_L6_SHAPE = { vocab: 30_522, hidden: 384, layers: 6, heads: 12, intermediate: 1536, positions: 512 } as const;

/** BERT's initializer range: weights ~ U(-a, a) with standard deviation 0.02. */
const WEIGHT_SCALE = 0.02 * Math.sqrt(3);

/**
 * The vocab: the words of bench/cache/eval-pairs.json (real English prompts, so tokenization has a
 * realistic length), letters, digits, punctuation and common suffix pieces, padded with `[unusedN]`.
 */
function englishVocab(size: number): string[] {
  const pairs = JSON.parse(readFileSync(new URL('./eval-pairs.json', import.meta.url), 'utf8')) as { pairs: { a: string; b: string }[] };
  const words = pairs.pairs.flatMap((p) => `${p.a} ${p.b}`.toLowerCase().match(/[a-z0-9]+/g) ?? []);
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
  const pieces = [...letters.map((l) => `##${l}`), '##s', '##es', '##ed', '##ing', '##ly', '##er', '##est', '##tion', '##ment'];
  const punctuation = '.,?!:;\'"()-/&%$#@*+=<>[]{}'.split('');
  const vocab = bertVocab([...punctuation, ...letters, ...pieces, ...words]);
  for (let i = 0; vocab.length < size; i++) vocab.push(`[unused${i}]`);
  return vocab.slice(0, size);
}

/** Writes the folder into `dir` (created); same seed, same bytes. */
export async function writeMiniLmShapedModel(dir: string, seed = 42): Promise<void> {
  const { vocab: vocabSize, hidden, layers, heads, intermediate, positions } = MINILM_L6_SHAPE;
  const headSize = hidden / heads;
  const initializers: Tensor[] = [];
  const nodes: OnnxNode[] = [];
  let nextSeed = seed;
  const weight = (name: string, dims: number[]): string => {
    initializers.push({ name, dims, dataType: ONNX_FLOAT, data: seededFloats(nextSeed++, dims.reduce((a, b) => a * b, 1), WEIGHT_SCALE) });
    return name;
  };
  const constant = (name: string, dims: number[], values: number[]): string => {
    initializers.push({ name, dims, dataType: ONNX_FLOAT, data: Float32Array.from(values) });
    return name;
  };
  const ints = (name: string, values: number[]): string => {
    initializers.push({ name, dims: [values.length], dataType: ONNX_INT64, data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  };
  const op = (type: string, inputs: string[], output: string, attributes?: OnnxNode['attributes']): string => {
    nodes.push({ op: type, inputs, outputs: [output], ...(attributes ? { attributes } : {}) });
    return output;
  };
  const layerNorm = (x: string, name: string): string =>
    op('LayerNormalization', [x, constant(`${name}.gamma`, [hidden], Array(hidden).fill(1)), constant(`${name}.beta`, [hidden], Array(hidden).fill(0))], `${name}.out`, {
      axis: -1,
      epsilon: { float: 1e-12 },
    });
  const linear = (x: string, name: string, inDim: number, outDim: number): string =>
    op('Add', [op('MatMul', [x, weight(`${name}.weight`, [inDim, outDim])], `${name}.mm`), weight(`${name}.bias`, [outDim])], `${name}.out`);

  // Embeddings. Positions 0..S-1 are the first S rows of the position table.
  const words = op('Gather', [weight('embeddings.word', [vocabSize, hidden]), 'input_ids'], 'emb.words');
  const seqLen = op('Shape', ['input_ids'], 'emb.seq_len', { start: 1, end: 2 });
  const posRows = op('Slice', [weight('embeddings.position', [positions, hidden]), ints('zero', [0]), seqLen, ints('axis0', [0])], 'emb.positions');
  const types = op('Gather', [weight('embeddings.token_type', [2, hidden]), 'token_type_ids'], 'emb.types');
  let x = layerNorm(op('Add', [op('Add', [words, posRows], 'emb.wp'), types], 'emb.sum'), 'emb.ln');

  // Attention mask → additive bias [B, 1, 1, S]: 0 where attended, -10000 on padding (as BERT does).
  const maskFloat = op('Cast', ['attention_mask'], 'mask.float', { to: ONNX_FLOAT });
  const inverted = op('Sub', [constant('one', [], [1]), maskFloat], 'mask.inverted');
  const bias = op('Unsqueeze', [op('Mul', [inverted, constant('neg', [], [-10000])], 'mask.scaled'), ints('axes12', [1, 2])], 'mask.bias');
  const splitShape = ints('split_heads', [0, 0, heads, headSize]);
  const mergeShape = ints('merge_heads', [0, 0, hidden]);
  const scale = constant('attn_scale', [], [1 / Math.sqrt(headSize)]);
  const half = constant('half', [], [0.5]);
  const sqrt2 = constant('sqrt2', [], [Math.SQRT2]);

  for (let l = 0; l < layers; l++) {
    const p = `layer${l}`;
    const heads4 = (name: string, perm: number[]): string =>
      op('Transpose', [op('Reshape', [linear(x, `${p}.${name}`, hidden, hidden), splitShape], `${p}.${name}.split`)], `${p}.${name}.t`, { perm });
    const q = heads4('query', [0, 2, 1, 3]);
    const k = heads4('key', [0, 2, 3, 1]);
    const v = heads4('value', [0, 2, 1, 3]);
    const scores = op('Add', [op('Mul', [op('MatMul', [q, k], `${p}.qk`), scale], `${p}.scaled`), bias], `${p}.masked`);
    const probs = op('Softmax', [scores], `${p}.probs`, { axis: -1 });
    const context = op('Reshape', [op('Transpose', [op('MatMul', [probs, v], `${p}.ctx`)], `${p}.ctx.t`, { perm: [0, 2, 1, 3] }), mergeShape], `${p}.ctx.merged`);
    const attended = layerNorm(op('Add', [linear(context, `${p}.attn_out`, hidden, hidden), x], `${p}.attn_res`), `${p}.attn_ln`);
    const h = linear(attended, `${p}.ffn_in`, hidden, intermediate);
    const erf = op('Erf', [op('Div', [h, sqrt2], `${p}.gelu.div`)], `${p}.gelu.erf`);
    const gelu = op('Mul', [op('Mul', [h, half], `${p}.gelu.half`), op('Add', [erf, constant(`${p}.gelu.one`, [], [1])], `${p}.gelu.plus1`)], `${p}.gelu`);
    x = layerNorm(op('Add', [linear(gelu, `${p}.ffn_out`, intermediate, hidden), attended], `${p}.ffn_res`), `${p}.ffn_ln`);
  }
  nodes.push({ op: 'Identity', inputs: [x], outputs: ['last_hidden_state'] });

  await writeBertFolder(dir, {
    vocab: englishVocab(vocabSize),
    maxLength: positions,
    model: {
      opset: 17,
      initializers,
      nodes,
      inputs: (['input_ids', 'attention_mask', 'token_type_ids'] as const).map((name) => ({ name, elemType: ONNX_INT64, shape: ['batch', 'sequence'] })),
      outputs: [{ name: 'last_hidden_state', elemType: ONNX_FLOAT, shape: ['batch', 'sequence', hidden] }],
    },
    config: {
      hidden_size: hidden,
      vocab_size: vocabSize,
      num_hidden_layers: layers,
      num_attention_heads: heads,
      intermediate_size: intermediate,
      max_position_embeddings: positions,
      hidden_act: 'gelu',
      type_vocab_size: 2,
    },
  });
}
