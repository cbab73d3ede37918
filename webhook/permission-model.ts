/**
 * Whether a container's Node runs under the Node.js permission model (`--permission`;
 * Node 20: `--experimental-permission`) as far as the pod spec shows. The preload traces
 * such a process only when it may read its directory (without it, Node 20 does not even
 * start with a `--require`d file: webhook/preload-entry.ts), so such a container needs
 * `--allow-fs-read=<preload dir>/*` in NODE_OPTIONS; but every Node (18 to 24) without the
 * permission model refuses that option and exits. So the grant is added only when every
 * Node the container visibly starts has the permission model on: the tool's own
 * NODE_OPTIONS turns it on, or the command is a Node invocation with the flag (exec form
 * or `sh -c` commands, each of them such an invocation or a shell builtin). A script, a
 * launcher or `npm start` hides what it runs: no grant (docs/operators/preload.md).
 */
import type { V1Container } from '@kubernetes/client-node';
import { PERMISSION_FLAGS } from '../contract/preload-read-grant.js';

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash']);
/** Builtins that start no program (with their arguments): neutral in a command list. */
const NEUTRAL_BUILTINS = new Set(['cd', 'export', 'set', 'umask', 'true', ':']);
/** The shell syntax this reading understands between simple commands. */
const SEPARATORS = /&&|\|\||;|\n|\|/;

const basename = (program: string): string => program.slice(program.lastIndexOf('/') + 1);
const isNode = (program: string): boolean => /^node(js)?\d*$/.test(basename(program));
const unquoted = (word: string): string => word.replace(/^(['"])(.*)\1$/, '$2');

/** Node options seen written with their value as the next word (`-r ./x`); any other such option ends the reading early (no grant). */
const TAKES_VALUE = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--allow-fs-read', '--allow-fs-write', '-C', '--conditions', '--env-file']);

/** The options a Node command line has before its script (or `-e`/`-` code). */
function nodeOptionsOf(words: readonly string[]): string[] {
  const options: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-') || word === '-' || word === '--') break;
    options.push(word);
    if (TAKES_VALUE.has(word)) i++;
  }
  return options;
}

type Verdict = 'permission' | 'neutral' | 'other';

/** One simple command: a Node with the flag, nothing that starts a program, or anything else. */
function simpleCommand(words: readonly string[]): Verdict {
  let i = 0;
  for (;;) {
    const word = words[i];
    if (word === undefined) return 'neutral';
    if (word === 'exec' || /^[A-Za-z_]\w*=/.test(word)) i++;
    else if (/^\d*(>>?|<)$/.test(word)) i += 2; // a redirection, its target the next word
    else if (/^\d*(>>?|<)/.test(word)) i++;
    else break;
  }
  const program = words[i]!;
  if (NEUTRAL_BUILTINS.has(program)) return 'neutral';
  if (!isNode(program)) return 'other';
  return nodeOptionsOf(words.slice(i + 1)).some((o) => PERMISSION_FLAGS.includes(o)) ? 'permission' : 'other';
}

function commandList(script: string): Verdict {
  // Substitutions and backgrounding run what this reading does not follow.
  if (/[`&]|\$\(/.test(script.replace(/&&|\d*>&\d+/g, ''))) return 'other';
  const verdicts = script.split(SEPARATORS).map((part) => simpleCommand(part.trim().split(/\s+/).filter((w) => w !== '').map(unquoted)));
  if (verdicts.includes('other')) return 'other';
  return verdicts.includes('permission') ? 'permission' : 'neutral';
}

function commandLine(command: readonly string[] | undefined, args: readonly string[]): Verdict {
  // No command: the image's entrypoint runs, and the spec does not say what it is.
  if (command === undefined || command.length === 0) return 'other';
  const [program, ...rest] = [...command, ...args] as [string, ...string[]];
  if (SHELLS.has(basename(program))) {
    const c = rest.indexOf('-c');
    if (c === -1) return 'other'; // a script file
    const script = rest[c + 1] === '--' ? rest[c + 2] : rest[c + 1];
    return script === undefined ? 'other' : commandList(script);
  }
  return simpleCommand([program, ...rest]);
}

export function startsNodeOnlyWithPermissionModel(container: V1Container): boolean {
  const toolOptions = container.env?.findLast((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
  if (toolOptions.split(/\s+/).some((o) => PERMISSION_FLAGS.includes(unquoted(o)))) return true;
  return commandLine(container.command, container.args ?? []) === 'permission';
}
