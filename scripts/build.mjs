// Builds the function app (one ESM bundle with lazily loaded chunks for the heavy SDKs)
// and the local host (CommonJS, dependencies left in node_modules).
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/** The function app's bundle; test/unit/azureMode.test.ts builds it in memory to check no local/ module is in it. */
export function appBuildOptions({ quiet = false } = {}) {
  return {
    absWorkingDir: root,
    entryPoints: { index: 'functions/index.ts' },
    outdir: 'dist/app',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // The Functions worker provides '@azure/functions-core' by intercepting require();
    // bundled CommonJS code reaches it through this require.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    external: ['@azure/functions-core'],
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: quiet ? 'error' : 'warning',
  };
}

export async function buildAll({ quiet = false } = {}) {
  const started = Date.now();
  const [appBuild] = await Promise.all([
    build(appBuildOptions({ quiet })),
    build({
      absWorkingDir: root,
      entryPoints: {
        main: 'local/main.ts',
        'cosmos-child': 'local/cosmos/child.ts',
        'mail-child': 'local/mail/child.ts',
        'parent-watch': 'local/processes/parentWatch.ts',
        bench: 'bench/run.ts',
        demo: 'local/demo/main.ts',
        token: 'local/cli/token.ts',
        'validate-question-banks': 'local/cli/validateQuestionBanks.ts',
      },
      outdir: 'dist/local',
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: 'inline',
      logLevel: quiet ? 'error' : 'warning',
    }),
  ]);
  removeStaleChunks(appBuild.metafile);
  // The shipped question banks are data: validated here as an import would validate them.
  try {
    execFileSync(
      process.execPath,
      [join(dist, 'local', 'validate-question-banks.js'), join(root, 'data', 'question-banks')],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      }
    );
  } catch (error) {
    throw new Error(`a shipped question bank is not valid:\n${error.stderr?.toString() ?? error.message}`);
  }
  if (!quiet) console.log(`built dist/app and dist/local in ${Date.now() - started} ms`);
}

// dist/ is not wiped first: a running local host may still load chunks of the same build lazily.
function removeStaleChunks(metafile) {
  const chunks = join(dist, 'app', 'chunks');
  const produced = new Set(Object.keys(metafile.outputs).map((file) => join(root, file)));
  for (const name of readdirSync(chunks)) {
    if (!produced.has(join(chunks, name))) rmSync(join(chunks, name));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildAll().catch((error) => {
    console.error(`build failed: ${error.message}`);
    process.exit(1);
  });
}
