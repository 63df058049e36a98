import { parse } from 'yaml';

/** Thrown when a `${VAR:?message}` (or `${VAR?message}`) variable is missing. */
export class MissingVariableError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'MissingVariableError';
  }
}

type Env = Record<string, string | undefined>;

// ${NAME}, ${NAME<op><word>} with op one of :- - :? ? :+ +, or $NAME; `$$` is a literal dollar sign.
const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Docker Compose's variable interpolation of one string (the subset of the Compose specification
 * without nesting): what `docker compose config` does with the host environment. Throws
 * MissingVariableError for a required variable that is unset (or empty, for `:?`).
 */
export function interpolate(text: string, env: Env): string {
  return text.replace(VARIABLE, (match, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = env[name];
    const unset = value === undefined;
    const empty = unset || value === '';
    switch (op) {
      case undefined:
        return value ?? '';
      case ':-':
        return empty ? (word ?? '') : value!;
      case '-':
        return unset ? (word ?? '') : value!;
      case ':?':
        if (empty) throw new MissingVariableError(name, word ?? 'required');
        return value!;
      case '?':
        if (unset) throw new MissingVariableError(name, word ?? 'required');
        return value!;
      case ':+':
        return empty ? '' : (word ?? '');
      default:
        return unset ? '' : (word ?? '');
    }
  });
}

/** Interpolates every string in a parsed YAML tree (keys stay as written). */
export function interpolateTree(value: unknown, env: Env): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateTree(v, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateTree(v, env)]));
  return value;
}

/** Parses a compose file as Compose does: YAML 1.1 merge keys (`<<: *anchor`) resolved. */
export function parseCompose(text: string): unknown {
  return parse(text, { merge: true });
}

/** A Compose duration (`30s`, `1m30s`, `500ms`, `1h`) in ms. Throws RangeError on anything else. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new RangeError(`not a compose duration: ${text}`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
}
