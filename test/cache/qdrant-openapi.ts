import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Qdrant's own OpenAPI document (3.0.1), shipped read-only beside the repository (../shared/fixtures). */
export const QDRANT_OPENAPI_PATH = fileURLToPath(new URL('../../../shared/fixtures/qdrant/openapi-v1.19.x.json', import.meta.url));

const DOC_ID = 'qdrant-openapi.json';

interface Operation {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
  readonly queryParams: ReadonlyMap<string, { required: boolean; validate: ValidateFunction }>;
  readonly body: { required: boolean; validate: ValidateFunction } | undefined;
  readonly ok: ValidateFunction | undefined;
}

/** The operation a request resolved to, and everything wrong with the request. */
export interface CheckedRequest {
  readonly operation: Operation | undefined;
  readonly pathParams: Readonly<Record<string, string>>;
  readonly problems: readonly string[];
}

// ajv-formats is CommonJS with a default export; under NodeNext its callable is the module itself.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;

/**
 * Validates HTTP traffic against Qdrant's OpenAPI document with Ajv: path and method must exist,
 * query parameters and JSON bodies must match their schemas (components resolved by $ref).
 * OpenAPI 3.0's `nullable` is rewritten to JSON Schema (`type: [T, 'null']`) before compiling, and
 * Qdrant's integer formats (uint, uint64, ...) are registered as non-negative integers.
 */
export class QdrantOpenApi {
  readonly #operations: Operation[] = [];

  constructor(documentPath = QDRANT_OPENAPI_PATH) {
    const document = toJsonSchema(JSON.parse(readFileSync(documentPath, 'utf8'))) as OpenApiDocument;
    const ajv = newAjv(false);
    const coercing = newAjv(true);
    ajv.addSchema({ ...document, $id: DOC_ID });
    coercing.addSchema({ ...document, $id: DOC_ID });
    for (const [template, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue;
        const base = `/paths/${pointer(template)}/${method}`;
        const queryParams = new Map<string, { required: boolean; validate: ValidateFunction }>();
        (op.parameters ?? []).forEach((param, i) => {
          if (param.in !== 'query') return;
          const schema = { type: 'object', properties: { value: { $ref: ref(`${base}/parameters/${i}/schema`) } } };
          queryParams.set(param.name, { required: param.required === true, validate: coercing.compile(schema) });
        });
        const hasJsonBody = op.requestBody?.content?.['application/json'] !== undefined;
        const okContent = op.responses?.['200']?.content?.['application/json'];
        this.#operations.push({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
          paramNames: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? ''),
          queryParams,
          body: hasJsonBody
            ? { required: op.requestBody?.required === true, validate: ajv.compile({ $ref: ref(`${base}/requestBody/content/${pointer('application/json')}/schema`) }) }
            : undefined,
          ok: okContent === undefined ? undefined : ajv.compile({ $ref: ref(`${base}/responses/200/content/${pointer('application/json')}/schema`) }),
        });
      }
    }
    // Literal segments win over templates (/collections/aliases before /collections/{name}).
    this.#operations.sort((a, b) => a.paramNames.length - b.paramNames.length);
  }

  /** Resolves and validates one request; `body` is the parsed JSON or undefined when there was none. */
  checkRequest(method: string, pathname: string, query: URLSearchParams, body: unknown): CheckedRequest {
    const problems: string[] = [];
    const operation = this.#operations.find((op) => op.method === method && op.pattern.test(pathname));
    if (operation === undefined) return { operation, pathParams: {}, problems: [`no operation ${method} ${pathname}`] };
    const values = operation.pattern.exec(pathname)?.slice(1) ?? [];
    const pathParams = Object.fromEntries(operation.paramNames.map((name, i) => [name, decodeURIComponent(values[i] ?? '')]));
    for (const [name, value] of query) {
      const param = operation.queryParams.get(name);
      if (param === undefined) problems.push(`unknown query parameter ${name}`);
      else if (!param.validate({ value })) problems.push(`query ${name}=${value}: ${describe(param.validate)}`);
    }
    for (const [name, param] of operation.queryParams) {
      if (param.required && !query.has(name)) problems.push(`missing query parameter ${name}`);
    }
    if (body !== undefined && operation.body === undefined) problems.push('body sent to an operation without one');
    if (body === undefined && operation.body?.required === true) problems.push('missing required body');
    if (body !== undefined && operation.body !== undefined && !operation.body.validate(body)) {
      problems.push(`body: ${describe(operation.body.validate)}`);
    }
    return { operation, pathParams, problems };
  }

  /** Problems with a 200 response body for an operation (empty when it matches the document). */
  checkOkResponse(operation: Operation, body: unknown): string[] {
    if (operation.ok === undefined || operation.ok(body)) return [];
    return [`response to ${operation.method} ${operation.template}: ${describe(operation.ok)}`];
  }
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { required?: boolean; content?: Record<string, unknown> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

function newAjv(coerceTypes: boolean): Ajv {
  // strict: false because OpenAPI documents carry keywords JSON Schema does not know (example, ...).
  const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes });
  addFormats(ajv);
  for (const format of ['uint', 'uint8', 'uint16', 'uint32', 'uint64']) {
    ajv.addFormat(format, { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
  }
  ajv.addFormat('partial-date-time', true);
  return ajv;
}

/** OpenAPI 3.0 `nullable: true` -> JSON Schema, everywhere in the document. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = toJsonSchema(value);
  if (out.nullable !== true) return out;
  delete out.nullable;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    return out;
  }
  return Object.keys(out).length === 0 ? { type: 'null' } : { anyOf: [out, { type: 'null' }] };
}

function pointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function ref(jsonPointer: string): string {
  return `${DOC_ID}#${jsonPointer.split('/').map(encodeURIComponent).join('/')}`;
}

function describe(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`).join('; ');
}
