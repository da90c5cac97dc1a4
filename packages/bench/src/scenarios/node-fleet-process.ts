/**
 * The simulated nodes of a scenario in a child process of their own, at normal priority. Real nodes are other
 * machines; beside the sessions in the bench process (which parses every result frame, paces the load, collects
 * garbage, and runs as SCHED_IDLE so as not to disturb the servers) a job_assign was stamped whenever that process
 * next got to it, and the dispatch figure measured the simulator: side by side, dispatch p99 2.01–2.9 ms this way
 * against 3.05–3.07 ms in-process. Ten nodes answering at once cost the servers little CPU. Stamps use `stampMs()`
 * (CLOCK_MONOTONIC), which both processes read alike.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { normalPriority } from '../lib/client-priority.js';
import type { TimesBook, UtteranceTimes } from './dispatch-sim.js';

type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'book'; entries: [string, UtteranceTimes][] };

export class NodeFleetProcess {
  private constructor(private readonly child: ChildProcess) {}

  /** Starts `count` nodes with `maxJobs` slots each on `url`; resolves once every one is ready. */
  static async start(url: string, count: number, maxJobs: number): Promise<NodeFleetProcess> {
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = new URL(`./node-fleet-process-entry.${fromSource ? 'ts' : 'js'}`, import.meta.url);
    const child = fork(entry, [], {
      execArgv: fromSource ? ['--conditions=@lingua/source', '--import', 'tsx'] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    if (child.pid !== undefined) normalPriority(child.pid);
    child.send({ type: 'start', url, count, maxJobs });
    const fleet = new NodeFleetProcess(child);
    try {
      await fleet.next('ready');
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    }
    return fleet;
  }

  /** Copies the nodes' stamps (job_assign received, job_result sent) into the sessions' book. */
  async mergeInto(book: TimesBook): Promise<void> {
    const reply = this.next('book');
    this.child.send({ type: 'collect' });
    const { entries } = (await reply) as Extract<FromWorker, { type: 'book' }>;
    for (const [key, t] of entries) {
      const into = book.get(key) ?? {};
      if (t.assignAt !== undefined) into.assignAt = t.assignAt;
      if (t.resultSent !== undefined) into.resultSent = t.resultSent;
      book.set(key, into);
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    if (this.child.connected) this.child.send({ type: 'close' });
    else this.child.kill('SIGKILL');
    await exited;
  }

  private next(type: 'ready' | 'book'): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromWorker): void => {
        if (m.type === 'failed') {
          cleanup();
          reject(new Error(`simulated nodes failed: ${m.message}`));
        } else if (m.type === type) {
          cleanup();
          resolve(m);
        }
      };
      const onError = (err: Error): void => {
        cleanup();
        reject(err);
      };
      const onExit = (code: number): void => {
        cleanup();
        reject(new Error(`simulated-node process exited (code ${code})`));
      };
      const cleanup = (): void => {
        this.child.off('message', onMessage);
        this.child.off('error', onError);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.on('error', onError);
      this.child.on('exit', onExit);
    });
  }
}
