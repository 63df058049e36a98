import type { RuntimeDescriptor } from '../runtime-descriptor.js';
import { createMockRuntime } from './mock-runtime.js';

/** The built-in mock: no SDK, no key, no network. */
export const mockRuntimeDescriptor: RuntimeDescriptor<'mock'> = {
  provider: 'mock',
  create: () => createMockRuntime(),
};
