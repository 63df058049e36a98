/**
 * How the emulators decide to call tools, the same for every vendor: a user message saying
 * "call <tool>" (or "call <a> and <b>") asks for those tools; required string arguments are filled
 * with the word after "for" ("call get_weather for Paris" → {location: "Paris"}), others with "test".
 */
export interface ToolDeclaration {
  name: string;
  required: string[];
}

export function requestedTools(text: string, tools: ToolDeclaration[], forced: string | 'any' | null): Array<{ name: string; args: Record<string, string> }> {
  const subject = /\bfor\s+([A-Z][\w-]*)/.exec(text)?.[1] ?? 'test';
  const named = tools.filter((t) => new RegExp(`\\bcall\\b[^.]*\\b${t.name}\\b`).test(text));
  const chosen = named.length > 0 ? named : forced === 'any' ? tools.slice(0, 1) : tools.filter((t) => t.name === forced);
  return chosen.map((tool) => ({ name: tool.name, args: Object.fromEntries(tool.required.map((p) => [p, subject])) }));
}

/** The `required` list of a JSON schema, if any. */
export function requiredOf(schema: unknown): string[] {
  const required = (schema as { required?: unknown } | undefined)?.required;
  return Array.isArray(required) ? required.filter((r): r is string => typeof r === 'string') : [];
}
