import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { createHandlers } from '../../client/realtime/handlers.ts';
import { useLeadsStore } from '../../client/stores/leads.ts';
import { useCallsStore } from '../../client/stores/calls.ts';
import { useViewersStore } from '../../client/stores/viewers.ts';
import { usePresenceStore } from '../../client/stores/presence.ts';
import { useSessionStore } from '../../client/stores/session.ts';
import { useLeadActivitiesStore } from '../../client/stores/leadActivities.ts';
import type { CallView } from '../../shared/schemas/telephony.ts';
import type { LeadView } from '../../shared/schemas/leads.ts';

// user:renamed in the console without a browser: every name the stores hold for that user follows, in seq order.

const ALEX = 3;
const SAM = 4;
const lead = (id: number, assignedToId: number | null, assignedToName: string | null): LeadView => ({
  id, statusId: 1, statusName: 'New', statusColor: '#3B82F6', assignedToId, assignedToName, createdById: null, name: `Lead ${id}`, companyName: null,
  email: null, phone: null, source: null, score: 'warm', estimatedValue: null, lastContactedAt: null, nextFollowupAt: null, version: 1, createdAt: null, updatedAt: null,
});
const call = (id: number, userId: number, userName: string): CallView => ({
  id, userId, userName, direction: 'inbound', fromNumber: '+12025550101', toNumber: '+12025550100', extension: '1001', status: 'in_progress',
  startedAt: '2026-12-02T10:00:00.000Z', answeredAt: '2026-12-02T10:00:04.000Z', endedAt: null, durationSeconds: null, relatedType: null, relatedId: null,
  relatedName: null, dispositionId: null, dispositionName: null, wrapupNotes: null, closedAt: null, consoleCallId: null, sipCallId: null, pbxCallId: 'p1',
  hasRecording: false, recordingUrl: null,
});
const renamed = (seq: number, id: number, name: string) => ({ id: `ev-${seq}`, seq, tenantId: 1, type: 'user:renamed' as const, at: '2026-12-02T11:00:00.000Z', data: { id, name } });

describe('user:renamed', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('renames the user on leads, calls, live calls, viewers, timelines, the agents board and their own session; other users keep theirs', () => {
    const handlers = createHandlers();
    const leads = useLeadsStore();
    const calls = useCallsStore();
    const viewers = useViewersStore();
    const presence = usePresenceStore();
    const session = useSessionStore();
    const activities = useLeadActivitiesStore();
    session.user = { id: ALEX, tenantId: 1, name: 'Alex Agent', email: 'agent1@acme.test', role: 'sales_agent' } as NonNullable<typeof session.user>;
    leads.upsert(lead(10, ALEX, 'Alex Agent'), 5);
    leads.upsert(lead(11, SAM, 'Sam Supervisor'), 5);
    calls.applyMany([call(20, ALEX, 'Alex Agent'), call(21, SAM, 'Sam Supervisor')], 5);
    calls.applyLiveSnapshot([{ callId: 20, userId: ALEX, userName: 'Alex Agent', direction: 'inbound', number: '+12025550101', status: 'in_progress', startedAt: '2026-12-02T10:00:00.000Z', answeredAt: null }], 5);
    viewers.applySnapshot('lead', 10, [{ userId: ALEX, name: 'Alex Agent' }, { userId: SAM, name: 'Sam Supervisor' }], 5);
    presence.applySnapshot([
      { userId: ALEX, name: 'Alex Agent', role: 'sales_agent', state: 'available', reasonId: null, reasonName: null, since: null },
      { userId: SAM, name: 'Sam Supervisor', role: 'supervisor', state: 'away', reasonId: null, reasonName: null, since: null },
    ], 5);
    activities.applyFirstPage(10, { data: [{ id: 30, leadId: 10, userId: ALEX, userName: 'Alex Agent', type: 'note', payload: null, createdAt: '2026-12-02T09:00:00.000Z' }], nextCursor: null });
    const tick = calls.changeTick;

    handlers['user:renamed'](renamed(8, ALEX, 'Alex Renamed'));

    expect(leads.byId[10]!.assignedToName).toBe('Alex Renamed');
    expect(leads.byId[11]!.assignedToName).toBe('Sam Supervisor');
    expect(calls.byId[20]!.userName).toBe('Alex Renamed');
    expect(calls.byId[21]!.userName).toBe('Sam Supervisor');
    expect(calls.live[20]!.userName).toBe('Alex Renamed');
    expect(calls.changeTick).toBeGreaterThan(tick);
    expect(viewers.viewersOf('lead', 10)).toEqual([{ userId: ALEX, name: 'Alex Renamed' }, { userId: SAM, name: 'Sam Supervisor' }]);
    expect(presence.agents[ALEX]!.name).toBe('Alex Renamed');
    expect(presence.agents[SAM]!.name).toBe('Sam Supervisor');
    expect(activities.byLead[10]!.items[0]!.userName).toBe('Alex Renamed');
    expect(session.user!.name).toBe('Alex Renamed');

    // An older rename arriving late (two publishers) changes nothing; a newer one applies.
    handlers['user:renamed'](renamed(7, ALEX, 'Alex Old'));
    expect(leads.byId[10]!.assignedToName).toBe('Alex Renamed');
    expect(session.user!.name).toBe('Alex Renamed');
    handlers['user:renamed'](renamed(9, ALEX, 'Alex Third'));
    expect(leads.byId[10]!.assignedToName).toBe('Alex Third');
    expect(presence.agents[ALEX]!.name).toBe('Alex Third');
  });
});
