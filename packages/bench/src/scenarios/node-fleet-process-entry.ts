/**
 * Child-process side of NodeFleetProcess: starts the simulated nodes, answers their job_assigns, and hands its
 * stamps over when asked. Messages in: `{type:'start', url, count, maxJobs}`, `{type:'collect'}`,
 * `{type:'close'}`; out: `{type:'ready'}`, `{type:'book', entries}`, `{type:'failed', message}`.
 */
import { SimJobNode, type TimesBook } from './dispatch-sim.js';

type ToFleet =
  { type: 'start'; url: string; count: number; maxJobs: number } | { type: 'collect' } | { type: 'close' };

const send = (m: unknown): void => void process.send?.(m);
const book: TimesBook = new Map();
let nodes: SimJobNode[] = [];

process.on('message', (m: ToFleet) => {
  if (m.type === 'start') {
    Promise.all(Array.from({ length: m.count }, () => SimJobNode.start(m.url, book, m.maxJobs))).then(
      (started) => {
        nodes = started;
        send({ type: 'ready' });
      },
      (err: unknown) => send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }),
    );
  } else if (m.type === 'collect') {
    send({ type: 'book', entries: [...book] });
  } else if (m.type === 'close') {
    for (const n of nodes) n.close();
    process.disconnect();
  }
});
// The parent gone (crashed or killed): nothing left to answer.
process.on('disconnect', () => process.exit(0));
