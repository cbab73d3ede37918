import type { Profile } from './profiles.js';
import { isValidToolName } from './tool-name.js';

/**
 * A tool runs as the Unix account `<prefix>.<tool>` (the agent maps a uid to it); the prefix is
 * the Toolforge's project: `tools.` in production, `toolsbeta.` in toolsbeta.
 */
export function toolFromUnixUser(user: string, profile: Profile): string | undefined {
  if (profile.platform !== 'toolforge' || typeof user !== 'string') return undefined;
  const prefix = profile.toolforge.unixUserPrefix;
  if (prefix === undefined || !user.startsWith(prefix)) return undefined;
  const name = user.slice(prefix.length);
  return isValidToolName(name) ? name : undefined;
}
