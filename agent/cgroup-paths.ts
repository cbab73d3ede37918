/**
 * cgroup v2 ids (what bpftrace's `cgroup` builtin gives) -> paths in the v2 hierarchy
 * (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts): the id is the directory's
 * inode number. The tree is walked again, at most once a second, when an id is not known.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MAX_DEPTH = 8;
const MAX_DIRS = 20_000;

export class CgroupPaths {
  private paths = new Map<bigint, string>();
  private walkedAt = 0;

  constructor(private readonly root = existsSync('/sys/fs/cgroup/cgroup.controllers') || !existsSync('/sys/fs/cgroup/unified') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified') {}

  path(id: bigint, now: number): string | undefined {
    const known = this.paths.get(id);
    if (known !== undefined || now - this.walkedAt < 1000) return known;
    this.walkedAt = now;
    this.paths = this.walk();
    return this.paths.get(id);
  }

  private walk(): Map<bigint, string> {
    const found = new Map<bigint, string>();
    const stack: Array<[string, number]> = [['', 0]];
    while (stack.length > 0 && found.size < MAX_DIRS) {
      const [relative, depth] = stack.pop()!;
      const dir = join(this.root, relative);
      try {
        found.set(statSync(dir, { bigint: true }).ino, relative === '' ? '/' : `/${relative}`);
        if (depth >= MAX_DEPTH) continue;
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          if (entry.isDirectory()) stack.push([relative === '' ? entry.name : `${relative}/${entry.name}`, depth + 1]);
        }
      } catch {
        // A cgroup removed while we walk.
      }
    }
    return found;
  }
}
