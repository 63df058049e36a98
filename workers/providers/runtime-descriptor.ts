import type { DeploymentConfig } from '../../shared/config/config-schema.js';
import type { ProviderName } from '../../shared/providers/provider-names.js';
import type { ProviderRuntime } from './provider-runtime.js';

/**
 * How workers build one provider's runtime, exported by its folder and listed once in
 * `runtime-registry.ts`. `create` is where a deployment's credentials, baseURL and defaults meet the
 * vendor SDK; only entry points call it (through createRuntime).
 */
export interface RuntimeDescriptor<Name extends ProviderName = ProviderName> {
  readonly provider: Name;
  create(deployment: DeploymentConfig): ProviderRuntime;
}
