import { Queue, Worker, type Job } from 'bullmq';
import type { MikroORM } from '@mikro-orm/mariadb';
import type { Logger } from '../logger.ts';
import { RefreshToken } from '../auth/refresh-token.entity.ts';

export const MAINTENANCE_QUEUE = 'maintenance';
export type MaintenanceJobName = 'purge-expired-tokens';
export interface MaintenanceData {
  /** Rows expired for longer than this are deleted. */
  graceDays: number;
}

/**
 * The processor is a plain function that switches on the job name, so it can
 * be tested without a worker. Cross-tenant on purpose: it sweeps every tenant.
 */
export async function processMaintenance(orm: MikroORM, job: Pick<Job<MaintenanceData, unknown, MaintenanceJobName>, 'name' | 'data'>): Promise<{ deleted: number }> {
  switch (job.name) {
    case 'purge-expired-tokens': {
      const em = orm.em.fork();
      const before = new Date(Date.now() - job.data.graceDays * 86_400_000);
      const deleted = await em.nativeDelete(RefreshToken, { expiresAt: { $lt: before } }, { filters: { tenant: false } });
      return { deleted };
    }
    default:
      throw new Error(`unknown maintenance job ${String(job.name)}`);
  }
}

export function maintenanceQueue(connection: { url: string }, prefix: string): Queue<MaintenanceData, unknown, MaintenanceJobName> {
  return new Queue<MaintenanceData, unknown, MaintenanceJobName>(MAINTENANCE_QUEUE, { connection: { url: connection.url }, prefix });
}

export async function scheduleMaintenance(queue: Queue<MaintenanceData, unknown, MaintenanceJobName>): Promise<void> {
  // A job scheduler is idempotent by id: every worker may call this at start.
  await queue.upsertJobScheduler('purge-expired-tokens-hourly' as MaintenanceJobName, { every: 3_600_000 }, { name: 'purge-expired-tokens', data: { graceDays: 1 } });
}

export function maintenanceWorker(orm: MikroORM, connection: { url: string }, prefix: string, logger: Logger): Worker<MaintenanceData, unknown, MaintenanceJobName> {
  const worker = new Worker<MaintenanceData, unknown, MaintenanceJobName>(MAINTENANCE_QUEUE, (job) => processMaintenance(orm, job), { connection: { url: connection.url }, prefix, concurrency: 1 });
  worker.on('error', (err) => logger.error({ err }, 'maintenance worker error'));
  worker.on('failed', (job, err) => logger.warn({ err, jobId: job?.id }, 'maintenance job failed'));
  return worker;
}
