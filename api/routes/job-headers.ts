import type { Response } from 'express';
import type { PublicJob } from '../../shared/jobs/job-record.js';

/** `x-switchyard-*` headers saying what happened to a job: its id, attempts, and what served it. */
export function setJobHeaders(res: Response, job: PublicJob): void {
  const served = [...job.attempts].reverse().find((a) => a.status === 'succeeded') ?? job.attempts.at(-1);
  res.setHeader('x-switchyard-job-id', job.id);
  res.setHeader('x-switchyard-attempts', String(job.attempts.length));
  if (served) {
    res.setHeader('x-switchyard-deployment', served.deployment);
    res.setHeader('x-switchyard-model', served.model);
  }
}
