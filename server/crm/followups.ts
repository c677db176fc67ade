import { Queue, Worker, type Job } from 'bullmq';
import { UniqueConstraintViolationException, type MikroORM } from '@mikro-orm/mariadb';
import type { Logger } from '../logger.ts';
import type { Publisher } from '../realtime/publisher.ts';
import { Lead } from './lead.entity.ts';
import { LeadActivity } from './lead-activity.entity.ts';
import { Notification } from '../notifications/notification.entity.ts';
import { activityView } from './lead-views.ts';

export const REMINDERS_QUEUE = 'reminders';
export type ReminderJobName = 'lead-followup';
export interface FollowupJobData {
  tenantId: number;
  leadId: number;
  /** The follow-up time this job is for (ISO); a lead rescheduled since makes the job stale. */
  dueAt: string;
}

/** One job id per (lead, follow-up time): scheduling the same follow-up twice adds one job. */
export const followupJobId = (tenantId: number, leadId: number, dueAt: Date) => `lead-followup-${tenantId}-${leadId}-${dueAt.getTime()}`;

/**
 * Schedules follow-up reminders as BullMQ delayed jobs. They live in Redis, so
 * they survive a restart of every process; a job whose lead moved on (closed,
 * rescheduled, cleared, deleted) does nothing when it fires.
 */
export class FollowupScheduler {
  constructor(readonly queue: Queue<FollowupJobData, unknown, ReminderJobName>) {}

  /** Replaces the reminder of a lead: `previous` is cancelled, `next` (if any, in the future) scheduled. */
  async reschedule(tenantId: number, leadId: number, previous: Date | null, next: Date | null): Promise<void> {
    if (previous && (!next || previous.getTime() !== next.getTime())) await this.queue.remove(followupJobId(tenantId, leadId, previous));
    if (next) {
      await this.queue.add('lead-followup', { tenantId, leadId, dueAt: next.toISOString() }, {
        jobId: followupJobId(tenantId, leadId, next),
        delay: Math.max(0, next.getTime() - Date.now()),
        attempts: 5,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: { age: 86_400 },
        removeOnFail: { age: 7 * 86_400 },
      });
    }
  }

  async jobFor(tenantId: number, leadId: number, dueAt: Date) {
    return this.queue.getJob(followupJobId(tenantId, leadId, dueAt));
  }
}

/**
 * Fires one follow-up: a notification for the assignee (or the creator), a
 * `followup` activity, both pushed live. A plain function of the job, so it can
 * be tested without a worker; a retry after a partial failure writes nothing twice.
 */
export async function processFollowup(orm: MikroORM, publisher: Publisher, job: Pick<Job<FollowupJobData, unknown, ReminderJobName>, 'data'>): Promise<'fired' | 'stale' | 'already'> {
  const { tenantId, leadId, dueAt } = job.data;
  const em = orm.em.fork();
  em.setFilterParams('tenant', { tenantId });
  const lead = await em.findOne(Lead, { id: leadId }, { populate: ['status', 'assignedTo', 'createdBy'] });
  if (!lead || !lead.nextFollowupAt || lead.nextFollowupAt.getTime() !== new Date(dueAt).getTime() || lead.status.isClosed) return 'stale';
  const recipient = lead.assignedTo ?? lead.createdBy;
  if (!recipient) return 'stale';
  const done = (await em.getConnection().execute(
    "select id from lead_activities where tenant_id = ? and lead_id = ? and type = 'followup' and json_value(payload, '$.due_at') = ? limit 1",
    [tenantId, leadId, dueAt],
  )) as unknown[];
  if (done.length) return 'already';
  let written;
  try {
    written = await em.transactional(async (tx) => {
      // The dedupe key is unique: two runs racing (a stalled-job retry) cannot both write.
      const n = tx.create(Notification, {
        tenant: tenantId, user: recipient.id, type: 'followup.due', title: `Follow up with ${lead.name}`,
        body: lead.companyName ? `${lead.name} · ${lead.companyName}` : null, data: { leadId, dueAt }, dedupeKey: followupJobId(tenantId, leadId, new Date(dueAt)),
      } as never);
      const a = tx.create(LeadActivity, { tenant: tenantId, lead: leadId, user: recipient.id, type: 'followup', payload: { due_at: dueAt, notified_user_id: recipient.id } } as never);
      await tx.flush();
      return { notification: n, activity: a };
    });
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) return 'already';
    throw err;
  }
  const { notification, activity } = written;
  await publisher.publish(tenantId, 'notification:created', {
    id: notification.id, type: notification.type, title: notification.title, body: notification.body ?? null, data: notification.data ?? null,
    createdAt: (notification.createdAt ?? new Date()).toISOString(),
  }, { kind: 'user', userId: recipient.id });
  await publisher.publish(tenantId, 'lead:activity', activityView(activity, recipient.name), { kind: 'entity', entityType: 'lead', id: leadId });
  return 'fired';
}

export function remindersQueue(url: string, prefix: string): Queue<FollowupJobData, unknown, ReminderJobName> {
  return new Queue<FollowupJobData, unknown, ReminderJobName>(REMINDERS_QUEUE, { connection: { url, maxRetriesPerRequest: null }, prefix });
}

export function remindersWorker(orm: MikroORM, publisher: Publisher, url: string, prefix: string, logger: Logger): Worker<FollowupJobData, unknown, ReminderJobName> {
  const worker = new Worker<FollowupJobData, unknown, ReminderJobName>(REMINDERS_QUEUE, (job) => processFollowup(orm, publisher, job), { connection: { url, maxRetriesPerRequest: null }, prefix, concurrency: 4 });
  worker.on('error', (err) => logger.error({ err }, 'reminders worker error'));
  worker.on('failed', (job, err) => logger.warn({ err, jobId: job?.id }, 'follow-up reminder failed'));
  return worker;
}
