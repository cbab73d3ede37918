/**
 * Who a process is, from the kernel's uid (never from what the process says): the account
 * name from NSS (`getent passwd`, as the node's users come from LDAP), else the uid map
 * file; `tools.<name>` (the profile's prefix) is the tool. Other accounts are not tools
 * and are not counted. On Cloud VPS the client is the VM's project, and the systemd unit
 * or user the process runs under.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isValidToolName, toolFromUnixUser, type CloudVpsIdentity, type Profile } from '../topology/index.js';

const run = promisify(execFile);

/** `getent passwd <uid>` -> the account name; undefined when NSS does not know the uid. */
export async function accountFromNss(uid: number): Promise<string | undefined> {
  try {
    const { stdout } = await run('getent', ['passwd', String(uid)], { timeout: 5000 });
    const name = stdout.split(':', 1)[0]?.trim();
    return name === '' ? undefined : name;
  } catch {
    return undefined;
  }
}

/** The tool an account (or a uid map entry, which may also be a bare tool name) stands for. */
export function toolOfAccount(account: string, profile: Profile, fromUidMap: boolean): string | undefined {
  const tool = toolFromUnixUser(account, profile);
  if (tool !== undefined) return tool;
  return fromUidMap && isValidToolName(account) ? account : undefined;
}

export interface Client {
  tool: string;
  clientDetail?: string;
}

export type Unattributed = 'unknown-uid' | 'not-a-tool';

interface Cached {
  account: string | undefined;
  until: number;
}

/** uid -> account, cached: an unknown uid is asked again after ten seconds, a known one after ten minutes. */
export class Accounts {
  private readonly cache = new Map<number, Cached>();

  constructor(
    private readonly lookup: (uid: number) => Promise<string | undefined>,
    private readonly uidMap: ReadonlyMap<number, string>,
  ) {}

  /** Looks up the uids not cached yet (call before `account` for a batch). */
  async prepare(uids: Iterable<number>, now: number): Promise<void> {
    const wanted = [...new Set(uids)].filter((uid) => (this.cache.get(uid)?.until ?? 0) <= now);
    await Promise.all(
      wanted.map(async (uid) => {
        const account = await this.lookup(uid);
        this.cache.set(uid, { account, until: now + (account === undefined ? 10_000 : 600_000) });
      }),
    );
  }

  /** [account, came from the uid map]. */
  account(uid: number): [string, boolean] | undefined {
    const nss = this.cache.get(uid)?.account;
    if (nss !== undefined) return [nss, false];
    const mapped = this.uidMap.get(uid);
    return mapped === undefined ? undefined : [mapped, true];
  }
}

/** Toolforge: the tool of the uid's account. */
export function toolforgeClient(accounts: Accounts, uid: number, profile: Profile): Client | Unattributed {
  const found = accounts.account(uid);
  if (found === undefined) return 'unknown-uid';
  const tool = toolOfAccount(found[0], profile, found[1]);
  return tool === undefined ? 'not-a-tool' : { tool };
}

/** The systemd unit (or `user:<name>`) of a cgroup path such as `/system.slice/bot.service`. */
export function unitOfCgroup(path: string, userName: (uid: number) => string | undefined): string | undefined {
  const segments = path.split('/').filter((s) => s !== '');
  const user = segments.map((s) => /^user-([0-9]+)\.slice$/.exec(s)?.[1]).find((s) => s !== undefined);
  if (user !== undefined) return `user:${userName(Number(user)) ?? user}`;
  for (let i = segments.length - 1; i >= 0; i--) {
    if (/\.(service|scope)$/.test(segments[i]!)) return segments[i];
  }
  return undefined;
}

/** Cloud VPS: the VM's project node, `<vm>/<unit or user>` as detail. */
export function cloudVpsClient(identity: CloudVpsIdentity, unit: string | undefined): Client {
  return { tool: identity.serviceName, clientDetail: `${identity.vm}/${unit ?? 'unknown'}` };
}
