/**
 * The mandatory header of every `lua/<name>.lua` and the static rules its body must follow. Parsed by the header
 * test (and usable by docs tooling); the rules are what keeps every script runnable on Redis Cluster and honest
 * about its interface:
 *
 *   -- <name>: <one line purpose>
 *   -- KEYS[1] <name> <type/what>        one line per key, including shard channels that are published to
 *   -- ARGV[1] <name> <what>             one line per argument
 *   -- Returns: {'OK', ...} | {'...'}
 *   -- (free text)
 */
export interface LuaHeaderEntry {
  index: number;
  name: string;
  text: string;
}

export interface LuaHeader {
  name: string;
  purpose: string;
  keys: LuaHeaderEntry[];
  argv: LuaHeaderEntry[];
  returns: string | undefined;
  /** Statuses quoted in the Returns line, e.g. ['OK', 'STALE']. */
  statuses: string[];
  /** The source after the header (includes not expanded). */
  body: string;
}

const ENTRY = /^--\s+(KEYS|ARGV)\[(\d+)\]\s+(\S+)\s*(.*)$/;

export function parseLuaHeader(source: string): LuaHeader {
  const lines = source.split('\n');
  let i = 0;
  const header: string[] = [];
  while (i < lines.length) {
    const line = (lines[i] as string).trimEnd();
    if (!line.startsWith('--') || line.startsWith('---')) break;
    header.push(line);
    i++;
  }
  const first = /^--\s+([a-z0-9-]+):\s+(.+)$/.exec(header[0] ?? '');
  const keys: LuaHeaderEntry[] = [];
  const argv: LuaHeaderEntry[] = [];
  let returns: string | undefined;
  for (const line of header.slice(1)) {
    const m = ENTRY.exec(line);
    if (m) {
      const entry = { index: Number(m[2]), name: m[3] as string, text: m[4] as string };
      (m[1] === 'KEYS' ? keys : argv).push(entry);
      continue;
    }
    const r = /^--\s+Returns:\s*(.+)$/.exec(line);
    if (r) returns = r[1];
  }
  const statuses = returns ? [...returns.matchAll(/\{'([A-Z_]+)'/g)].map((m) => m[1] as string) : [];
  return {
    name: first?.[1] ?? '',
    purpose: first?.[2] ?? '',
    keys,
    argv,
    returns,
    statuses,
    body: lines.slice(i).join('\n'),
  };
}

/** Lua source without comments (line comments; the scripts use no block comments or `--` inside strings). */
export function stripLuaComments(source: string): string {
  return source
    .split('\n')
    .map((line) => {
      const at = line.indexOf('--');
      return at === -1 ? line : line.slice(0, at);
    })
    .join('\n');
}

export function usedIndexes(code: string, table: 'KEYS' | 'ARGV'): number[] {
  const found = new Set<number>();
  for (const m of code.matchAll(new RegExp(`\\b${table}\\[(\\d+)\\]`, 'g'))) found.add(Number(m[1]));
  return [...found].sort((a, b) => a - b);
}

/** Locals bound directly to a declared key: `local a = KEYS[1]` and `local a, b = KEYS[1], KEYS[2]`. */
export function keyAliases(code: string): Set<string> {
  const aliases = new Set<string>();
  for (const m of code.matchAll(/local\s+([\w\s,]+?)\s*=\s*([^\n]+)/g)) {
    const names = (m[1] as string).split(',').map((s) => s.trim());
    const values = (m[2] as string).split(',').map((s) => s.trim());
    names.forEach((name, i) => {
      if (/^KEYS\[\d+\]$/.test(values[i] ?? '')) aliases.add(name);
    });
  }
  return aliases;
}

export interface RedisCallSite {
  command: string;
  /** The first argument after the command as written (the key, for keyed commands). */
  firstArg: string | undefined;
}

export function redisCalls(code: string): RedisCallSite[] {
  return [...code.matchAll(/redis\.p?call\(\s*([^,)]+)\s*(?:,\s*([^,)]+))?/g)].map((m) => ({
    command: (m[1] as string).trim(),
    firstArg: m[2]?.trim(),
  }));
}

/** Commands that take no key (none are used today; listed so a future one is a deliberate choice). */
const KEYLESS = new Set<string>([]);
/** Commands a script must never run: nondeterministic time, keyspace walks. */
const FORBIDDEN = new Set(['TIME', 'KEYS', 'SCAN', 'RANDOMKEY', 'FLUSHALL', 'FLUSHDB']);

/**
 * Rule violations of one top-level script (`isInclude` = a file of `lua/includes/`, whose functions receive key
 * names as `*_key` parameters and never touch KEYS/ARGV themselves).
 */
export function lintLuaScript(fileName: string, source: string, isInclude = false): string[] {
  const problems: string[] = [];
  const code = stripLuaComments(isInclude ? source : parseLuaHeader(source).body);
  if (/\bTIME\b/.test(code)) problems.push('mentions TIME: pass now in ARGV');
  const aliases = keyAliases(code);
  for (const call of redisCalls(code)) {
    const cmd = /^'([A-Za-z]+)'$/.exec(call.command)?.[1]?.toUpperCase();
    if (!cmd) {
      problems.push(`redis.call with a computed command: ${call.command}`);
      continue;
    }
    if (FORBIDDEN.has(cmd)) problems.push(`forbidden command ${cmd}`);
    if (KEYLESS.has(cmd)) continue;
    const arg = call.firstArg ?? '';
    const ok = isInclude ? /^[a-z_]+_key$/.test(arg) : /^KEYS\[\d+\]$/.test(arg) || aliases.has(arg);
    if (!ok)
      problems.push(
        `${cmd} on "${arg}": keys must come from KEYS${isInclude ? ' (via a *_key parameter)' : ''}`,
      );
  }
  if (isInclude) {
    if (/\b(KEYS|ARGV)\[/.test(code)) problems.push('an include must not read KEYS or ARGV');
    return problems.map((p) => `${fileName}: ${p}`);
  }

  const header = parseLuaHeader(source);
  const expected = fileName.replace(/\.lua$/, '');
  if (header.name !== expected) problems.push(`first line must be "-- ${expected}: <purpose>"`);
  if (!header.returns) problems.push('missing "-- Returns:" line');
  else if (header.statuses.length === 0) problems.push('Returns line quotes no status');
  for (const table of ['KEYS', 'ARGV'] as const) {
    const documented = (table === 'KEYS' ? header.keys : header.argv).map((e) => e.index);
    const used = usedIndexes(code, table);
    const contiguous = documented.every((n, i) => n === i + 1);
    if (!contiguous) problems.push(`${table} documented out of order or with gaps: ${documented.join(',')}`);
    for (const n of used)
      if (!documented.includes(n)) problems.push(`${table}[${n}] used but not documented`);
    for (const n of documented)
      if (!used.includes(n)) problems.push(`${table}[${n}] documented but never used`);
  }
  if (header.keys.length === 0)
    problems.push('a script needs at least one key (it routes the call on Cluster)');
  return problems.map((p) => `${fileName}: ${p}`);
}
