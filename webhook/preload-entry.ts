/**
 * How a container's NODE_OPTIONS loads the preload. `--require <dir>/preload.cjs` works on
 * every Node, but Node 20 under the permission model (`--experimental-permission`) refuses
 * to start when it may not read a `--require`d file, before any of our code runs; and the
 * webhook cannot see a permission flag a script or `npm start` adds. A module given as a
 * `data:` URL needs no file read, so for images known to run Node 20 or later
 * (`injection.importImages`) NODE_OPTIONS gets `--import=data:...` instead: a gate that
 * loads the preload only when the permission model is off or lets it read the file, and
 * otherwise prints the preload's own one line and leaves the app alone. Node 12 and 16
 * refuse `--import` in NODE_OPTIONS and do not start, so an image whose Node is unknown
 * keeps `--require` (docs/operators/webhook.md).
 */
import { unreadableNotice } from '../contract/preload-read-grant.js';
import { preloadFile } from './names.js';

/** `image` is one of `patterns` (a name, or a prefix ending in `*`). */
export function imageMatches(image: string | undefined, patterns: readonly string[]): boolean {
  if (image === undefined) return false;
  return patterns.some((p) => (p.endsWith('*') ? image.startsWith(p.slice(0, -1)) : image === p));
}

/**
 * `code` as the body of a `data:` URL that is one NODE_OPTIONS word: Node splits
 * NODE_OPTIONS at spaces and reads `"` as quoting, the URL ends its path at `?` or `#`,
 * the body is percent-decoded, and the kubelet expands `$(NAME)`. Everything else stays
 * as written, so the preload's path (the agent's mark of a preloaded process) reads as is.
 */
const dataUrlBody = (code: string): string => code.replace(/[%\s"#?$\\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

/** The NODE_OPTIONS word that loads the preload from `dir`, the volume's mount path. */
export function preloadEntry(dir: string, form: 'require' | 'import'): string {
  const file = `${dir}/${preloadFile}`;
  if (form === 'require') return `--require ${file}`;
  // The path first (imports are hoisted): the agent looks for it in NODE_OPTIONS' first 200 bytes.
  const gate =
    `const{permission:m}=process,p='${file}';` +
    `import{createRequire}from'node:module';` +
    `if(!m||m.has('fs.read',p))createRequire(p)(p);` +
    `else{process.stderr.write('${unreadableNotice(dir)}\\n')}`;
  return `--import=data:text/javascript,${dataUrlBody(gate)}`;
}
