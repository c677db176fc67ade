import type { EntityManager } from '@mikro-orm/mariadb';

/**
 * The per-status lead counters (`lead_status_counts`, server/crm/lead-status-count.entity.ts).
 *
 * Every write that adds, removes or moves leads calls `adjustLeadCounts` with the
 * EntityManager of its own transaction, as its last statement (after its write to
 * `leads` and its flush): the counts commit or roll back with the change. Each
 * adjustment is an atomic `UPDATE … SET n = n + ?` of one (tenant, status) row, so
 * concurrent writers never lose an increment. The row is hot (every change of that
 * column waits for it), so it is locked last and held only until the commit: a
 * transaction holding a counter never waits for anything but another counter, and
 * those it takes in status-id order, so two moves A→B and B→A cannot deadlock on
 * them (a delete waiting on a gap lock of lead_activities while a move holding the
 * counter inserts its activity did, before the counters went last). A counter row is created with
 * its status (LeadStatusService); a status that got none (created some other way)
 * gets it on its first adjustment, counted from `leads` in the same transaction.
 */

/** Adds `deltas` ([status id, +n/−n]) to the counters of `tenantId`, in `em`'s transaction. */
export async function adjustLeadCounts(em: EntityManager, tenantId: number, deltas: Iterable<[number, number]>): Promise<void> {
  const byStatus = new Map<number, number>();
  for (const [s, d] of deltas) byStatus.set(s, (byStatus.get(s) ?? 0) + d);
  const entries = [...byStatus].filter(([, d]) => d !== 0).sort(([a], [b]) => a - b);
  for (const [statusId, delta] of entries) {
    const res = (await em.execute('update lead_status_counts set n = n + ? where tenant_id = ? and lead_status_id = ?', [delta, tenantId, statusId], 'run')) as { affectedRows: number };
    if (res.affectedRows === 1) continue;
    // No row yet: create it from the leads the status holds now (this transaction's change included),
    // or, if a concurrent transaction created it meanwhile, add the delta to its count.
    await em.execute(
      `insert into lead_status_counts (tenant_id, lead_status_id, n)
         select ?, ?, count(*) from leads where tenant_id = ? and lead_status_id = ?
       on duplicate key update n = n + ?`,
      [tenantId, statusId, tenantId, statusId, delta],
      'run',
    );
  }
}

/** The counter row of a new status (0 leads), in the transaction that creates the status. */
export async function createLeadCount(em: EntityManager, tenantId: number, statusId: number): Promise<void> {
  await em.execute('insert ignore into lead_status_counts (tenant_id, lead_status_id, n) values (?, ?, 0)', [tenantId, statusId], 'run');
}

/**
 * Sets the counters to the leads as they are (one row per status, 0 for an empty
 * one): for bulk loads that write `leads` directly (the demo seed, the benchmark's
 * generator), in their transaction. Without `tenantId`, every tenant.
 */
export function recountLeadsSql(tenantId?: number): { sql: string; params: unknown[] } {
  return {
    sql: `insert into lead_status_counts (tenant_id, lead_status_id, n)
            select s.tenant_id, s.id, count(l.id) from lead_statuses s
              left join leads l on l.tenant_id = s.tenant_id and l.lead_status_id = s.id
             ${tenantId === undefined ? '' : 'where s.tenant_id = ?'}
             group by s.tenant_id, s.id
          on duplicate key update n = values(n)`,
    params: tenantId === undefined ? [] : [tenantId],
  };
}

export async function recountLeads(em: EntityManager, tenantId?: number): Promise<void> {
  const { sql, params } = recountLeadsSql(tenantId);
  await em.execute(sql, params, 'run');
}
