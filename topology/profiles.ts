import { indexExtraRules, type ExtraRuleIndex } from './extra-rule-index.js';
import type { ExtraRule } from './extra-rules.js';
import { compileHostRules, type HostRules } from './host-rules.js';
import { clusterRules, toolDomainRules, toolforgeServiceRules, type ToolforgeEnvironment } from './toolforge-rules.js';
import { wikimediaRules } from './wikimedia-rules.js';
import { wmcsRules } from './wmcs-rules.js';

export const PROFILE_NAMES = ['toolforge', 'toolsbeta', 'lima-kilo', 'cloudvps'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** Where the classifier runs; built once, shared by every call. */
export interface Profile {
  readonly name: ProfileName;
  /** `toolforge`: tools on Kubernetes; `cloudvps`: plain VMs (identity = project + VM + unit). */
  readonly platform: 'toolforge' | 'cloudvps';
  /** The Toolforge whose tools are tool nodes here (for cloudvps: production Toolforge, seen from outside). */
  readonly toolforge: Readonly<ToolforgeEnvironment>;
  readonly hostRules: HostRules;
  /** From config, consulted before the built-in rules, first match wins. */
  readonly extraRules: readonly ExtraRule[];
  readonly extraRuleIndex: ExtraRuleIndex;
}

const ENVIRONMENTS: Record<ProfileName, ToolforgeEnvironment> = {
  toolforge: { project: 'tools', publicDomain: 'toolforge.org', clusterDomain: 'tools.local', unixUserPrefix: 'tools.' },
  toolsbeta: {
    project: 'toolsbeta',
    publicDomain: 'beta.toolforge.org',
    clusterDomain: 'toolsbeta.local',
    unixUserPrefix: 'toolsbeta.',
  },
  // lima-kilo runs the production charts on kind: the production service names, a kind cluster
  // domain, and its test tools log in as `local.<tool>`.
  'lima-kilo': { project: 'tools', publicDomain: 'toolforge.org', clusterDomain: 'cluster.local', unixUserPrefix: 'local.' },
  cloudvps: { project: 'tools', publicDomain: 'toolforge.org' },
};

function buildProfile(name: ProfileName): Profile {
  const environment = ENVIRONMENTS[name];
  const groups = [wmcsRules(), wikimediaRules(), toolforgeServiceRules(environment.project), toolDomainRules(environment)];
  if (environment.clusterDomain !== undefined) groups.push(clusterRules(environment.clusterDomain));
  return Object.freeze({
    name,
    platform: environment.clusterDomain === undefined ? 'cloudvps' : 'toolforge',
    toolforge: Object.freeze({ ...environment }),
    hostRules: compileHostRules(groups),
    extraRules: Object.freeze([]),
    extraRuleIndex: indexExtraRules([]),
  });
}

// Built on first use: a process needs one profile, and building costs load time in every tool.
const built = new Map<ProfileName, Profile>();

/** The built-in profile of that name; unknown or missing names fall back to `toolforge` (see `isProfileName` to reject them). */
export function profileByName(name: string): Profile {
  const wanted = typeof name === 'string' ? name.trim().toLowerCase() : '';
  const key: ProfileName = isProfileName(wanted) ? wanted : 'toolforge';
  let profile = built.get(key);
  if (!profile) {
    profile = buildProfile(key);
    built.set(key, profile);
  }
  return profile;
}

export function isProfileName(name: unknown): name is ProfileName {
  return typeof name === 'string' && (PROFILE_NAMES as readonly string[]).includes(name);
}

/** The profile with these rules consulted first (after any it already had). */
export function withExtraRules(profile: Profile, rules: readonly ExtraRule[]): Profile {
  const extraRules = Object.freeze([...profile.extraRules, ...rules]);
  return Object.freeze({ ...profile, extraRules, extraRuleIndex: indexExtraRules(extraRules) });
}
