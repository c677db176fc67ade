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
 * The day's calls of a tenant's agents, each with the end of its wrap-up (`wrap_end`), for the average handle time.
 * The wrap-up of a call that ended is over at the first of: the call being closed (its disposition saved), or the
 * agent being in any state but wrap-up after the call ended (available by the wrap-up timeout or by their own
 * choice, on their next call, offline). A call closed days later therefore counts only the time its agent really
 * spent wrapping it up, and a call whose agent is still in wrap-up now (not closed, no later state) has no
 * `wrap_end` and stays out of the average until it is over. Parameters: tenant, from, to.
 */
const WRAP_END_SQL = `
  select x.*, least(coalesce(x.closed_at, x.next_state), coalesce(x.next_state, x.closed_at)) as wrap_end
    from (select c.user_id, c.direction, c.answered_at, c.ended_at, c.closed_at, c.duration_seconds,
                 case when c.answered_at is not null and c.ended_at is not null then
                   (select min(pe.started_at) from presence_events pe
                     where pe.tenant_id = c.tenant_id and pe.user_id = c.user_id and pe.started_at > c.ended_at and pe.state <> 'wrap_up')
                 end as next_state
            from calls c
           where c.tenant_id = ? and c.started_at >= ? and c.started_at < ? and c.user_id is not null) x`;

/**
 * Today's figures per agent (the tenant's day): calls, answered, by direction, talk
 * time, average handle time (talk + wrap-up over answered calls whose wrap-up is over: WRAP_END_SQL) and the
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
              avg(case when c.answered_at is not null and c.ended_at is not null and c.wrap_end is not null
                       then coalesce(c.duration_seconds, 0) + greatest(0, timestampdiff(second, c.ended_at, c.wrap_end)) end) as aht
         from (${WRAP_END_SQL}) c join users u on u.id = c.user_id
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
