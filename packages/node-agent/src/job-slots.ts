/** In-flight jobs of one agent: the concurrency limit and the abort handle of each job. */
import type { JobAssign } from '@lingua/protocol';

export interface RunningJob {
  readonly job: JobAssign;
  readonly controller: AbortController;
  readonly startedAt: number;
}

export type Admission =
  | { ok: true; running: RunningJob }
  /** `duplicate`: this very assignment is already running (a replayed frame); answer nothing. */
  | { ok: false; reason: 'duplicate' | 'attempt_conflict' | 'full' };

export class JobSlots {
  private readonly running = new Map<string, RunningJob>();
  private idleWaiters: (() => void)[] = [];

  constructor(private limit: number) {}

  get size(): number {
    return this.running.size;
  }

  get capacity(): number {
    return this.limit;
  }

  admit(job: JobAssign): Admission {
    const existing = this.running.get(job.job_id);
    if (existing !== undefined) {
      return {
        ok: false,
        reason: existing.job.attempt_id === job.attempt_id ? 'duplicate' : 'attempt_conflict',
      };
    }
    if (this.running.size >= this.limit) return { ok: false, reason: 'full' };
    const running: RunningJob = { job, controller: new AbortController(), startedAt: Date.now() };
    this.running.set(job.job_id, running);
    return { ok: true, running };
  }

  /** Whether `running` is still the live entry for its job id (a cancel-and-reassign may have replaced it). */
  isCurrent(running: RunningJob): boolean {
    return this.running.get(running.job.job_id) === running;
  }

  release(running: RunningJob): void {
    if (!this.isCurrent(running)) return;
    this.running.delete(running.job.job_id);
    if (this.running.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  cancel(jobId: string, reason: unknown): boolean {
    const running = this.running.get(jobId);
    if (running === undefined) return false;
    running.controller.abort(reason);
    return true;
  }

  cancelAll(reason: unknown): void {
    for (const r of this.running.values()) r.controller.abort(reason);
  }

  /** Resolves once no job is running. */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
