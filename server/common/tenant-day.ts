import type { EntityManager } from '@mikro-orm/mariadb';
import { isTimeZone } from '../../shared/time-zones.ts';

/**
 * A tenant's calendar day: the figures a supervisor reads as "today" (calls, time
 * in each presence state) run from local midnight to local midnight in the
 * tenant's time zone (tenants.timezone, IANA), not from UTC midnight. A day may be
 * 23 or 25 hours long where the zone changes to or from daylight saving time.
 */
export interface TenantDay {
  /** YYYY-MM-DD in the tenant's zone. */
  date: string;
  /** The zone the day was read in (UTC when the stored one is unknown to this runtime). */
  timezone: string;
  from: Date;
  to: Date;
}

/** The UTC offset (ms) of `timeZone` at instant `t`. */
function offsetAt(timeZone: string, t: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(new Date(t))
      .map((p) => [p.type, Number(p.value)]),
  );
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - Math.floor(t / 1000) * 1000;
}

/** Local midnight of a calendar date in `timeZone`, as an instant. */
function localMidnight(timeZone: string, y: number, m: number, d: number): Date {
  const guess = Date.UTC(y, m - 1, d);
  let at = guess - offsetAt(timeZone, guess);
  at = guess - offsetAt(timeZone, at);
  return new Date(at);
}

/** The day `date` (YYYY-MM-DD) in `timeZone`, or today there when `date` is not given. */
export function tenantDay(timeZone: string, date?: string, now = new Date()): TenantDay {
  const tz = isTimeZone(timeZone) ? timeZone : 'UTC';
  const day = date ?? new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  const [y, m, d] = day.split('-').map(Number);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return { date: day, timezone: tz, from: localMidnight(tz, y, m, d), to: localMidnight(tz, next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()) };
}

/** `tenantDay` in the tenant's stored time zone. */
export async function readTenantDay(em: EntityManager, tenantId: number, date?: string): Promise<TenantDay> {
  const [tenant] = (await em.execute('select timezone from tenants where id = ?', [tenantId])) as { timezone: string }[];
  return tenantDay(tenant?.timezone ?? 'UTC', date);
}
