/**
 * A minimal writer for ONNX `ModelProto` files, enough to build small encoder graphs for tests and
 * benches without a Python toolchain or downloaded weights. Field numbers are those of onnx.proto
 * (ir_version 8 = ONNX 1.10+, which every onnxruntime release we use reads).
 */

/** ONNX TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

type Attribute = number | readonly number[] | Tensor | { readonly float: number };

/** A constant tensor (initializer or attribute value). Floats are stored as little-endian raw_data. */
export interface Tensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: typeof ONNX_FLOAT | typeof ONNX_INT64;
  readonly data: Float32Array | BigInt64Array;
}

export interface OnnxNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Integers (INT / INTS), `{ float }` (FLOAT) or a tensor (TENSOR). */
  readonly attributes?: Readonly<Record<string, Attribute>>;
}

/** A graph input or output: element type and shape, a string dimension being symbolic (`batch`). */
export interface ValueInfo {
  readonly name: string;
  readonly elemType: typeof ONNX_FLOAT | typeof ONNX_INT64;
  readonly shape: readonly (number | string)[];
}

export interface OnnxModel {
  readonly opset: number;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly Tensor[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

/** Serializes a model to the bytes of a `.onnx` file. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const graph = new Message();
  model.nodes.forEach((node, i) => graph.message(1, encodeNode(node, i)));
  graph.string(2, 'graph');
  for (const tensor of model.initializers) graph.message(5, encodeTensor(tensor));
  for (const input of model.inputs) graph.message(11, encodeValueInfo(input));
  for (const output of model.outputs) graph.message(12, encodeValueInfo(output));

  const opset = new Message().string(1, '').varint(2, model.opset);
  return new Message().varint(1, 8).string(2, 'switchyard-test').message(7, graph).message(8, opset).bytes();
}

function encodeNode(node: OnnxNode, index: number): Message {
  const m = new Message();
  for (const input of node.inputs) m.string(1, input);
  for (const output of node.outputs) m.string(2, output);
  m.string(3, `${node.op.toLowerCase()}_${index}`);
  m.string(4, node.op);
  for (const [name, value] of Object.entries(node.attributes ?? {})) m.message(5, encodeAttribute(name, value));
  return m;
}

// AttributeProto.AttributeType: FLOAT = 1, INT = 2, TENSOR = 4, INTS = 7.
function encodeAttribute(name: string, value: Attribute): Message {
  const m = new Message().string(1, name);
  if (typeof value === 'number') return m.varint(3, value).varint(20, 2);
  if (Array.isArray(value)) {
    for (const v of value as readonly number[]) m.varint(8, v);
    return m.varint(20, 7);
  }
  if ('float' in value) return m.float(2, value.float).varint(20, 1);
  return m.message(5, encodeTensor(value as Tensor)).varint(20, 4);
}

function encodeTensor(tensor: Tensor): Message {
  const m = new Message();
  for (const d of tensor.dims) m.varint(1, d);
  m.varint(2, tensor.dataType);
  m.string(8, tensor.name);
  // raw_data is little-endian, which typed arrays are on every platform Node runs on here.
  m.raw(9, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
  return m;
}

function encodeValueInfo(info: ValueInfo): Message {
  const shape = new Message();
  for (const dim of info.shape) shape.message(1, typeof dim === 'number' ? new Message().varint(1, dim) : new Message().string(2, dim));
  const tensorType = new Message().varint(1, info.elemType).message(2, shape);
  return new Message().string(1, info.name).message(2, new Message().message(1, tensorType));
}

/** Protobuf wire format: a list of chunks, concatenated once at the end (models reach ~90 MB). */
class Message {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;

  varint(field: number, value: number): this {
    return this.#key(field, 0).#push(varintBytes(BigInt.asUintN(64, BigInt(value))));
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.#key(field, 5).#push(b);
  }

  string(field: number, value: string): this {
    return this.raw(field, new TextEncoder().encode(value));
  }

  raw(field: number, value: Uint8Array): this {
    return this.#key(field, 2).#push(varintBytes(BigInt(value.length))).#push(value);
  }

  message(field: number, value: Message): this {
    this.#key(field, 2).#push(varintBytes(BigInt(value.#length)));
    for (const chunk of value.#chunks) this.#push(chunk);
    return this;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  #key(field: number, wireType: number): this {
    return this.#push(varintBytes(BigInt((field << 3) | wireType)));
  }

  #push(chunk: Uint8Array): this {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    return this;
  }
}

/** Base-128 varint; negative int64 values arrive here already as their 64-bit two's complement. */
function varintBytes(value: bigint): Uint8Array {
  const out: number[] = [];
  let v = value;
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Uint8Array.from(out);
}
