/**
 * The cluster-wide maintenance loop on BullMQ (@lingua/store queues): every instance runs a worker; one job
 * scheduler for the whole cluster runs the sweep every LINGUA_SWEEP_INTERVAL_MS on one of them. The sweep lists
 * instances in `{idx}:instances` whose presence is gone and enqueues one takeover job per death.
 * Takeover jobs are keyed by instance id and last-seen stamp (`takeoverJobId`), so the many sweeps that notice
 * one death enqueue it once and a restarted instance with a fixed id can be taken over again after a later death.
 */
import {
  createMaintenanceQueue,
  createMaintenanceWorker,
  enqueueTakeover,
  hasPresence,
  listInstances,
  type MaintenanceWorker,
} from '@lingua/store';
import type { Logger } from 'pino';
import type { KeySchema, RedisConnection } from '@lingua/store';

export interface MaintenanceDeps {
  readonly instanceId: string;
  readonly redis: RedisConnection;
  readonly keys: KeySchema;
  readonly logger: Logger;
}

export interface Maintenance {
  /** One sweep now (tests; the scheduler runs it otherwise). Resolves to the instances found dead. */
  sweep(): Promise<string[]>;
  close(): Promise<void>;
}

export interface MaintenanceOptions {
  sweepEveryMs: number;
  takeover(instanceId: string): Promise<void>;
  /** Called for every takeover enqueued (metrics). */
  onEnqueued?(instanceId: string): void;
}

export async function startMaintenance(ctx: MaintenanceDeps, opts: MaintenanceOptions): Promise<Maintenance> {
  const queue = await createMaintenanceQueue(ctx.redis, ctx.keys, { sweepEveryMs: opts.sweepEveryMs });
  const sweep = async (): Promise<string[]> => {
    const dead = await findDeadInstances(ctx);
    for (const d of dead) {
      await enqueueTakeover(queue, d.id, d.lastSeen);
      opts.onEnqueued?.(d.id);
    }
    return dead.map((d) => d.id);
  };
  let worker: MaintenanceWorker | undefined;
  try {
    worker = createMaintenanceWorker(
      ctx.redis,
      ctx.keys,
      {
        sweep: async () => {
          await sweep();
        },
        takeover: (id) => opts.takeover(id),
      },
      { log: ctx.logger },
    );
  } catch (err) {
    await queue.close();
    throw err;
  }
  const w = worker;
  return {
    sweep,
    async close() {
      await w.close();
      await queue.close();
    },
  };
}

/** Listed in `{idx}:instances`, not this one, and without presence. */
export async function findDeadInstances(
  ctx: Pick<MaintenanceDeps, 'redis' | 'keys' | 'instanceId'>,
): Promise<{ id: string; lastSeen: number }[]> {
  const listed = (await listInstances(ctx.redis, ctx.keys.index())).filter((l) => l.id !== ctx.instanceId);
  // One slot per instance: separate commands (a Cluster client pipelines them per node).
  const alive = await Promise.all(listed.map((l) => hasPresence(ctx.redis, ctx.keys.instance(l.id))));
  return listed.filter((_, i) => !alive[i]);
}
