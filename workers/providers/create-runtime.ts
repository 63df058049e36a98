import type { DeploymentConfig } from '../../shared/config/config-schema.js';
import type { ProviderRuntime } from './provider-runtime.js';
import { RUNTIMES } from './runtime-registry.js';

/**
 * Builds the runtime (and its vendor SDK client) of one deployment. Called by entry points only;
 * this is where provider credentials meet the SDKs, and nowhere else.
 */
export function createRuntime(deployment: DeploymentConfig): ProviderRuntime {
  return RUNTIMES[deployment.provider].create(deployment);
}

/** Runtimes for every configured deployment, by deployment name. */
export function createRuntimes(deployments: Record<string, DeploymentConfig>): Map<string, ProviderRuntime> {
  return new Map(Object.entries(deployments).map(([name, deployment]) => [name, createRuntime(deployment)]));
}
