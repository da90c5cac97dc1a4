/**
 * A node process for node-agent.sigterm.test.ts: one NodeAgent with its default SIGTERM handling, connected to the
 * URL in argv[2]. Its first job stays in flight until the agent has answered another one (under a drain, the
 * refusal), so the test can check both halves of a drain against a real signal. Progress goes to stdout, a line per
 * step. Test-only: excluded from the build.
 */
import { NodeAgent } from '../node-agent.js';
import type { JobOutcome } from '../job-types.js';
import { simProfile } from '../sim/profile.js';

const url = process.argv[2];
if (url === undefined) throw new Error('usage: sigterm-agent <gateway url>');
const say = (line: string): void => void process.stdout.write(`${line}\n`);

let inflight: { jobId: string; finish: (o: JobOutcome) => void } | undefined;
const agent = new NodeAgent({
  url,
  profile: simProfile({ asrLanguages: ['en'], targetLanguages: ['zh'], region: 'eu', gpuTier: 'a100' }),
  handler: (job) =>
    new Promise<JobOutcome>((finish) => {
      inflight ??= { jobId: job.job_id, finish };
      say(`started ${job.job_id}`);
    }),
});
agent.on('result', (r) => {
  if (inflight !== undefined && r.job_id !== inflight.jobId)
    inflight.finish({ success: true, text_asr: 'done', text_translated: 'done' });
});
agent.on('drained', () => say('drained'));
await agent.start();
// Added after start(), so it runs after the agent's own SIGTERM listener: it reports the state that one left.
process.once('SIGTERM', () => say(`sigterm ${agent.lifecycle}`));
say('registered');
