/** Command line of `lingua-node-sim`. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { flagReaders } from '@lingua/protocol';
import { NodeAgentError } from '../errors.js';
import type { SimFleetOptions } from './fleet.js';
import { parseLatency } from './latency.js';

export const USAGE = `Usage: lingua-node-sim [options]

Runs N simulated GPU nodes against a Lingua gateway. Each node registers on /ws/node, heartbeats, and answers
every job after a sampled latency with deterministic text derived from the audio it received:
  text_asr "utt#<utterance_index> <packets>p", text_translated "[<tgt_lang>] utt#<utterance_index> <packets>p"
(packets = Opus Plan A packets, or 20 ms frames of pcm16). SIGINT/SIGTERM drains the nodes and exits 0; a
gateway that refuses the credential (401/403) stops them and exits 1.

Options:
  --url <ws-url>          gateway address (default ws://127.0.0.1:5010; path /ws/node is added)
  --token <jwt>           gateway credential (a JWT of role node), sent by every node as
                          Authorization: Bearer; the gateway requires one unless it runs with LINGUA_AUTH=off.
                          Wins over an access_token in --url. Prefer --token-file: argv is visible to others
  --token-file <path>     read the credential from a file (surrounding whitespace dropped)
  --nodes <n>             number of simulated nodes (default 1)
  --asr <langs>           comma-separated ASR languages (default en,zh)
  --tgt <langs>           comma-separated target languages (default: same as --asr)
  --lang-set <langs>      ext lang_sets group, comma-separated; repeat for several groups
  --region <name>         ext region (default: the gateway's region)
  --gpu-tier <name>       ext gpu_tier (default: derived by the gateway from GPU memory)
  --latency <ms|min-max>  fixed (100) or uniform (50-150) latency in ms (default 50-150)
  --failure-rate <p>      probability 0..1 that a job fails with PROCESSING_ERROR (default 0)
  --tts / --no-tts        include pcm16 TTS audio as long as the input in results (default --tts)
  --max-jobs <n>          concurrent jobs per node, sent as ext max_concurrent_jobs (default 4)
  --heartbeat-ms <ms>     heartbeat interval (default 15000)
  --drain-timeout-ms <ms> how long a drain waits for in-flight jobs (default 30000)
  --state-dir <dir>       keep node ids and tokens in <dir>/node-<i>.json across restarts
  --seed <n>              seed for latencies and failures (default 1)
  --allow-repeats         answer repeated job ids / utterances instead of refusing them like the real agent
  --json                  print events as JSON lines on stdout
  --quiet                 print only errors
  -h, --help              show this help
`;

export interface SimCliOptions extends SimFleetOptions {
  json: boolean;
  quiet: boolean;
}

export type SimCommand = { kind: 'help' } | { kind: 'run'; options: SimCliOptions };

export function parseSimArgs(argv: string[]): SimCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string', default: 'ws://127.0.0.1:5010' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        nodes: { type: 'string', default: '1' },
        asr: { type: 'string', default: 'en,zh' },
        tgt: { type: 'string' },
        'lang-set': { type: 'string', multiple: true },
        region: { type: 'string' },
        'gpu-tier': { type: 'string' },
        latency: { type: 'string', default: '50-150' },
        'failure-rate': { type: 'string', default: '0' },
        tts: { type: 'boolean' },
        'no-tts': { type: 'boolean' },
        'max-jobs': { type: 'string', default: '4' },
        'heartbeat-ms': { type: 'string' },
        'drain-timeout-ms': { type: 'string' },
        'state-dir': { type: 'string' },
        seed: { type: 'string', default: '1' },
        'allow-repeats': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new NodeAgentError('INVALID_OPTIONS', (err as Error).message);
  }
  if (values.help) return { kind: 'help' };
  if (values.tts === true && values['no-tts'] === true) {
    throw new NodeAgentError('INVALID_OPTIONS', '--tts and --no-tts contradict each other');
  }
  const asrLanguages = flag.langList('--asr', values.asr);
  const options: SimCliOptions = {
    url: flag.gatewayUrl('--url', values.url),
    nodes: flag.integer('--nodes', values.nodes, 1),
    asrLanguages,
    targetLanguages: values.tgt === undefined ? asrLanguages : flag.langList('--tgt', values.tgt),
    latency: parseLatency(values.latency),
    failureRate: flag.probability('--failure-rate', values['failure-rate']),
    tts: values['no-tts'] !== true,
    maxJobs: flag.integer('--max-jobs', values['max-jobs'], 1),
    seed: flag.integer('--seed', values.seed, 0),
    rejectRepeats: !values['allow-repeats'],
    json: values.json,
    quiet: values.quiet,
  };
  const langSets = values['lang-set']?.map((s) => flag.langList('--lang-set', s));
  if (langSets !== undefined) options.langSets = langSets;
  if (values.region !== undefined) options.region = values.region;
  if (values['gpu-tier'] !== undefined) options.gpuTier = values['gpu-tier'];
  if (values['heartbeat-ms'] !== undefined) {
    options.heartbeatIntervalMs = flag.integer('--heartbeat-ms', values['heartbeat-ms'], 1);
  }
  if (values['drain-timeout-ms'] !== undefined) {
    options.drainTimeoutMs = flag.integer('--drain-timeout-ms', values['drain-timeout-ms'], 0);
  }
  if (values['state-dir'] !== undefined) options.stateDir = values['state-dir'];
  const token = readToken(values.token, values['token-file']);
  if (token !== undefined) options.token = token;
  return { kind: 'run', options };
}

/** `--token`, or the content of `--token-file`; giving both is a mistake, not a choice. */
function readToken(token: string | undefined, file: string | undefined): string | undefined {
  if (token !== undefined && file !== undefined) throw invalid('use either --token or --token-file');
  if (token !== undefined) return flag.token('--token', token);
  if (file === undefined) return undefined;
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    throw invalid(`--token-file: ${(err as Error).message}`);
  }
  return flag.token('--token-file', content);
}

function invalid(message: string): NodeAgentError {
  return new NodeAgentError('INVALID_OPTIONS', message);
}

const flag = flagReaders(invalid);
