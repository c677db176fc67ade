import type { z } from 'zod';
import type { EntityManager } from '@mikro-orm/mariadb';
import type { PresenceService } from '../presence/presence.service.ts';
import type { PresenceState } from '../../shared/realtime.ts';
import type { AgentCallFigures, LiveCall } from '../../shared/schemas/telephony.ts';
import { dbDate } from './calls.store.ts';
import { readTenantDay } from '../common/tenant-day.ts';

type LiveCallView = z.infer<typeof LiveCall>;
type AgentFigures = z.infer<typeof AgentCallFigures>;

/** Calls ringing or in progress now, oldest first (a call left ringing for a day is not live any more). */
export async function liveCalls(em: EntityManager, tenantId: number): Promise<LiveCallView[]> {
  const rows = (await em.execute(
    `select c.id, c.user_id, u.name as user_name, c.direction, c.from_number, c.to_number, c.status, c.started_at, c.answered_at
       from calls c left join users u on u.id = c.user_id
      where c.tenant_id = ? and c.status in ('ringing', 'in_progress') and c.started_at > utc_timestamp() - interval 1 day
      order by c.started_at, c.id`,
    [tenantId],
  )) as Record<string, unknown>[];
  return rows.map((r) => ({
    callId: Number(r.id), userId: r.user_id == null ? null : Number(r.user_id), userName: (r.user_name as string) ?? null,
    direction: r.direction as 'inbound' | 'outbound', number: String(r.direction === 'inbound' ? r.from_number : r.to_number),
    status: r.status as LiveCallView['status'], startedAt: dbDate(r.started_at)!.toISOString(), answeredAt: dbDate(r.answered_at)?.toISOString() ?? null,
  }));
}

/**
 * Today's figures per agent (the tenant's day): calls, answered, by direction, talk
 * time, average handle time (talk + wrap-up over answered calls that ended) and the
 * seconds in each presence state (PresenceService.timeInState, the same numbers as
 * /presence/time-in-state for the same day). Agents are the active users whose role may make calls,
 * plus anyone who had a call or a presence state today.
 */
export async function todayFigures(em: EntityManager, presence: PresenceService, tenantId: number, day?: string): Promise<{ date: string; timezone: string; from: string; to: string; data: AgentFigures[] }> {
  const { date, timezone, from, to } = await readTenantDay(em, tenantId, day);
  const [agents, callRows, presenceRows] = await Promise.all([
    em.execute(
      `select u.id, u.name from users u
        where u.tenant_id = ? and u.is_active = 1
          and u.role in (select p.role from permissions p where p.tenant_id = u.tenant_id and p.permission = 'calls.make')`,
      [tenantId],
    ) as Promise<{ id: number; name: string }[]>,
    em.execute(
      `select c.user_id, u.name, count(*) as calls, sum(c.answered_at is not null) as answered,
              sum(c.direction = 'inbound') as inbound, sum(c.direction = 'outbound') as outbound,
              sum(case when c.answered_at is not null then coalesce(c.duration_seconds, 0) else 0 end) as talk,
              avg(case when c.answered_at is not null and c.ended_at is not null
                       then coalesce(c.duration_seconds, 0) + coalesce(greatest(0, timestampdiff(second, c.ended_at, c.closed_at)), 0) end) as aht
         from calls c join users u on u.id = c.user_id
        where c.tenant_id = ? and c.started_at >= ? and c.started_at < ? and c.user_id is not null
        group by c.user_id, u.name`,
      [tenantId, from, to],
    ) as Promise<Record<string, unknown>[]>,
    presence.timeInState(em, tenantId, from, to),
  ]);
  const byUser = new Map<number, AgentFigures>();
  const empty = (userId: number, name: string): AgentFigures => ({
    userId, name, calls: 0, answered: 0, inbound: 0, outbound: 0, averageHandleSeconds: null, talkSeconds: 0,
    presenceSeconds: { available: 0, away: 0, not_ready: 0, on_call: 0, wrap_up: 0, offline: 0 } satisfies Record<PresenceState, number>,
  });
  for (const a of agents) byUser.set(Number(a.id), empty(Number(a.id), a.name));
  for (const r of callRows) {
    const id = Number(r.user_id);
    const f = byUser.get(id) ?? empty(id, String(r.name));
    Object.assign(f, {
      calls: Number(r.calls), answered: Number(r.answered ?? 0), inbound: Number(r.inbound ?? 0), outbound: Number(r.outbound ?? 0),
      talkSeconds: Number(r.talk ?? 0), averageHandleSeconds: r.aht == null ? null : Math.round(Number(r.aht)),
    });
    byUser.set(id, f);
  }
  for (const p of presenceRows) {
    const f = byUser.get(p.userId) ?? empty(p.userId, p.name);
    f.presenceSeconds = { ...p.seconds };
    byUser.set(p.userId, f);
  }
  const data = [...byUser.values()].sort((a, b) => a.name.localeCompare(b.name) || a.userId - b.userId);
  return { date, timezone, from: from.toISOString(), to: to.toISOString(), data };
}
