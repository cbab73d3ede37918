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

/** A working container of an image (one copy of its layers; vfs copies them whole). */
export interface Container {
  /** Every regular file and symlink (directories left out), sorted by path. */
  files(): Promise<ImageFile[]>;
  /** The bytes of one file. */
  read(file: string): Promise<Buffer>;
  /** `buildah run --isolation chroot` of `command`; `volumes` as host:container. */
  run(command: string[], options?: { user?: string; volumes?: string[] }): Promise<Completed>;
}

export interface ImageStore {
  /** buildah's environment for this store (CONTAINERS_STORAGE_CONF). */
  env: NodeJS.ProcessEnv;
  /** Runs scripts/images with these arguments, building into this store. */
  buildImages(args: string[], timeoutMs?: number): Promise<Completed>;
  config(image: string): Promise<ImageConfig>;
  /** Bytes of the image's layers as its manifest lists them (buildah does not compress them). */
  size(image: string): Promise<number>;
  /** `use` gets a fresh container of `image`, removed afterwards. */
  withContainer<T>(image: string, use: (container: Container) => Promise<T>): Promise<T>;
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
  const call = async (args: string[], timeoutMs = 300_000): Promise<string> => {
    const done = await runToExit({ name: `buildah ${args[0]}`, command: buildah, args, env }, timeoutMs);
    if (done.code !== 0) throw new Error(`buildah ${args.join(' ')} exited ${done.code}: ${done.stderr}`);
    return done.stdout.trim();
  };
  const inspect = async (image: string): Promise<{ OCIv1: { config: ImageConfig }; Manifest: string }> => JSON.parse(await call(['inspect', '--type', 'image', image]));

  const handle = (name: string): Container => {
    /** `use` gets the container's root filesystem, mounted on the host. */
    const mounted = async <T>(use: (root: string) => Promise<T>): Promise<T> => {
      const root = await call(['mount', name]);
      try {
        return await use(root);
      } finally {
        await call(['umount', name]);
      }
    };
    return {
      files: () =>
        mounted(async (root) => {
          const out: ImageFile[] = [];
          const walk = async (dirPath: string): Promise<void> => {
            for (const entry of await readdir(dirPath)) {
              const full = path.join(dirPath, entry);
              const st = await lstat(full);
              if (st.isDirectory()) await walk(full);
              else out.push({ path: `/${path.relative(root, full)}`, size: st.size, mode: st.mode & 0o7777, uid: st.uid });
            }
          };
          await walk(root);
          return out.sort((a, b) => a.path.localeCompare(b.path));
        }),
      read: (file) => mounted((root) => readFile(path.join(root, file))),
      run: (command, options = {}) =>
        runToExit(
          {
            name: `buildah run ${command[0]}`,
            command: buildah,
            args: [
              'run',
              '--isolation',
              'chroot',
              ...(options.user === undefined ? [] : ['--user', options.user]),
              ...(options.volumes ?? []).flatMap((v) => ['--volume', v]),
              name,
              '--',
              ...command,
            ],
            env,
          },
          120_000,
        ),
    };
  };

  return {
    env,
    buildImages: (args, timeoutMs = 1_800_000) =>
      runToExit({ name: 'scripts/images', command: path.join(repoRoot, 'scripts', 'images'), args, env, cwd: repoRoot }, timeoutMs),
    config: async (image) => (await inspect(image)).OCIv1.config,
    size: async (image) => (JSON.parse((await inspect(image)).Manifest) as { layers: Array<{ size: number }> }).layers.reduce((sum, l) => sum + l.size, 0),
    withContainer: async (image, use) => {
      const name = await call(['from', '--pull=never', '--quiet', image]);
      try {
        return await use(handle(name));
      } finally {
        await call(['rm', name]);
      }
    },
  };
}
