/**
 * The agent's default SIGTERM handling, with a real signal to a real process (node-agent.test.ts can only call the
 * listener: a signal to the test runner would reach its own handlers too).
 */
import { fileURLToPath } from 'node:url';
import { poll, runSourceCli, type SourceCliRun } from '@lingua/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeNodeGateway } from './testing/fake-gateway.js';
import { jobAssign as job } from './testing/job-assign.js';

const AGENT = fileURLToPath(new URL('./testing/sigterm-agent.ts', import.meta.url));

describe('NodeAgent under a real SIGTERM', () => {
  let gateway: FakeNodeGateway | undefined;
  let run: SourceCliRun | undefined;
  afterEach(async () => {
    run?.child.kill('SIGKILL');
    await gateway?.close();
  });

  it('refuses new jobs, delivers the one in flight, closes with 1000 and exits 0', async () => {
    gateway = await FakeNodeGateway.start();
    const agent = (run = runSourceCli(AGENT, [gateway.url]));
    const printed = (line: string) =>
      poll(() => agent.stdout.split('\n').includes(line), { what: `the agent prints "${line}"` });
    const conn = await gateway.nextConnection();
    await conn.accept('node-1');
    await printed('registered');
    conn.send(job('inflight', 0));
    await printed('started inflight');

    agent.child.kill('SIGTERM');
    await printed('sigterm draining');
    conn.send(job('late', 1));
    expect(await conn.next('job_result')).toMatchObject({
      job_id: 'late',
      success: false,
      error: { code: 'NODE_UNAVAILABLE' },
    });
    expect(await conn.next('job_result')).toMatchObject({ job_id: 'inflight', success: true });
    expect((await conn.closed).code).toBe(1000);
    expect(await agent.exited).toBe(0);
    expect(agent.stdout).toContain('drained');
    expect(agent.stdout).not.toContain('started late');
    expect(agent.stderr).toBe('');
  });
});
