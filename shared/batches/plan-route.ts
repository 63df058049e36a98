import type { ChatRequest } from '../canonical/chat-request.js';
import type { RouteTarget, SwitchyardConfig } from '../config/config-schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import { TRANSLATORS } from '../providers/translators.js';
import { resolveRoute } from '../routing/resolve-route.js';

/**
 * The targets of a request's route that can take it, with JobSubmitter.plan's semantics (no
 * per-request fallback override: a batch line has no headers). A target whose vendor cannot take
 * a part or parameter is left out; when none can, the first target's error is thrown.
 * @throws GatewayError model_not_found for an unknown model, or the first target's translation error.
 */
export function planRoute(config: Pick<SwitchyardConfig, 'models' | 'deployments'>, request: ChatRequest): RouteTarget[] {
  const route = resolveRoute(config, request.model);
  let firstError: GatewayError | undefined;
  const usable = route.filter((target) => {
    const provider = config.deployments[target.deployment]!.provider;
    try {
      TRANSLATORS[provider].toVendorRequest(request, target.model);
      return true;
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      firstError ??= err;
      return false;
    }
  });
  if (usable.length === 0) throw firstError!;
  return usable;
}
