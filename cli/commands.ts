import type { Command } from 'commander';
import { registerWebhookCommand } from '../webhook/command.js';
import { registerPreloadCommand } from '../preload/command.js';
import { registerTopologyCommand } from '../topology/command.js';
import { registerAgentCommand } from '../agent/command.js';
import { registerReportCommand } from '../report/command.js';
import { registerLocalCommand } from '../local/command.js';

/** Each subcommand lives in the folder that owns it and registers itself here. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerWebhookCommand, registerPreloadCommand, registerTopologyCommand, registerAgentCommand, registerLocalCommand, registerReportCommand];
