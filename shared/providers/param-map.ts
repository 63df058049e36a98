import { GatewayError } from '../errors/gateway-error.js';
import type { ChatRequest, ChatRequestField } from '../canonical/chat-request.js';

/**
 * A provider's decision for one canonical request field:
 * - `copy`: send it under the same name, unchanged;
 * - `map`: return the vendor fields it becomes (an object merged into the vendor body, never a path);
 * - `drop`: not sent, with the reason (only for fields that change nothing the client can observe);
 * - `reject`: a 400 naming the field, with the reason.
 * `map` and `reject` may also be conditional: `map` can throw a GatewayError for a value it cannot take.
 */
export type FieldRule<Value, VendorBody> =
  | { kind: 'copy' }
  | { kind: 'map'; map: (value: NonNullable<Value>, request: ChatRequest) => Partial<VendorBody> }
  | { kind: 'drop'; reason: string }
  | { kind: 'reject'; reason: string };

/** A rule for every canonical field: a new canonical field fails to compile until each map decides. */
export type ParamMap<VendorBody> = { [F in ChatRequestField]-?: FieldRule<ChatRequest[F], VendorBody> };

/**
 * Applies a parameter map to a request. Fields absent or null are skipped. Throws
 * `unsupported_parameter` (400, naming the field) for a rejected field.
 */
export function applyParamMap<VendorBody extends object>(
  map: ParamMap<VendorBody>,
  request: ChatRequest,
  base: Partial<VendorBody>,
): Partial<VendorBody> {
  const body: Record<string, unknown> = { ...base };
  for (const field of Object.keys(request) as ChatRequestField[]) {
    const value = request[field];
    if (value === undefined || value === null) continue;
    const rule = map[field] as FieldRule<typeof value, VendorBody>;
    switch (rule.kind) {
      case 'copy':
        body[field] = value;
        break;
      case 'map':
        Object.assign(body, rule.map(value as NonNullable<typeof value>, request));
        break;
      case 'drop':
        break;
      case 'reject':
        throw new GatewayError('unsupported_parameter', `'${field}' is not supported by this provider: ${rule.reason}`, {
          param: field,
        });
    }
  }
  return body as Partial<VendorBody>;
}
