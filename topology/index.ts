export type { Destination, DestinationKind, DestinationTarget } from './types.js';
export { classifyDestination } from './classify.js';
export { toolFromNamespace, namespaceOfTool } from './tool-namespace.js';
export { isValidToolName } from './tool-name.js';
export { profileByName, isProfileName, withExtraRules, PROFILE_NAMES, type Profile, type ProfileName } from './profiles.js';
export { rulesFromConfig, TopologyConfigError, type ExtraRule, type ExtraRuleConfig } from './extra-rules.js';
export { NODES, isReservedNodeName, cloudVpsProjectNode } from './reserved-nodes.js';
export * from './attributes.js';
