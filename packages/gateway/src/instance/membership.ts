/**
 * What makes one gateway process a member of the cluster beyond its inbox: presence in `{i}:alive` /
 * `{idx}:instances` (with the figures other instances show about it), and the BullMQ maintenance worker that
 * sweeps for dead instances and takes them over. Started after the inbox, before readiness; stopped on shutdown.
 */
import type { Inbox } from '@lingua/store';
import type { Metrics } from '../metrics.js';
import { startMaintenance, type Maintenance, type MaintenanceDeps } from './maintenance.js';
import { Presence } from './presence.js';
import { takeOverInstance, type TakeoverDeps } from './takeover.js';

export interface MembershipDeps extends TakeoverDeps, MaintenanceDeps {
  readonly settings: { instanceTickMs: number; sweepIntervalMs: number };
  readonly metrics: Pick<Metrics, 'cluster'>;
  readonly inbox: Pick<Inbox, 'stats'>;
  /** Sockets held here, for the presence figures. */
  readonly counts: () => { nodes: number; sessions: number };
}

export class Membership {
  readonly presence: Presence;
  private maintenanceRef: Maintenance | undefined;
  private started = false;

  constructor(private readonly deps: MembershipDeps) {
    const { metrics, inbox } = deps;
    this.presence = new Presence({
      redis: deps.redis,
      keys: deps.keys,
      instanceId: deps.instanceId,
      tickMs: deps.settings.instanceTickMs,
      logger: deps.logger,
      figures: () => {
        const s = inbox.stats();
        metrics.cluster.inboxLag.set(Math.max(0, s.lagMs) / 1000);
        metrics.cluster.inboxReplayed.set(s.replayed);
        metrics.cluster.inboxResubscribes.set(s.resubscribes);
        const here = deps.counts();
        return {
          inbox: {
            last_seq: s.lastSeq,
            lag_ms: s.lagMs,
            replayed: s.replayed,
            lost: s.lost,
            probes_missed: s.probesMissed,
            resubscribes: s.resubscribes,
          },
          nodes_here: here.nodes,
          sessions_here: here.sessions,
        };
      },
    });
  }

  /** Present once started. */
  get maintenance(): Maintenance | undefined {
    return this.maintenanceRef;
  }

  async start(): Promise<void> {
    this.started = true;
    const { deps } = this;
    await this.presence.start();
    this.maintenanceRef = await startMaintenance(deps, {
      sweepEveryMs: deps.settings.sweepIntervalMs,
      takeover: async (id) => {
        const report = await takeOverInstance(deps, id);
        deps.metrics.cluster.takeovers.inc({ outcome: report.skipped ?? 'done' });
      },
      onEnqueued: (id) => deps.logger.warn({ deadId: id }, 'instance presence gone: takeover enqueued'),
    });
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    await this.maintenanceRef
      ?.close()
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'maintenance close failed'));
    await this.presence.stop();
  }
}
