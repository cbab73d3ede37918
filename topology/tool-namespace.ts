import type { Profile } from './profiles.js';
import { isValidToolName, TOOL_NAMESPACE_PREFIX } from './tool-name.js';

/** `tool-foo` -> `foo`; any other namespace (and every namespace off Kubernetes) -> undefined. */
export function toolFromNamespace(namespace: string, profile: Profile): string | undefined {
  if (profile.platform !== 'toolforge' || typeof namespace !== 'string') return undefined;
  if (!namespace.startsWith(TOOL_NAMESPACE_PREFIX)) return undefined;
  const name = namespace.slice(TOOL_NAMESPACE_PREFIX.length);
  return isValidToolName(name) ? name : undefined;
}

/** `foo` -> `tool-foo`; undefined for an invalid tool name. */
export function namespaceOfTool(tool: string): string | undefined {
  return isValidToolName(tool) ? TOOL_NAMESPACE_PREFIX + tool : undefined;
}
