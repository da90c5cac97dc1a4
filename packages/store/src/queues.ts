import { Queue, Worker, type Job } from 'bullmq';
import type { RedisConnection } from './connection.js';
import type { KeySchema } from './keys.js';
import { silentLog, type StoreLog } from './shard-subscription.js';

/**
 * Cluster-wide side work on BullMQ: the sweep that finds dead instances and their takeovers. Every queue key lives
 * under `KeySchema.queuePrefix()`, whose hash tag puts BullMQ's multi-key scripts in one Cluster slot.
 *
 * - `sweep`: one job scheduler for the whole cluster (upserting the same scheduler id from every instance is
 *   idempotent), so exactly one instance runs each sweep;
 * - `takeover`: one job per death of an instance; the BullMQ job id is derived from the instance id and its
 *   last-seen stamp, so however many instances notice the death at once, the takeover runs once.
 */
export const MAINTENANCE_QUEUE = 'maintenance';
export const SWEEP_SCHEDULER_ID = 'sweep';

export interface MaintenanceJobData {
  instanceId?: string;
}

export type MaintenanceQueue = Queue<MaintenanceJobData, void, 'sweep' | 'takeover'>;

export interface MaintenanceHandlers {
  sweep(): Promise<void>;
  takeover(instanceId: string): Promise<void>;
}

export interface MaintenanceWorker {
  readonly worker: Worker<MaintenanceJobData, void, 'sweep' | 'takeover'>;
  close(): Promise<void>;
}

/**
 * The maintenance queue, with the sweep schedule in place. Uses `conn`'s client as is (BullMQ does not close a
 * client it was given).
 */
export async function createMaintenanceQueue(
  conn: RedisConnection,
  keys: KeySchema,
  opts: { sweepEveryMs?: number } = {},
): Promise<MaintenanceQueue> {
  const queue: MaintenanceQueue = new Queue(MAINTENANCE_QUEUE, {
    connection: conn.client,
    prefix: keys.queuePrefix(),
  });
  await queue.upsertJobScheduler(
    SWEEP_SCHEDULER_ID,
    { every: opts.sweepEveryMs ?? 5_000 },
    { name: 'sweep', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
  return queue;
}

/**
 * The job id of the takeover of `instanceId` last seen at `lastSeen` (ms): `takeover-<id>-<last seen>`. The id
 * de-duplicates the many sweeps that notice one death; the last-seen stamp (frozen when the instance died) lets a
 * restarted instance with a fixed id (compose, StatefulSet) be taken over again after a later death. BullMQ job
 * ids may hold ':' only in its own `a:b:c` form, so the one an instance id may contain is escaped.
 */
export function takeoverJobId(instanceId: string, lastSeen: number): string {
  return `takeover-${instanceId.replaceAll('%', '%25').replaceAll(':', '%3A')}-${Math.round(lastSeen)}`;
}

/**
 * Enqueues the takeover of a dead instance last seen at `lastSeen`; a takeover of that death already queued,
 * running or done is not added again. Resolves to the job id.
 */
export async function enqueueTakeover(
  queue: MaintenanceQueue,
  instanceId: string,
  lastSeen: number,
): Promise<string> {
  const jobId = takeoverJobId(instanceId, lastSeen);
  const job = await queue.add(
    'takeover',
    { instanceId },
    {
      jobId,
      attempts: 5,
      backoff: { type: 'exponential', delay: 500 },
      // Completed jobs are kept a while: their id is what de-duplicates a late second enqueue.
      removeOnComplete: { age: 3_600 },
      removeOnFail: { age: 24 * 3_600 },
    },
  );
  return job.id ?? jobId;
}

/**
 * Processes maintenance jobs on this instance. BullMQ blocks on its connection, which needs
 * `maxRetriesPerRequest: null`, so the worker gets its own duplicate of `conn` (same credentials and TLS; the
 * blocking connection BullMQ derives from it with ioredis' `duplicate()` keeps them too).
 */
export function createMaintenanceWorker(
  conn: RedisConnection,
  keys: KeySchema,
  handlers: MaintenanceHandlers,
  opts: { concurrency?: number; log?: StoreLog } = {},
): MaintenanceWorker {
  const log = opts.log ?? silentLog;
  // Blocking commands wait as long as BullMQ asks: no command timeout here.
  const blocking = conn.duplicate(`${conn.name}-bullmq`, {
    maxRetriesPerRequest: null,
    commandTimeoutMs: undefined,
  });
  const worker: MaintenanceWorker['worker'] = new Worker(
    MAINTENANCE_QUEUE,
    async (job: Job<MaintenanceJobData, void, 'sweep' | 'takeover'>) => {
      if (job.name === 'sweep') return handlers.sweep();
      if (job.name === 'takeover' && typeof job.data.instanceId === 'string') {
        return handlers.takeover(job.data.instanceId);
      }
      throw new Error(`unknown maintenance job ${job.name}`);
    },
    { connection: blocking.client, prefix: keys.queuePrefix(), concurrency: opts.concurrency ?? 2 },
  );
  worker.on('error', (err) => log.warn({ err: err.message }, 'maintenance worker error'));
  worker.on('failed', (job, err) =>
    log.warn({ job: job?.id, name: job?.name, err: err.message }, 'maintenance job failed'),
  );
  return {
    worker,
    async close() {
      await worker.close();
      blocking.client.disconnect();
    },
  };
}
