import type { Request } from 'express';
import { z } from 'zod';
import { GatewayError } from '../../shared/errors/gateway-error.js';
import type { PageQuery } from '../../shared/files/team-index.js';

/**
 * Parses OpenAI's list parameters (`after`, `limit`, `order`); out-of-range values are a 400, never
 * clamped. `extra` names further query parameters a route accepts.
 */
export function listQuery(req: Request, limits: { defaultLimit: number; maxLimit: number }, extra: readonly string[] = []): PageQuery & { extra: Record<string, string> } {
  const schema = z
    .object({
      after: z.string().min(1).optional(),
      limit: z.coerce.number().int().min(1).max(limits.maxLimit).optional(),
      order: z.enum(['asc', 'desc']).optional(),
    })
    .catchall(z.string());
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = String(issue.path[0] ?? '');
    throw new GatewayError('invalid_request', `Invalid '${param}': ${issue.message}`, { param });
  }
  const { after, limit, order, ...rest } = parsed.data;
  for (const name of Object.keys(rest)) {
    if (!extra.includes(name)) throw new GatewayError('invalid_request', `Unrecognized request argument supplied: ${name}`, { param: name });
  }
  return { after, limit: limit ?? limits.defaultLimit, order: order ?? 'desc', extra: rest as Record<string, string> };
}

/** OpenAI's list envelope. */
export function listBody<T extends { id: string }>(data: T[], hasMore: boolean) {
  return { object: 'list' as const, data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore };
}
