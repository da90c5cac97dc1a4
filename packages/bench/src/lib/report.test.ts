import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport, collectEnv, formatFiguresTable, writeJsonReport } from './report.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('formatFiguresTable', () => {
  it('aligns names and values and shows unmeasured figures as n/a', () => {
    const text = formatFiguresTable(
      { jobs_per_s: 3012.4, dispatch_p99_ms: 1.23456, lost: Number.NaN },
      'cluster',
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('cluster');
    expect(lines[1]).toMatch(/^figure\s+value$/);
    expect(lines.slice(3)).toEqual([
      'jobs_per_s        3012',
      'dispatch_p99_ms   1.23',
      'lost               n/a',
    ]);
    const widths = new Set(lines.slice(1).map((line) => line.length));
    expect(widths.size).toBe(1);
  });
});

describe('JSON report', () => {
  it('writes {scenario, figures, env} with rounded figures and null for NaN, creating the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lingua-bench-report-'));
    dirs.push(dir);
    const file = join(dir, 'nested', 'cluster.json');
    const env = await collectEnv('7.0.15');
    await writeJsonReport(
      file,
      buildReport('cluster', { jobs_per_s: 3012.44, lost: 0, peer: Number.NaN }, env),
    );

    const parsed = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(parsed).toEqual({
      scenario: 'cluster',
      figures: { jobs_per_s: 3012, lost: 0, peer: null },
      env: {
        node: process.version,
        cpus: expect.any(Number),
        cpu_model: expect.any(String),
        os: expect.any(String),
        redis_version: '7.0.15',
        commit: expect.stringMatching(/^([0-9a-f]{7,40}|unknown)$/),
      },
    });
  });

  it('fails with a coded error when the file cannot be written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lingua-bench-report-'));
    dirs.push(dir);
    const notADir = join(dir, 'file');
    await writeFile(notADir, '');
    const env = await collectEnv();
    expect(env.redis_version).toBe('unknown');
    await expect(writeJsonReport(join(notADir, 'x.json'), buildReport('x', {}, env))).rejects.toThrow(
      /REPORT_WRITE_FAILED/,
    );
  });
});
