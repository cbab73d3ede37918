// esbuild options for the preload directory (dist/preload/), listed in scripts/bundles.mjs.
// The directory ships as a whole (see preload/Containerfile):
//   preload.cjs      the --require entry; built for old Node so it parses there and only says "not supported"
//   sdk.cjs          the SDK, instrumentations and exporter, loaded by preload.cjs on Node 18.19+
//   hook.mjs         import-in-the-middle's ESM loader, registered with module.register
//   lib/register.js  import-in-the-middle's hook registry, shared by the loader's generated
//                    modules (they import it next to hook.mjs) and sdk.cjs (required, not bundled)
//   package.json     {"type":"commonjs"}, so lib/register.js is CommonJS wherever the directory lands
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/preload`;

/**
 * contract/version.ts reads the version from package.json; the bundle carries that one
 * field, not the package's description and dependency lists.
 */
const packageVersionOnly = {
  name: 'package-version-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]package\.json$/ }, (args) =>
      args.path === `${root}package.json`
        ? { contents: JSON.stringify({ version: JSON.parse(readFileSync(args.path, 'utf8')).version }), loader: 'json' }
        : undefined,
    );
  },
};

const sharedRegistry = {
  name: 'iitm-shared-registry',
  setup(build) {
    build.onResolve({ filter: /^\.\/lib\/register(\.js)?$/ }, (args) =>
      args.importer.includes('import-in-the-middle') ? { path: './lib/register.js', external: true } : undefined,
    );
    build.onEnd(() => {
      mkdirSync(outdir, { recursive: true });
      writeFileSync(`${outdir}/package.json`, '{ "type": "commonjs" }\n');
    });
  },
};

/**
 * The CommonJS builds of the instrumentations `require()` @opentelemetry/semantic-conventions
 * whole: its index re-exports ~660 constants through getters from several files, and
 * evaluating it took ~7 ms of the preload's start (--cpu-prof, Node 22) for the 64 names
 * the OpenTelemetry packages read. Those `require()`s get a module of just the exports
 * whose names appear in the packages that use it (any identifier, so a namespace object
 * such as `SemanticAttributes` would be kept too), with the package's own values.
 * ESM imports (the preload's own code) keep the real package, which esbuild tree-shakes.
 */
const semanticConventionsByName = {
  name: 'semantic-conventions-by-name',
  setup(build) {
    const requireHere = createRequire(`${root}package.json`);
    const all = requireHere('@opentelemetry/semantic-conventions');
    const named = new Set();
    const scan = (dir) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) scan(file);
        else if (entry.name.endsWith('.js')) {
          const code = readFileSync(file, 'utf8');
          if (code.includes('@opentelemetry/semantic-conventions')) for (const [name] of code.matchAll(/[A-Za-z_$][\w$]*/g)) if (Object.hasOwn(all, name)) named.add(name);
        }
      }
    };
    scan(`${root}node_modules/@opentelemetry`);
    const source = `module.exports = ${JSON.stringify(Object.fromEntries([...named].sort().map((name) => [name, all[name]])))};`;
    build.onResolve({ filter: /^@opentelemetry\/semantic-conventions$/ }, (args) =>
      args.kind === 'require-call' ? { path: 'semantic-conventions', namespace: 'semantic-conventions-by-name' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'semantic-conventions-by-name' }, () => ({ contents: source, loader: 'js' }));
  },
};

const common = { format: 'cjs', minify: true };

export const preloadBundles = [
  { ...common, entryPoints: [`${root}preload/preload.ts`], outfile: `${outdir}/preload.cjs`, target: 'node12' },
  {
    ...common,
    entryPoints: [`${root}preload/sdk.ts`],
    outfile: `${outdir}/sdk.cjs`,
    target: 'node18',
    // ESM builds of the OpenTelemetry packages let esbuild drop what the preload never uses.
    mainFields: ['module', 'main'],
    plugins: [sharedRegistry, semanticConventionsByName, packageVersionOnly],
  },
  {
    ...common,
    entryPoints: [`${root}node_modules/import-in-the-middle/lib/register.js`],
    outfile: `${outdir}/lib/register.js`,
    target: 'node18',
  },
  {
    entryPoints: [`${root}node_modules/import-in-the-middle/hook.mjs`],
    outfile: `${outdir}/hook.mjs`,
    format: 'esm',
    target: 'node18',
    minify: true,
    // Bundled CommonJS dependencies of the loader need a real require in ESM output.
    banner: { js: "import { createRequire as __tfCreateRequire } from 'node:module'; const require = __tfCreateRequire(import.meta.url);" },
  },
];
