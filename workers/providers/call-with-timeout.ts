import { GatewayError } from '../../shared/errors/gateway-error.js';

/**
 * Runs `call` with an AbortSignal that fires on the caller's signal or after `timeoutMs`, and tells
 * the two apart: a timeout becomes `timeout`, a caller abort becomes `cancelled`.
 */
export async function callWithTimeout<T>(
  outer: AbortSignal,
  timeoutMs: number,
  call: (signal: AbortSignal, resetTimer: () => void) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  };
  const onAbort = (): void => controller.abort();
  outer.addEventListener('abort', onAbort, { once: true });
  arm();
  try {
    return await call(controller.signal, arm);
  } catch (err) {
    if (timedOut) throw new GatewayError('timeout', `The provider did not answer within ${timeoutMs} ms`, { cause: err });
    if (outer.aborted) throw new GatewayError('cancelled', 'The request was cancelled', { cause: err });
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
    outer.removeEventListener('abort', onAbort);
  }
}
