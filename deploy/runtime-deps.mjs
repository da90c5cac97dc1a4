#!/usr/bin/env node
/**
 * Copies what the gateway needs at run time out of a fully installed workspace:
 *   node deploy/runtime-deps.mjs <outDir>
 * → <outDir>/package.json, lua/, packages/{gateway,store,protocol}/{package.json,dist}, and node_modules holding
 *   exactly the packages reachable from them through `dependencies` (and installed optional/peer ones),
 *   at the paths and versions `npm ci` installed from the lock file.
 *
 * Why not `npm ci --omit=dev --workspace=@lingua/gateway`: npm still installs the dev-only workspaces the
 * gateway lists as devDependencies (the test kit, and through it testcontainers and vitest), because other
 * workspaces depend on them for real. Walking the runtime dependency graph is exact.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/[/\\]$/, '');
const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node deploy/runtime-deps.mjs <outDir>');
  process.exit(2);
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const copied = new Set();
const pending = [join(root, 'packages', 'gateway')];

/** Node's lookup: node_modules/<name> in the package's directory, then in each parent up to the root. */
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; dir.startsWith(root); dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  return undefined;
}

while (pending.length > 0) {
  const dir = pending.pop();
  const real = realpathSync(dir);
  if (copied.has(real)) continue;
  copied.add(real);
  const manifest = readJson(join(real, 'package.json'));
  const rel = relative(root, real);
  if (rel.startsWith(`packages${sep}`)) {
    // A workspace package: its manifest and build output only (sources, tests and configs stay behind).
    cpSync(join(real, 'package.json'), join(outDir, rel, 'package.json'));
    cpSync(join(real, 'dist'), join(outDir, rel, 'dist'), { recursive: true });
    const link = join(outDir, 'node_modules', manifest.name);
    if (!existsSync(link)) {
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(relative(dirname(link), join(outDir, rel)), link);
    }
  } else {
    // Nested node_modules are copied only when the walk reaches them.
    const own = (src) => !relative(real, src).split(sep).includes('node_modules');
    cpSync(real, join(outDir, rel), { recursive: true, filter: own });
  }
  const required = Object.keys(manifest.dependencies ?? {});
  const optional = [
    ...Object.keys(manifest.optionalDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}).filter(
      (n) => manifest.peerDependenciesMeta?.[n]?.optional,
    ),
  ];
  const peers = Object.keys(manifest.peerDependencies ?? {}).filter((n) => !optional.includes(n));
  for (const name of [...required, ...peers, ...optional]) {
    const found = resolvePackage(name, real);
    if (found) pending.push(found);
    else if (required.includes(name))
      throw new Error(`${manifest.name} needs ${name}, which is not installed`);
  }
}

cpSync(join(root, 'lua'), join(outDir, 'lua'), { recursive: true });
const rootManifest = readJson(join(root, 'package.json'));
cpSync(join(root, 'package.json'), join(outDir, 'package.json'));
console.log(`${rootManifest.name}: ${copied.size} packages → ${outDir}`);
