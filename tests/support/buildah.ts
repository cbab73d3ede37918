import { lstat, readdir, readFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireBinary, requireRoot } from './binaries.js';
import { repoRoot } from './preload-bundle.js';
import { runToExit, type Completed } from './processes.js';

/** One file of an image's root filesystem. */
export interface ImageFile {
  /** Path inside the image, e.g. /bin/cp. */
  path: string;
  size: number;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
}

/** The parts of an image's OCI config the tests read. */
export interface ImageConfig {
  User?: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  Labels?: Record<string, string>;
}

export interface ImageStore {
  /** buildah's environment for this store (CONTAINERS_STORAGE_CONF). */
  env: NodeJS.ProcessEnv;
  /** Runs scripts/images with these arguments, building into this store. */
  buildImages(args: string[], timeoutMs?: number): Promise<Completed>;
  config(image: string): Promise<ImageConfig>;
  /** Bytes of the image's layers as its manifest lists them (buildah does not compress them). */
  size(image: string): Promise<number>;
  /** Every regular file and symlink in the image (directories left out), sorted by path. */
  files(image: string): Promise<ImageFile[]>;
  /** The bytes of one file of the image. */
  read(image: string, file: string): Promise<Buffer>;
  /** `buildah run --isolation chroot` of `command` in a fresh container of `image`; `volumes` as host:container. */
  run(image: string, command: string[], options?: { user?: string; volumes?: string[] }): Promise<Completed>;
}

/**
 * A buildah image store of its own under `dir` (vfs driver: no overlay mounts to leave
 * behind, and it works inside a container), so the tests never touch the machine's images.
 * Nothing is pulled: the images the tests build are FROM scratch.
 */
export function imageStore(dir: string): ImageStore {
  requireRoot('buildah builds and runs images as root (chroot isolation)');
  const buildah = requireBinary('buildah', 'buildah');
  const conf = path.join(dir, 'storage.conf');
  writeFileSync(conf, `[storage]\ndriver = "vfs"\ngraphroot = "${dir}/graph"\nrunroot = "${dir}/run"\n`);
  const env = { ...process.env, CONTAINERS_STORAGE_CONF: conf };
  const call = async (args: string[], timeoutMs = 120_000): Promise<string> => {
    const done = await runToExit({ name: `buildah ${args[0]}`, command: buildah, args, env }, timeoutMs);
    if (done.code !== 0) throw new Error(`buildah ${args.join(' ')} exited ${done.code}: ${done.stderr}`);
    return done.stdout.trim();
  };
  const inContainer = async <T>(image: string, use: (container: string) => Promise<T>): Promise<T> => {
    const container = await call(['from', '--pull=never', '--quiet', image]);
    try {
      return await use(container);
    } finally {
      await call(['rm', container]);
    }
  };

  /** `use` gets the root filesystem of a fresh container of `image`, mounted on the host. */
  const mounted = <T>(image: string, use: (root: string) => Promise<T>): Promise<T> =>
    inContainer(image, async (container) => {
      const root = await call(['mount', container]);
      try {
        return await use(root);
      } finally {
        await call(['umount', container]);
      }
    });

  return {
    env,
    buildImages: (args, timeoutMs = 1_800_000) =>
      runToExit({ name: 'scripts/images', command: path.join(repoRoot, 'scripts', 'images'), args, env, cwd: repoRoot }, timeoutMs),
    config: async (image) => (JSON.parse(await call(['inspect', '--type', 'image', image])) as { OCIv1: { config: ImageConfig } }).OCIv1.config,
    size: async (image) => {
      const { Manifest } = JSON.parse(await call(['inspect', '--type', 'image', image])) as { Manifest: string };
      return (JSON.parse(Manifest) as { layers: Array<{ size: number }> }).layers.reduce((sum, l) => sum + l.size, 0);
    },
    files: (image) =>
      mounted(image, async (root) => {
        const out: ImageFile[] = [];
        const walk = async (dirPath: string): Promise<void> => {
          for (const name of await readdir(dirPath)) {
            const full = path.join(dirPath, name);
            const st = await lstat(full);
            if (st.isDirectory()) await walk(full);
            else out.push({ path: `/${path.relative(root, full)}`, size: st.size, mode: st.mode & 0o7777, uid: st.uid });
          }
        };
        await walk(root);
        return out.sort((a, b) => a.path.localeCompare(b.path));
      }),
    read: (image, file) => mounted(image, (root) => readFile(path.join(root, file))),
    run: (image, command, options = {}) =>
      inContainer(image, (container) =>
        runToExit({
          name: `buildah run ${command[0]}`,
          command: buildah,
          args: [
            'run',
            '--isolation',
            'chroot',
            ...(options.user === undefined ? [] : ['--user', options.user]),
            ...(options.volumes ?? []).flatMap((v) => ['--volume', v]),
            container,
            '--',
            ...command,
          ],
          env,
        }),
      ),
  };
}
