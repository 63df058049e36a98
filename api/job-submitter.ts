import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ChatRequest } from '../shared/canonical/chat-request.js';
import type { ChatCompletion } from '../shared/canonical/chat-response.js';
import type { RouteTarget, SwitchyardConfig } from '../shared/config/config-schema.js';
import { GatewayError } from '../shared/errors/gateway-error.js';
import type { AttemptRecord, CacheWrite, JobAdmission, JobMode, JobRecord, Priority } from '../shared/jobs/job-record.js';
import type { JobStore } from '../shared/jobs/job-store.js';
import type { KeyRecord } from '../shared/keys/key-store.js';
import type { LlmQueues } from '../shared/queues/llm-queues.js';
import type { WebhookQueue } from '../shared/queues/webhook-queue.js';
import type { RedisKeys } from '../shared/redis/redis-keys.js';
import type { TokenBuckets } from '../shared/rate-limit/index.js';
import { expectedWaitMs } from '../shared/routing/expected-wait.js';
import { routeWithOverrides, type FallbackOverride } from '../shared/routing/route-overrides.js';
import { TRANSLATORS } from '../shared/providers/translators.js';
import { createTraced, type Traced } from '../shared/tracing/spans.js';
import { IdempotencyClaims, type ClaimedCreate } from './idempotency-claims.js';

export interface SubmitInput {
  request: ChatRequest;
  /** Epoch ms after which the job fails with deadline_exceeded; 0 for none. */
  deadlineAt?: number;
  /** Whether the worker stores the answer in the response cache. */
  cache?: CacheWrite;
  /** What admission reserved for the job. */
  admission?: JobAdmission;
  key: KeyRecord;
  priority: Priority;
  mode: JobMode;
  /** For streams: the API process channel that relays chunks to the client. */
  replyTo?: string;
  /** The API request's `x-request-id`, kept on the job for worker logs and the webhook. */
  requestId?: string;
  metadata?: Record<string, string>;
  webhook?: { url: string } | null;
  /** Under an Idempotency-Key: throws unless the claim is still this request's; run right before the write. */
  confirmClaim?: () => Promise<void>;
}

/**
 * Turns a validated request into a job: resolves its route, rejects what no target can take (400,
 * nothing enqueued), writes the record and enqueues the first attempt.
 */
export class JobSubmitter {
  private readonly claims: IdempotencyClaims;
  private readonly traced: Traced;

  constructor(
    private readonly config: SwitchyardConfig,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly store: JobStore,
    private readonly queues: LlmQueues,
    private readonly webhooks: WebhookQueue,
    private readonly buckets: TokenBuckets,
    /** Tokens to reserve in a deployment's bucket (0 when it has no TPM limit: no tokenizer run for nothing). */
    private readonly estimateTokens: (request: ChatRequest, deployment: string) => number,
  ) {
    this.claims = new IdempotencyClaims(redis, keys, store, config.jobs.idempotencyTtlSeconds, () => this.newJobId());
    this.traced = createTraced(config.tracing);
  }

  /**
   * The route's targets that can take this request. A target whose vendor cannot take a part or
   * parameter is left out; when none can, the first target's 400 is the answer.
   */
  plan(request: ChatRequest, fallbacks?: FallbackOverride): RouteTarget[] {
    const route = routeWithOverrides(this.config, request.model, fallbacks);
    let firstError: GatewayError | undefined;
    const usable = route.filter((target) => {
      const provider = this.config.deployments[target.deployment]!.provider;
      try {
        TRANSLATORS[provider].toVendorRequest(request, target.model);
        return true;
      } catch (err) {
        if (!(err instanceof GatewayError)) throw err;
        firstError ??= err;
        return false;
      }
    });
    if (usable.length === 0) throw firstError!;
    return usable;
  }

  /** A fresh job id: `job_` and 32 hex digits (a v4 UUID without its dashes), URL-safe. */
  newJobId(): string {
    return `job_${randomUUID().replaceAll('-', '')}`;
  }

  /**
   * Records a job answered before it was queued (a cache hit on an async submit): it is born
   * succeeded, with no attempts, and its webhook goes out as for any other job.
   */
  async submitAnswered(input: SubmitInput, id: string, result: Record<string, unknown>): Promise<JobRecord> {
    await input.confirmClaim?.();
    const now = Math.floor(Date.now() / 1000);
    const record: JobRecord = {
      ...this.newRecord(input, id, []),
      status: 'succeeded',
      startedAt: now,
      completedAt: now,
      result: { ...(result as unknown as ChatCompletion), id: `chatcmpl-${id}`, created: now },
    };
    await this.store.createFinished(record);
    if (record.webhook) await this.webhooks.enqueue({ v: 1, jobId: id, type: 'job.succeeded', keyId: record.keyId });
    return record;
  }

  /**
   * Writes the record and enqueues attempt 1, so that no worker can take the attempt before its
   * record exists (see the ordering note in the body for Redis Cluster).
   */
  submit(input: SubmitInput, id = this.newJobId(), route = this.plan(input.request)): Promise<JobRecord> {
    const attributes = { 'switchyard.job_id': id, 'switchyard.team': input.key.team, 'switchyard.model': input.request.model, 'switchyard.priority': input.priority };
    return this.traced('switchyard.submit', attributes, () => this.write(input, id, route));
  }

  private async write(input: SubmitInput, id: string, route: RouteTarget[]): Promise<JobRecord> {
    const record = this.newRecord(input, id, route);
    const deadlineAt = record.deadlineAt;
    const step = deadlineAt > 0 ? await this.firstStepWithinDeadline(input.request, route, deadlineAt) : 0;
    await input.confirmClaim?.();
    const first = route[step]!;
    record.step = step;
    record.attempts = route.slice(0, step).map((target, i) => skippedForDeadline(target, i));
    // On one Redis both go out on one connection and run in that order. On a cluster the record and
    // the queue sit on different nodes: the record is written first, or a worker could take the
    // attempt before its record exists (and drop it as missing).
    const created = this.store.create(record);
    if (this.redis.isCluster) await created;
    await Promise.all([
      created,
      this.queues.add(first.deployment, {
        v: 1,
        jobId: id,
        seq: 1,
        team: record.team,
        model: record.model,
        priority: input.priority,
        deadlineAt,
        tokens: this.estimateTokens(input.request, first.deployment),
        hasNext: step + 1 < route.length,
      }),
    ]);
    return record;
  }

  private newRecord(input: SubmitInput, id: string, route: RouteTarget[]): JobRecord {
    return {
      v: 1,
      id,
      team: input.key.team,
      keyId: input.key.id,
      model: input.request.model,
      priority: input.priority,
      status: 'queued',
      createdAt: Math.floor(Date.now() / 1000),
      startedAt: null,
      completedAt: null,
      request: input.request,
      route,
      step: 0,
      seq: 1,
      attempts: [],
      result: null,
      error: null,
      metadata: input.metadata ?? {},
      ...(input.requestId ? { requestId: input.requestId } : {}),
      webhook: input.webhook ?? null,
      mode: input.mode,
      replyTo: input.replyTo ?? '',
      streamed: false,
      deadlineAt: input.deadlineAt ?? 0,
      cache: input.cache ?? { store: false },
      admission: input.admission ?? {},
    };
  }

  /**
   * Deadline-aware routing: skips route targets whose expected wait (bucket refill plus backlog at
   * their RPM) would break the deadline, as long as a later target remains.
   */
  private async firstStepWithinDeadline(request: ChatRequest, route: RouteTarget[], deadlineAt: number): Promise<number> {
    for (let step = 0; step < route.length - 1; step++) {
      const target = route[step]!;
      const deployment = this.config.deployments[target.deployment]!;
      const waitMs = await expectedWaitMs(this.buckets, this.queues, target.deployment, deployment, this.estimateTokens(request, target.deployment));
      if (Date.now() + waitMs <= deadlineAt) return step;
    }
    return route.length - 1;
  }

  /**
   * Creates at most one job per (virtual key, Idempotency-Key) within `jobs.idempotencyTtlSeconds`;
   * see IdempotencyClaims for the semantics and the 409/422 it throws. `create` gets the job id to
   * use and the claim check to pass on as `SubmitInput.confirmClaim`.
   */
  idempotent(keyId: string, idempotencyKey: string, fingerprint: string, create: ClaimedCreate): Promise<{ record: JobRecord; replay: boolean }> {
    return this.claims.run(keyId, idempotencyKey, fingerprint, create);
  }
}

function skippedForDeadline(target: RouteTarget, step: number): AttemptRecord {
  const error = new GatewayError('deadline_exceeded', `Skipped: the expected wait on '${target.deployment}' would break the job's deadline.`);
  return { step, deployment: target.deployment, model: target.model, status: 'failed', error: error.toData(), latency_ms: 0 };
}
