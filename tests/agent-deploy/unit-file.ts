/**
 * Reading a systemd unit file and a Markdown section, for the tests that compare the unit
 * with the operator doc. Pure.
 */

/** Every `Key=value` of a unit, in order; repeated keys keep each value (systemd's list settings). */
export function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`not a setting: ${line}`);
    const key = line.slice(0, eq).trim();
    settings.set(key, [...(settings.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return settings;
}

/** The capabilities a unit keeps: its CapabilityBoundingSet (an allow list). */
export function unitCapabilities(settings: Map<string, string[]>): Set<string> {
  const values = settings.get('CapabilityBoundingSet') ?? [];
  if (values.some((v) => v.startsWith('~'))) throw new Error('CapabilityBoundingSet must be an allow list, not ~deny');
  return new Set(values.join(' ').split(/\s+/).filter((c) => c !== ''));
}

/** The text of a Markdown section from its heading to the next heading of the same or a higher level. */
export function docSection(doc: string, heading: string): string {
  const start = doc.split('\n').findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const level = heading.indexOf(' ');
  const lines = doc.split('\n').slice(start + 1);
  // A "# comment" inside a fenced code block is not a heading.
  let fenced = false;
  const end = lines.findIndex((l) => {
    if (l.startsWith('```')) fenced = !fenced;
    return !fenced && /^#+ /.test(l) && l.indexOf(' ') <= level;
  });
  return lines.slice(0, end < 0 ? undefined : end).join('\n');
}
