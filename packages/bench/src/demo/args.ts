/** Command line of `npm run demo`. */
import { parseArgs } from 'node:util';
import { DemoError } from './errors.js';

/**
 * `cross`: nodes on gateway-1, sessions on gateway-2, so every job and result crosses instances through Redis.
 * `local`: nodes and sessions both on gateway-1 (gateway-2 runs idle) — for a gateway without cross-instance routing.
 */
export type Layout = 'cross' | 'local';

export const DEFAULT_LAYOUT: Layout = 'cross';

export const USAGE = `Usage: npm run demo [-- options]

Starts a private redis-server (unless REDIS_URL or REDIS_CLUSTER_NODES is set), two gateway instances and three
simulated GPU nodes, then streams generated speech-like audio from client sessions in two language pairs
(en→zh one_way, en⇄ja two_way_auto) and prints the transcript, the route each job took and the latency from
the end of each utterance to its result. Exits 0 when every utterance got its translation.

Options:
  --keep             keep everything running afterwards and print the URLs (Ctrl-C stops it all)
  --layout <l>       cross: nodes on gateway-1, sessions on gateway-2 (jobs cross instances)
                     local: nodes and sessions on gateway-1 (default: ${DEFAULT_LAYOUT})
  --verbose          print the gateways' log tails when the demo fails
  -h, --help         show this help

Environment:
  REDIS_URL=redis://host:port        use this Redis instead of starting one (keys under a fresh prefix)
  REDIS_CLUSTER_NODES=h:p,h:p,...    use this Redis Cluster instead
`;

export interface DemoOptions {
  keep: boolean;
  layout: Layout;
  verbose: boolean;
}

export type DemoCommand = { kind: 'help' } | { kind: 'run'; options: DemoOptions };

export function parseDemoArgs(argv: string[]): DemoCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        keep: { type: 'boolean', default: false },
        layout: { type: 'string', default: DEFAULT_LAYOUT },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new DemoError('BAD_ARGUMENT', (err as Error).message);
  }
  if (values.help) return { kind: 'help' };
  if (values.layout !== 'cross' && values.layout !== 'local') {
    throw new DemoError(
      'BAD_ARGUMENT',
      `--layout must be cross or local, got ${JSON.stringify(values.layout)}`,
    );
  }
  return { kind: 'run', options: { keep: values.keep, layout: values.layout, verbose: values.verbose } };
}
