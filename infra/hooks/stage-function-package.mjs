// Stages the function app's deployment package for azd: azure.yaml's `dist` points at the folder this
// writes, and azd zips that folder for Flex Consumption. The package holds host.json, a package.json
// whose "main" is the bundle, and the bundle folder (dist/app, source maps included). The esbuild bundle
// carries its dependencies (the Functions worker provides @azure/functions-core), so no node_modules
// ship. Run it after `npm run build`:
//
//   node infra/hooks/stage-function-package.mjs [--root <repo>] [--out <folder, relative to root>]
//
// The default folder lies under node_modules/.cache, which git, ESLint and Prettier already ignore and
// which the build (it empties dist/) does not touch.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const defaultOutDir = 'node_modules/.cache/function-package';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function filesUnder(dir, prefix = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]
  );
}

export function stageFunctionPackage({ root = repoRoot, out = defaultOutDir } = {}) {
  const rootDir = resolve(root);
  const outDir = resolve(rootDir, out);
  const fromOut = relative(outDir, rootDir);
  if (fromOut === '' || !(fromOut === '..' || fromOut.startsWith(`..${sep}`))) {
    throw new Error(`refusing to stage into ${outDir}: it holds the project itself`);
  }

  const pkg = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8'));
  if (typeof pkg.main !== 'string' || pkg.main === '') throw new Error('package.json has no "main"');
  const main = pkg.main.replace(/^\.\//, '');
  if (!existsSync(join(rootDir, main))) {
    throw new Error(`package.json "main" (${main}) does not exist; run "npm run build" first`);
  }
  const bundleDir = dirname(main);
  if (bundleDir === '.' || bundleDir.startsWith('..')) {
    throw new Error(`package.json "main" (${main}) must lie in a build output folder such as dist/app`);
  }

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  cpSync(join(rootDir, 'host.json'), join(outDir, 'host.json'));
  cpSync(join(rootDir, bundleDir), join(outDir, bundleDir), { recursive: true });
  // Only what the Functions host reads: no scripts or dependencies, so nothing is installed or built remotely.
  const deployed = { name: pkg.name, version: pkg.version, private: true, main, engines: pkg.engines };
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(deployed, null, 2)}\n`);

  if (!statSync(join(outDir, main)).isFile()) throw new Error(`staged package lacks its "main" (${main})`);
  const files = filesUnder(outDir).sort();
  const bytes = files.reduce((sum, file) => sum + statSync(join(outDir, file)).size, 0);
  return { outDir, files, bytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { values } = parseArgs({ options: { root: { type: 'string' }, out: { type: 'string' } } });
    const { outDir, files, bytes } = stageFunctionPackage({ root: values.root, out: values.out });
    console.log(`staged ${files.length} files (${(bytes / 1024 / 1024).toFixed(1)} MB) for deployment in ${outDir}`);
  } catch (error) {
    console.error(`stage-function-package: ${error.message}`);
    process.exit(1);
  }
}
