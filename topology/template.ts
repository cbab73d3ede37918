/** A `{name}` template compiled once: literal parts and placeholder names, alternating. */
export interface Template {
  readonly parts: readonly string[];
  readonly names: readonly string[];
}

const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g;

/** Compiles a template; returns the placeholder names it uses that are not in `allowed`. */
export function compileTemplate(text: string, allowed: ReadonlySet<string>): { template: Template; unknown: string[] } {
  const parts: string[] = [];
  const names: string[] = [];
  const unknown: string[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    parts.push(text.slice(last, match.index));
    names.push(match[1]!);
    if (!allowed.has(match[1]!)) unknown.push(match[1]!);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return { template: { parts, names }, unknown };
}

/** Missing values render as ''. */
export function renderTemplate(template: Template, values: Readonly<Record<string, string | undefined>>): string {
  let out = template.parts[0]!;
  for (let i = 0; i < template.names.length; i++) {
    out += (values[template.names[i]!] ?? '') + template.parts[i + 1]!;
  }
  return out;
}
