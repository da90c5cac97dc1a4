/** Default `resource_usage` for heartbeats, read from the OS; nodes with GPU telemetry override parts of it. */
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { ResourceUsage } from '@lingua/protocol';

export type UsageProbe = () => Partial<Omit<ResourceUsage, 'running_jobs'>>;

export function systemUsage(): Omit<ResourceUsage, 'running_jobs'> {
  const cores = Math.max(1, cpus().length);
  const load = loadavg()[0] ?? 0;
  return {
    cpu_percent: round1(Math.min(100, (load / cores) * 100)),
    mem_percent: round1((1 - freemem() / totalmem()) * 100),
  };
}

function round1(n: number): number {
  return Math.round(Math.max(0, n) * 10) / 10;
}
