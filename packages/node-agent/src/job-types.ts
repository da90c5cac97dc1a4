/** The contract between the agent and the code that runs the models. */
import type { JobAssign, JobResult } from '@lingua/protocol';

export interface JobContext {
  /** Sends an `asr_partial` for this job (dropped while the socket is down or after the job ended). */
  partial(text: string, isFinal: boolean): void;
  /** Aborted when the gateway cancels the job, or when the agent stops or its drain times out. */
  readonly signal: AbortSignal;
}

/**
 * What a handler returns: the `job_result` body without the fields the agent fills in from the assignment
 * (ids, utterance index, trace id). A failure is `{ success: false, error: { code, message } }`.
 */
export type JobOutcome = Omit<
  JobResult,
  'type' | 'job_id' | 'attempt_id' | 'node_id' | 'session_id' | 'utterance_index' | 'trace_id'
>;

export interface JobHandler {
  handle(job: JobAssign, ctx: JobContext): Promise<JobOutcome>;
}

/** A handler error carrying a wire error code (otherwise results report PROCESSING_ERROR). */
export class JobFailure extends Error {
  override readonly name = 'JobFailure';
  readonly code: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

/** The result code the existing node agent uses for processing failures. */
export const PROCESSING_ERROR = 'PROCESSING_ERROR';
