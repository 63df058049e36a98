export { FaultPlan, type EmulatorFault } from './fault-plan.js';
export type { Emulator, RecordedRequest } from './emulator-server.js';
export { recordedErrorFault } from './recorded-errors.js';
export { openAIErrorFault, startOpenAIEmulator, type OpenAIEmulator } from './openai-emulator.js';
export { startAnthropicEmulator } from './anthropic-emulator.js';
export { startGeminiEmulator } from './gemini-emulator.js';
