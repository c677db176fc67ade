import type { EntityManager } from '@mikro-orm/mariadb';
import type { Logger } from '../logger.ts';
import type { TenantContext } from '../http/context.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../http/errors.ts';
import { audit } from '../audit/audit.service.ts';
import type { Publisher } from '../realtime/publisher.ts';
import { Lead, type ILead } from '../crm/lead.entity.ts';
import { LeadActivity, type ILeadActivity } from '../crm/lead-activity.entity.ts';
import { activityView } from '../crm/lead-views.ts';
import type { LeadService, MovePlan } from '../crm/leads.service.ts';
import type { CallView } from '../../shared/schemas/telephony.ts';
import { callView, wholeSeconds, type CallRow } from './calls.store.ts';
import type { CallService } from './calls.service.ts';

export interface CloseCallBody {
  dispositionId?: number;
  notes?: string;
  leadId?: number;
  leadStatusId?: number;
  nextFollowupAt?: string;
}

interface Disposition {
  id: number;
  name: string;
  requiresNote: boolean;
}

/**
 * The wrap-up of a call: the agent closes their ended call with a disposition
 * (and notes when the disposition requires them). In one transaction: the
 * disposition and notes on the call, a `call` activity on the related lead (with
 * duration and outcome), optionally the lead's next status (with the pipeline's
 * own rules: LeadService.planMove / writeMove), the lead's last_contacted_at, and
 * the audit row. Then the events, and the agent's presence back to available.
 */
export class WrapupService {
  constructor(
    private readonly calls: CallService,
    private readonly leads: LeadService,
    private readonly publisher: Publisher,
    private readonly logger: Logger,
  ) {}

  async close(ctx: TenantContext, id: number, body: CloseCallBody): Promise<CallView> {
    // The lead may change between the checks and the write (someone moves it): plan again once.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.closeOnce(ctx, id, body);
      } catch (err) {
        if (attempt < 2 && err instanceof ConflictError && err.code === 'stale_version') continue;
        throw err;
      }
    }
  }

  private async closeOnce(ctx: TenantContext, id: number, body: CloseCallBody): Promise<CallView> {
    const tenantId = ctx.principal.tenantId;
    const userId = ctx.principal.userId!;
    const call = await this.calls.own(ctx, id);
    assertClosable(call);
    if (body.dispositionId === undefined) {
      throw new UnprocessableError('Pick a disposition to close the call.', [{ path: 'body.dispositionId', message: 'is required to close a call' }], 'disposition_required');
    }
    const disposition = await this.disposition(ctx.em, tenantId, body.dispositionId);
    const notes = body.notes ? body.notes : null;
    if (disposition.requiresNote && !notes) {
      throw new UnprocessableError(`The disposition "${disposition.name}" needs wrap-up notes.`, [{ path: 'body.notes', message: `is required with "${disposition.name}"` }], 'notes_required');
    }
    const lead = await this.lead(ctx, call, body);
    let plan: MovePlan | null = null;
    if (lead && (body.leadStatusId !== undefined || body.nextFollowupAt !== undefined)) {
      plan = await this.leads.planMove(ctx, lead, { statusId: body.leadStatusId ?? lead.status.id, note: notes ?? undefined, nextFollowupAt: body.nextFollowupAt }, {
        paths: { statusId: 'body.leadStatusId', note: 'body.notes', nextFollowupAt: 'body.nextFollowupAt' },
      });
      // The notes are on the call's activity; the move records them as its own note only when its status asks for one.
      if (!plan.target.requiresNote) plan.note = undefined;
      plan.noop = plan.from.id === plan.target.id && !plan.note && (plan.nextFollowup?.getTime() ?? null) === (plan.previousFollowup?.getTime() ?? null);
      if (plan.noop) plan = null;
    }

    const closedAt = wholeSeconds(new Date());
    const after: CallRow = {
      ...call, status: 'closed', dispositionId: disposition.id, wrapupNotes: notes, closedAt,
      ...(lead ? { relatedType: 'lead' as const, relatedId: lead.id } : {}),
    };
    const written = await ctx.em.transactional(async (em) => {
      const [row] = (await em.execute('select status, user_id from calls where tenant_id = ? and id = ? for update', [tenantId, id])) as { status: string; user_id: number | null }[];
      if (!row || Number(row.user_id) !== userId) throw new NotFoundError('Call');
      assertClosable({ status: row.status as CallRow['status'] });
      await em.execute(
        "update calls set status = 'closed', disposition_id = ?, wrapup_notes = ?, closed_at = ?, related_type = ?, related_id = ?, updated_at = ? where tenant_id = ? and id = ?",
        [disposition.id, notes, closedAt, after.relatedType, after.relatedId, new Date(), tenantId, id],
        'run',
      );
      let callActivity: ILeadActivity | null = null;
      let moved: ILeadActivity[] = [];
      if (lead) {
        callActivity = em.create(LeadActivity, {
          tenant: tenantId, lead: lead.id, user: userId, type: 'call',
          payload: { call_id: id, direction: call.direction, duration: call.durationSeconds ?? 0, outcome: disposition.name, disposition_id: disposition.id, notes },
        } as never);
        const contactedAt = call.endedAt ?? closedAt;
        const lastContactedAt = lead.lastContactedAt && lead.lastContactedAt > contactedAt ? lead.lastContactedAt : contactedAt;
        if (plan) moved = await this.leads.writeMove(ctx, em, plan, { lastContactedAt });
        else await this.leads.conditionalUpdate(ctx, em, lead, { lastContactedAt });
      }
      audit(em, ctx, {
        tenantId, userId, action: 'call.closed', entityType: 'call', entityId: id,
        changes: { dispositionId: disposition.id, disposition: disposition.name, leadId: lead?.id ?? null, leadStatusId: plan?.target.id ?? null },
      });
      await em.flush();
      return { callActivity, moved };
    });

    if (lead) {
      try {
        if (plan) await this.leads.afterMove(ctx, plan, written.moved);
        else await this.leads.afterChange(ctx, lead.id, 'lead:updated', []);
        if (written.callActivity) {
          await this.publisher.publish(tenantId, 'lead:activity', activityView(written.callActivity, ctx.principal.name), { kind: 'entity', entityType: 'lead', id: lead.id });
        }
      } catch (err) {
        this.logger.warn({ err, callId: id }, 'lead events after a wrap-up not published');
      }
    }
    const view = await this.calls.afterChange(ctx.em, tenantId, { before: call, after, absorbed: [] });
    await this.calls.leaveWrapup(tenantId, userId).catch((err) => this.logger.warn({ err, callId: id }, 'presence not returned to available'));
    return callView(view, ctx.principal.permissions.has('calls.recordings.view'));
  }

  private async disposition(em: EntityManager, tenantId: number, id: number): Promise<Disposition> {
    const [d] = (await em.execute('select id, name, requires_note, is_active from call_dispositions where tenant_id = ? and id = ?', [tenantId, id])) as Record<string, unknown>[];
    if (!d || !Number(d.is_active)) throw new UnprocessableError('That disposition does not exist or is retired.', [{ path: 'body.dispositionId', message: 'unknown disposition' }], 'unknown_disposition');
    return { id: Number(d.id), name: String(d.name), requiresNote: Boolean(Number(d.requires_note)) };
  }

  /** The lead the call is about: the one it is linked to, or `leadId` (which links it now). */
  private async lead(ctx: TenantContext, call: CallRow, body: CloseCallBody): Promise<ILead | null> {
    const linked = call.relatedType === 'lead' ? call.relatedId : null;
    if (body.leadId !== undefined && linked !== null && body.leadId !== linked) {
      throw new UnprocessableError('This call is about another lead.', [{ path: 'body.leadId', message: `the call is linked to lead ${linked}` }], 'lead_mismatch');
    }
    const leadId = body.leadId ?? linked;
    const lead = leadId ? await ctx.em.findOne(Lead, { id: leadId }, { populate: ['status', 'assignedTo'] }) : null;
    if (!lead && body.leadId !== undefined) throw new UnprocessableError('That lead does not exist.', [{ path: 'body.leadId', message: 'unknown lead' }], 'unknown_lead');
    if (!lead && (body.leadStatusId !== undefined || body.nextFollowupAt !== undefined)) {
      const path = body.leadStatusId !== undefined ? 'body.leadStatusId' : 'body.nextFollowupAt';
      throw new UnprocessableError('This call is not linked to a lead: pass leadId to link it.', [{ path, message: 'needs a lead (leadId)' }], 'no_lead');
    }
    return lead;
  }
}

function assertClosable(call: Pick<CallRow, 'status'>): void {
  if (call.status === 'closed') throw new ConflictError('This call is already wrapped up.', undefined, 'call_closed');
  if (call.status !== 'ended') throw new ConflictError('This call has not ended yet: wrap it up once it ends.', undefined, 'call_not_ended');
}
