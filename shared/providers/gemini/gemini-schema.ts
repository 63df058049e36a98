import { invalidRequest } from '../../errors/gateway-error.js';

/**
 * Keywords that constrain which values are valid but that Gemini's JSON Schema support
 * (`parametersJsonSchema` / `responseJsonSchema`) does not implement. Gemini would accept the schema
 * and ignore them, so the model could produce values the client's schema forbids: refused instead.
 * Its documented subset: $id, $defs, $ref, $anchor, type, format, title, description, enum, items,
 * prefixItems, minItems, maxItems, minimum, maximum, anyOf, oneOf, properties, additionalProperties,
 * required, propertyOrdering. Other keywords (pattern, minLength, $schema…) are accepted on the wire,
 * as the recordings show, and pass through.
 */
const UNEXPRESSIBLE = [
  'not',
  'if',
  'then',
  'else',
  'dependentSchemas',
  'dependentRequired',
  'dependencies',
  'patternProperties',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contains',
] as const;

type Schema = Record<string, unknown>;

/**
 * A client JSON schema in the form Gemini can honour, as a new object (the request is not changed).
 * Adaptations: `const` → a one-value `enum`; an `allOf` of one schema → that schema merged in;
 * a `$ref` with sibling keywords (Gemini allows only `$`-keywords beside it) → `anyOf: [{$ref}]`.
 * Throws a 400 naming the keyword's path (under `param`) for what cannot be expressed.
 */
export function toGeminiSchema(schema: Schema, param: string): Schema {
  return adapt(schema, param);
}

function adapt(input: Schema, path: string): Schema {
  let schema: Schema = { ...input };
  for (const keyword of UNEXPRESSIBLE) {
    if (keyword in schema) throw invalidRequest(`Gemini cannot enforce the JSON Schema keyword '${keyword}'.`, `${path}.${keyword}`);
  }
  if ('allOf' in schema) {
    const parts = schema.allOf;
    if (!Array.isArray(parts) || parts.length !== 1 || !isSchema(parts[0])) {
      throw invalidRequest("Gemini cannot enforce 'allOf' with more than one schema.", `${path}.allOf`);
    }
    const { allOf: _allOf, ...rest } = schema;
    schema = { ...parts[0], ...rest };
  }
  if ('const' in schema) {
    const { const: value, ...rest } = schema;
    if (typeof value !== 'string' && typeof value !== 'number') throw invalidRequest("Gemini's enum takes only strings and numbers.", `${path}.const`);
    schema = { ...rest, enum: [value] };
  }
  if (typeof schema.$ref === 'string' && Object.keys(schema).some((key) => !key.startsWith('$'))) {
    const { $ref, ...rest } = schema;
    schema = { ...rest, anyOf: [{ $ref }] };
  }
  for (const key of ['properties', '$defs', 'definitions'] as const) {
    const map = schema[key];
    if (isSchema(map)) {
      schema[key] = Object.fromEntries(Object.entries(map).map(([name, sub]) => [name, isSchema(sub) ? adapt(sub, `${path}.${key}.${name}`) : sub]));
    }
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    const sub = schema[key];
    if (isSchema(sub)) schema[key] = adapt(sub, `${path}.${key}`);
  }
  for (const key of ['anyOf', 'oneOf', 'prefixItems'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) schema[key] = list.map((sub, i) => (isSchema(sub) ? adapt(sub, `${path}.${key}[${i}]`) : sub));
  }
  return schema;
}

function isSchema(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
