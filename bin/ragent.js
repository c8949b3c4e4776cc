#!/usr/bin/env node
// Entry point. Runs a build of the TypeScript sources in dist/ that is never stale: every start hashes the
// sources and compares them with the manifest the build recorded; changed files are transpiled again first
// (about 2 ms a file). Transforming through tsx's loader on every start costs a quarter of a second more.
// RAGENT_FROM_SOURCE=1, or a build that cannot be written, runs the sources through tsx instead.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const manifestFile = join(dist, '.sources.json');
const SOURCE_DIRS = ['src', 'indexers', 'agent', 'evals'];
// Bump when the transform below changes, so builds made the old way are redone.
const BUILD_FORMAT = 1;

/** Relative paths of the files a build contains: TypeScript to transpile, JavaScript modules to copy. */
function sources() {
  const out = [];
  const walk = (rel) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of SOURCE_DIRS) walk(d);
  return out.sort();
}

const outputOf = (rel) => join(dist, rel.replace(/\.tsx?$/, '.js'));

function writeAtomically(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Bring dist/ up to date with the sources; false when it cannot be (then the sources run through tsx). */
async function ensureBuild() {
  const texts = new Map();
  const hashes = {};
  for (const rel of sources()) {
    const text = readFileSync(join(root, rel));
    texts.set(rel, text);
    hashes[rel] = createHash('sha1').update(text).digest('hex');
  }
  // The transform depends on the compiler options and on esbuild's version as well as on the sources.
  const tsconfigText = readFileSync(join(root, 'tsconfig.json'), 'utf8');
  const require = createRequire(import.meta.url);
  const esbuildVersion = JSON.parse(readFileSync(require.resolve('esbuild/package.json'), 'utf8')).version;
  const format = `${BUILD_FORMAT} ${esbuildVersion} ${createHash('sha1').update(tsconfigText).digest('hex')}`;
  let old = { format: '', files: {} };
  try {
    old = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch {
    // No build yet, or a damaged manifest: everything is transpiled.
  }
  const same = old.format === format && Object.keys(old.files).length === texts.size;
  const changed = [...texts.keys()].filter((rel) => !same || old.files[rel] !== hashes[rel]);
  if (same && !changed.length) return true;
  const { transformSync } = await import('esbuild');
  const tsconfig = JSON.parse(tsconfigText);
  for (const rel of changed) {
    const text = texts.get(rel);
    const code = rel.endsWith('.mjs')
      ? text
      : transformSync(text.toString('utf8'), {
          loader: rel.endsWith('.tsx') ? 'tsx' : 'ts',
          format: 'esm',
          platform: 'node',
          target: 'node20',
          sourcefile: join(root, rel),
          tsconfigRaw: { compilerOptions: tsconfig.compilerOptions },
        }).code;
    writeAtomically(outputOf(rel), code);
  }
  for (const rel of Object.keys(old.files)) if (!texts.has(rel)) rmSync(outputOf(rel), { force: true });
  // The manifest goes last: a build interrupted before it is redone by the next start.
  writeAtomically(manifestFile, JSON.stringify({ format, files: hashes }));
  return true;
}

let built = false;
if (!process.env.RAGENT_FROM_SOURCE) {
  try {
    built = await ensureBuild();
  } catch {
    built = false;
  }
}
// A query command's index starts opening on a worker thread now, loading the store while the CLI loads.
const command = process.argv[2];
if (built && (command === 'context' || command === 'search')) {
  const at = process.argv.findIndex((a) => a === '--repo' || a.startsWith('--repo='));
  const dir = at < 0 ? undefined : process.argv[at].startsWith('--repo=') ? process.argv[at].slice(7) : process.argv[at + 1];
  import(pathToFileURL(join(dist, 'src', 'retrieval', 'query-reader.js')).href).then(
    (m) => m.openQueryReaderEarly(dir),
    () => undefined,
  );
}
let mod;
if (built) {
  mod = await import(pathToFileURL(join(dist, 'src', 'cli', 'main.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import('../src/cli/main.ts');
}
process.exitCode = await mod.main(process.argv);
