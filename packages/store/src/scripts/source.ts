import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreError } from '../errors.js';

/**
 * Reading Lua sources: one `lua/<name>.lua` per script, with `--- @include "<name>"` lines replaced by
 * `lua/includes/<name>.lua` (recursively, each include inlined once per script). The SHA1 is taken over the
 * expanded text because that is what Redis caches.
 */
export interface ScriptSource {
  name: string;
  /** Expanded source, exactly as sent to SCRIPT LOAD / EVAL. */
  lua: string;
  sha: string;
  /** Path of the top-level file, for error messages. */
  path: string;
}

const INCLUDE_LINE = /^---\s*@include\s+"([A-Za-z0-9_-]+)"\s*$/;

/**
 * `<repo>/lua`. This file is `packages/store/{src,dist}/scripts/source.{ts,js}`, so the folder is four levels up
 * from both; a deployment that moves the package must pass `dir` (see README).
 */
export function defaultScriptDir(): string {
  return fileURLToPath(new URL('../../../../lua/', import.meta.url));
}

export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export function expandIncludes(text: string, includesDir: string, origin: string): string {
  const seen = new Set<string>();
  const expand = (src: string, stack: string[]): string =>
    src
      .split('\n')
      .map((line) => {
        const m = INCLUDE_LINE.exec(line.trimEnd());
        if (!m) return line;
        const inc = m[1] as string;
        if (stack.includes(inc)) {
          throw new StoreError('SCRIPT_SOURCE', `${origin}: include cycle ${[...stack, inc].join(' -> ')}`);
        }
        if (seen.has(inc)) return `-- (include "${inc}" already inlined)`;
        seen.add(inc);
        const file = join(includesDir, `${inc}.lua`);
        if (!existsSync(file)) throw new StoreError('SCRIPT_SOURCE', `${origin}: missing include ${file}`);
        return expand(readFileSync(file, 'utf8').replace(/\n+$/, ''), [...stack, inc]);
      })
      .join('\n');
  return expand(text, []);
}

/** Every `<dir>/*.lua`, expanded, keyed by name (file name without `.lua`). */
export function readScriptSources(dir: string = defaultScriptDir()): Map<string, ScriptSource> {
  if (!existsSync(dir)) throw new StoreError('SCRIPT_SOURCE', `Lua script folder not found: ${dir}`);
  const includesDir = join(dir, 'includes');
  const out = new Map<string, ScriptSource>();
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.lua')) continue;
    const name = file.slice(0, -'.lua'.length);
    const path = join(dir, file);
    const lua = expandIncludes(readFileSync(path, 'utf8'), includesDir, path);
    out.set(name, { name, lua, sha: sha1(lua), path });
  }
  return out;
}
