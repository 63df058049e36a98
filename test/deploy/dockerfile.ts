/** One `FROM` stage of a Dockerfile, with the instructions the deployment tests look at. */
export interface DockerStage {
  name: string | undefined;
  from: string;
  /** Instruction keywords in order (upper case). */
  instructions: string[];
  /** Each RUN split on `&&` into single commands, trimmed. */
  run: string[];
  /** COPY instructions: `--from` stage (undefined = build context) and the remaining arguments. */
  copy: Array<{ from?: string; args: string[] }>;
  /** The last USER, if any. */
  user: string | undefined;
  /** Exec-form ENTRYPOINT, CMD and HEALTHCHECK CMD (shell forms are not used here, so they stay undefined). */
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
  healthcheck: string[] | undefined;
}

/**
 * Splits a Dockerfile into stages (enough of the syntax for our own Dockerfile: comments,
 * `\` continuations, exec-form JSON arrays, `COPY --from=`). Throws on an instruction before FROM
 * other than ARG.
 */
export function dockerfileStages(text: string): DockerStage[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = keyword.toUpperCase();
    if (instruction === 'FROM') {
      const [from = '', as, name] = rest.split(/\s+/);
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : undefined, from, instructions: [], run: [], copy: [], user: undefined, entrypoint: undefined, cmd: undefined, healthcheck: undefined });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (instruction === 'ARG') continue;
      throw new Error(`${instruction} before the first FROM`);
    }
    stage.instructions.push(instruction);
    if (instruction === 'RUN') stage.run.push(...rest.split('&&').map((c) => c.trim()));
    if (instruction === 'COPY') {
      const args = rest.split(/\s+/);
      const from = args.find((a) => a.startsWith('--from='))?.slice('--from='.length);
      stage.copy.push({ ...(from === undefined ? {} : { from }), args: args.filter((a) => !a.startsWith('--')) });
    }
    if (instruction === 'USER') stage.user = rest;
    if (instruction === 'ENTRYPOINT') stage.entrypoint = execForm(rest);
    if (instruction === 'CMD') stage.cmd = execForm(rest);
    if (instruction === 'HEALTHCHECK') {
      const cmd = /\bCMD\s+(\[.*\])\s*$/.exec(rest);
      stage.healthcheck = cmd?.[1] ? execForm(cmd[1]) : undefined;
    }
  }
  return stages;
}

function execForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) && parsed.every((p) => typeof p === 'string') ? parsed : undefined;
}

/**
 * Whether `.dockerignore` keeps `path` (relative to the context) out of the build context: the
 * last matching pattern wins, `!` re-includes, and a path under an ignored directory is ignored.
 */
export function dockerignored(dockerignore: string, path: string): boolean {
  const rules = dockerignore
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({ negate: l.startsWith('!'), pattern: globToRegExp(l.replace(/^!/, '').replace(/^\/+|\/+$/g, '')) }));
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.pattern.test(c))) ignored = !rule.negate;
  }
  return ignored;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
