import { Queue, Worker, type Job } from 'bullmq';
import type { MikroORM } from '@mikro-orm/mariadb';
import type { Logger } from '../logger.ts';
import type { PresenceService } from '../presence/presence.service.ts';
import { otherCallInProgress } from './calls.store.ts';

export const WRAPUP_QUEUE = 'wrapup';
export type WrapupJobName = 'wrapup-timeout';
export interface WrapupJobData {
  tenantId: number;
  userId: number;
  callId: number;
  /** When the agent went to wrap-up for this call (ms); a later wrap-up (another call) is not this job's. */
  at: number;
}

export const wrapupJobId = (tenantId: number, callId: number) => `wrapup-${tenantId}-${callId}`;

/** Schedules "back to available after the timeout" for an agent who just went to wrap-up. */
export class WrapupScheduler {
  constructor(readonly queue: Queue<WrapupJobData, unknown, WrapupJobName>) {}

  async schedule(data: WrapupJobData, delaySeconds: number): Promise<void> {
    await this.queue.add('wrapup-timeout', data, {
      jobId: wrapupJobId(data.tenantId, data.callId),
      delay: delaySeconds * 1000,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 86_400 },
    });
  }
}

/**
 * Returns the agent to available when the timeout runs out, unless they left this
 * wrap-up already (closed the call, took another call, chose another state).
 */
export async function processWrapupTimeout(orm: MikroORM, presence: PresenceService, job: Pick<Job<WrapupJobData, unknown, WrapupJobName>, 'data'>): Promise<'available' | 'skipped'> {
  const { tenantId, userId, callId, at } = job.data;
  const cur = await presence.current(tenantId, userId);
  if (!cur || cur.state !== 'wrap_up' || Date.parse(cur.since) > at) return 'skipped';
  // A call of theirs in progress (or ringing into one) keeps them where the call puts them.
  if (await otherCallInProgress(orm.em.fork(), tenantId, userId, callId)) return 'skipped';
  await presence.setBySystem(tenantId, userId, 'available');
  return 'available';
}

export function wrapupQueue(url: string, prefix: string): Queue<WrapupJobData, unknown, WrapupJobName> {
  return new Queue<WrapupJobData, unknown, WrapupJobName>(WRAPUP_QUEUE, { connection: { url, maxRetriesPerRequest: null }, prefix });
}

export function wrapupWorker(orm: MikroORM, presence: PresenceService, url: string, prefix: string, logger: Logger): Worker<WrapupJobData, unknown, WrapupJobName> {
  const worker = new Worker<WrapupJobData, unknown, WrapupJobName>(WRAPUP_QUEUE, (job) => processWrapupTimeout(orm, presence, job), { connection: { url, maxRetriesPerRequest: null }, prefix, concurrency: 4 });
  worker.on('error', (err) => logger.error({ err }, 'wrap-up worker error'));
  worker.on('failed', (job, err) => logger.warn({ err, jobId: job?.id }, 'wrap-up timeout failed'));
  return worker;
}
