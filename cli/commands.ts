import type { Command } from 'commander';

/** Each subcommand lives in the folder that owns it and registers itself here. */
export type RegisterCommand = (program: Command) => void;

/**
 * Each command's module by its name, imported only when that command runs (or for the
 * full help): a long-running command such as the agent does not hold the others'
 * packages (the webhook's Kubernetes client alone is ~60 MiB of heap).
 */
export const commands: Record<string, () => Promise<RegisterCommand>> = {
  webhook: async () => (await import('../webhook/command.js')).registerWebhookCommand,
  'preload-path': async () => (await import('../preload/command.js')).registerPreloadCommand,
  topology: async () => (await import('../topology/command.js')).registerTopologyCommand,
  agent: async () => (await import('../agent/command.js')).registerAgentCommand,
  local: async () => (await import('../local/command.js')).registerLocalCommand,
  report: async () => (await import('../report/command.js')).registerReportCommand,
};
