/**
 * Tool names are DNS labels (RFC 1123): lowercase letters, digits and hyphens, not starting or
 * ending with a hyphen. The namespace `tool-<name>` must itself be a label (at most 63
 * characters), so a name has at most 58.
 */
const TOOL_NAME = /^[a-z0-9](?:[a-z0-9-]{0,56}[a-z0-9])?$/;

export const TOOL_NAMESPACE_PREFIX = 'tool-';

export function isValidToolName(name: unknown): name is string {
  return typeof name === 'string' && TOOL_NAME.test(name);
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Cloud VPS project and VM names follow the same DNS-label rule, without the namespace prefix limit. */
export function isDnsLabel(name: unknown): name is string {
  return typeof name === 'string' && DNS_LABEL.test(name);
}
