import type { RouteTarget, SwitchyardConfig } from '../config/config-schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import { resolveRoute } from './resolve-route.js';

/** Per-request fallbacks: `none` (primary only), or models whose routes follow the primary target. */
export type FallbackOverride = 'none' | string[];

/**
 * Parses `x-switchyard-fallbacks`: `none`, or a comma-separated list of model aliases or
 * `deployment/model` names. Undefined when the header is absent.
 */
export function parseFallbacksHeader(value: string | undefined): FallbackOverride | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === 'none') return 'none';
  const models = trimmed.split(',').map((m) => m.trim()).filter(Boolean);
  if (models.length === 0) throw new GatewayError('invalid_request', "'x-switchyard-fallbacks' must be 'none' or a comma-separated list of models.", { param: 'x-switchyard-fallbacks' });
  return models;
}

/** The route for a model with a request's fallback override applied (targets deduplicated, order kept). */
export function routeWithOverrides(config: Pick<SwitchyardConfig, 'models' | 'deployments'>, model: string, fallbacks: FallbackOverride | undefined): RouteTarget[] {
  const route = resolveRoute(config, model);
  if (fallbacks === undefined) return route;
  if (fallbacks === 'none') return route.slice(0, 1);
  const targets = [route[0]!];
  for (const fallback of fallbacks) {
    let resolved: RouteTarget[];
    try {
      resolved = resolveRoute(config, fallback);
    } catch {
      throw new GatewayError('model_not_found', `The fallback model '${fallback}' does not exist.`, { param: 'x-switchyard-fallbacks' });
    }
    for (const target of resolved) {
      if (!targets.some((t) => t.deployment === target.deployment && t.model === target.model)) targets.push(target);
    }
  }
  return targets;
}
