// Exit 0 when node_modules already holds what package-lock.json asks for, by npm's own
// record of the installed tree (node_modules/.package-lock.json): same packages at the same
// versions, optional ones (other platforms' binaries) allowed to be absent. Lets
// scripts/setup skip an `npm ci`, which empties node_modules under anything running from
// this checkout, after an `npm install` that changed the lock file and the tree alike.
import { readFileSync } from 'node:fs';

const read = (file) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')).packages ?? {};
let wanted, installed;
try {
  wanted = read('package-lock.json');
  installed = read('node_modules/.package-lock.json');
} catch {
  process.exit(1);
}
const same = (a, b) => a.version === b.version && a.resolved === b.resolved;
const ok =
  Object.entries(wanted).every(([name, p]) => name === '' || (installed[name] ? same(installed[name], p) : p.optional === true || p.devOptional === true)) &&
  Object.keys(installed).every((name) => name in wanted);
process.exit(ok ? 0 : 1);
