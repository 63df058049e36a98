import type { RouteTarget, SwitchyardConfig } from '../config/config-schema.js';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * The route for what a client put in `model`: a configured alias, or `deployment/model` addressing
 * one deployment directly. Unknown models are a 404 `model_not_found`, as OpenAI answers.
 */
export function resolveRoute(config: Pick<SwitchyardConfig, 'models' | 'deployments'>, model: string): RouteTarget[] {
  const route = config.models[model];
  if (route) return route;
  const slash = model.indexOf('/');
  if (slash > 0) {
    const deployment = model.slice(0, slash);
    const vendorModel = model.slice(slash + 1);
    if (config.deployments[deployment] && vendorModel) return [{ deployment, model: vendorModel }];
  }
  throw new GatewayError('model_not_found', `The model '${model}' does not exist or you do not have access to it.`, { param: 'model' });
}
