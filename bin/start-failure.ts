import { YAMLError } from 'yaml';
import { ConfigError } from '../shared/config/load-config.js';

/** A start-up failure the operator can fix: printed as one paragraph, without a stack trace. */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/**
 * What to tell the operator when start-up fails: the expected failures (unreadable or invalid
 * config, bad YAML, a port taken or not allowed, no Redis) as a plain message; anything else as
 * its message, and its stack only when `withStack` (debug logging) is on.
 */
export function describeStartupFailure(err: unknown, listen: { host: string; port: number } | null, withStack: boolean): string {
  if (err instanceof StartupError || err instanceof ConfigError) return err.message;
  if (err instanceof YAMLError) {
    // The parser's message ends with a code excerpt on further lines; its first line names the place.
    const where = err.message.split('\n')[0]!.replace(/:$/, '');
    return `The configuration file is not valid YAML: ${where}. Fix it (the file is SWITCHYARD_CONFIG, or ./switchyard.yaml).`;
  }
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const syscall = (err as NodeJS.ErrnoException | null)?.syscall;
  if (listen && syscall === 'listen') {
    const at = `${listen.host}:${listen.port}`;
    if (code === 'EADDRINUSE') return `Port ${listen.port} is already in use (${at}). Stop the process using it, or set PORT (or server.port) to a free port.`;
    if (code === 'EACCES') return `No permission to listen on ${at}. Use a port above 1023, or set PORT (or server.port).`;
    if (code === 'EADDRNOTAVAIL') return `Cannot listen on ${at}: the address is not on this machine. Set server.host to a local address (e.g. 0.0.0.0).`;
  }
  if ((syscall === 'open' || syscall === 'read') && (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')) {
    return `Cannot read the configuration: ${(err as Error).message}.`;
  }
  const message = err instanceof Error ? err.message : String(err);
  const stack = withStack && err instanceof Error && err.stack ? `\n${err.stack}` : ' (set LOG_LEVEL=debug for the stack trace)';
  return `Failed to start: ${message}${stack}`;
}
