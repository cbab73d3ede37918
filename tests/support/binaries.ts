import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** The absolute path of a required executable on PATH; throws (so the test FAILS) naming the package that provides it. */
export function requireBinary(name: string, providedBy: string): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`required binary "${name}" is not installed (Debian package: ${providedBy}); run scripts/setup --test as root`);
}

/** Tests that start servers as root or enter mount namespaces need root. */
export function requireRoot(why: string): void {
  if (process.getuid?.() !== 0) throw new Error(`this test must run as root: ${why}`);
}
