import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintLuaScript, parseLuaHeader } from './lua-header.js';
import { defaultScriptDir, expandIncludes } from './source.js';

const dir = defaultScriptDir();
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.lua'))
  .sort();
const includes = readdirSync(join(dir, 'includes'))
  .filter((f) => f.endsWith('.lua'))
  .sort();

describe('lua script headers', () => {
  it('finds the scripts', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(10);
  });

  it.each(scripts)('%s: header matches body, no TIME, keys only from KEYS', (file) => {
    const source = readFileSync(join(dir, file), 'utf8');
    expect(lintLuaScript(file, source)).toEqual([]);
    // Includes resolve, and every status a wrapper may meet is documented.
    const expanded = expandIncludes(source, join(dir, 'includes'), file);
    const header = parseLuaHeader(source);
    for (const m of expanded.matchAll(/return\s+\{\s*'([A-Z_]+)'/g)) {
      expect(header.statuses, `${file} returns '${m[1]}'`).toContain(m[1]);
    }
  });

  it.each(includes)('includes/%s: functions only, keys passed in', (file) => {
    const source = readFileSync(join(dir, 'includes', file), 'utf8');
    expect(lintLuaScript(file, source, true)).toEqual([]);
    expect(source.split('\n')[0]).toMatch(/^-- [a-z0-9-]+: /);
  });

  it('lua/README.md indexes every script', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const file of scripts) expect(readme, file).toContain(`\`${file.replace(/\.lua$/, '')}\``);
  });
});

describe('lintLuaScript', () => {
  const good = [
    '-- demo: does a thing.',
    '-- KEYS[1] h  hash',
    '-- ARGV[1] v  value',
    "-- Returns: {'OK'}",
    'local h = KEYS[1]',
    "redis.call('HSET', h, 'f', ARGV[1])",
    "return {'OK'}",
  ].join('\n');

  it('accepts a conforming script', () => {
    expect(lintLuaScript('demo.lua', good)).toEqual([]);
  });

  it('reports undocumented and unused arguments, TIME and built keys', () => {
    const bad = good
      .replace("'f', ARGV[1]", "'f', ARGV[2]")
      .replace("return {'OK'}", "redis.call('TIME')\nredis.call('GET', 'pre:' .. ARGV[2])\nreturn {'OK'}");
    const problems = lintLuaScript('demo.lua', bad).join('\n');
    expect(problems).toContain('ARGV[2] used but not documented');
    expect(problems).toContain('ARGV[1] documented but never used');
    expect(problems).toContain('TIME');
    expect(problems).toContain(`GET on "'pre:' .. ARGV[2]"`);
  });

  it('requires the name line and a Returns line', () => {
    const problems = lintLuaScript('other.lua', good.replace("-- Returns: {'OK'}\n", '')).join('\n');
    expect(problems).toContain('first line must be "-- other: <purpose>"');
    expect(problems).toContain('missing "-- Returns:" line');
  });
});
