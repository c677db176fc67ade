import type { MikroORM, EntityManager } from '@mikro-orm/mariadb';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { LeadStatus } from '../crm/lead-status.entity.ts';
import { Lead } from '../crm/lead.entity.ts';
import { LeadActivity } from '../crm/lead-activity.entity.ts';
import { recountLeads } from '../crm/lead-counts.ts';
import { CallDisposition } from '../telephony/call-disposition.entity.ts';
import { Call } from '../telephony/call.entity.ts';
import { PbxEvent } from '../telephony/pbx-event.entity.ts';
import { AgentSipCredential } from '../telephony/agent-sip-credential.entity.ts';
import { Contact } from '../contacts/contact.entity.ts';
import { hashPassword } from '../auth/passwords.ts';
import { seedDefaultPermissions } from '../tenancy/permissions.service.ts';
import { SecretBox, sipPasswordAad } from '../security/secret-box.ts';
import type { Role } from '../../shared/roles.ts';

/** Development-only credentials, printed in the README. */
export const DEMO_PASSWORD = 'demo-password';

export const DEFAULT_LEAD_STATUSES = [
  { name: 'New', color: '#3B82F6', isDefault: true },
  { name: 'Contacted', color: '#06B6D4' },
  { name: 'Qualified', color: '#8B5CF6' },
  { name: 'Proposal', color: '#F59E0B', requiresFollowupDate: true },
  { name: 'Negotiation', color: '#EC4899', requiresNote: true },
  { name: 'Won', color: '#10B981', isClosed: true, isWon: true },
  { name: 'Lost', color: '#EF4444', isClosed: true, isLost: true, requiresNote: true },
] as const;

/** Seed 003's default dispositions. */
export const DEFAULT_DISPOSITIONS = [
  { name: 'Answered', isDefault: true },
  { name: 'No Answer' },
  { name: 'Voicemail' },
  { name: 'Busy' },
  { name: 'Wrong Number' },
  { name: 'Follow-up Required', requiresNote: true },
] as const;

interface DemoUser { email: string; name: string; role: Role; extension?: string }

const TENANTS: { name: string; timezone: string; country: string; users: DemoUser[]; contacts: number; calls: number }[] = [
  {
    name: 'Acme Support', timezone: 'America/New_York', country: 'US', contacts: 60, calls: 40,
    users: [
      { email: 'admin@acme.test', name: 'Ada Admin', role: 'tenant_admin' },
      { email: 'supervisor@acme.test', name: 'Sam Supervisor', role: 'supervisor' },
      { email: 'agent1@acme.test', name: 'Alex Agent', role: 'sales_agent', extension: '1001' },
      { email: 'agent2@acme.test', name: 'Blair Agent', role: 'sales_agent', extension: '1002' },
      { email: 'support@acme.test', name: 'Casey Support', role: 'support_agent' },
      { email: 'viewer@acme.test', name: 'Val Viewer', role: 'read_only' },
    ],
  },
  {
    name: 'Globex Sales', timezone: 'Europe/London', country: 'GB', contacts: 20, calls: 10,
    users: [
      { email: 'admin@globex.test', name: 'Gail Globex', role: 'tenant_admin' },
      { email: 'agent1@globex.test', name: 'Hank Globex', role: 'sales_agent', extension: '2001' },
    ],
  },
];

const FIRST = ['Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Mateo', 'Sophia', 'Lucas', 'Mia', 'Ethan', 'Isabella', 'Aiden', 'Amara', 'Kenji', 'Priya', 'Diego', 'Fatima', 'Hugo', 'Ingrid', 'Jonas'];
const LAST = ['Nguyen', 'Garcia', 'Smith', 'Okafor', 'Rossi', 'Kowalski', 'Haddad', 'Tanaka', 'Silva', 'Müller', 'Dubois', 'Patel', 'Johansson', 'Kim', 'Ortiz'];
const COMPANIES = ['Northwind Traders', 'Initech', 'Umbrella Logistics', 'Stark Retail', 'Wayne Foods', 'Hooli Health', 'Vandelay Imports', 'Soylent Energy', 'Wonka Confections', 'Pied Piper Media', null];
const SOURCES = ['Website', 'Referral', 'Trade show', 'Cold call', 'WhatsApp', 'Partner'];

/** A small deterministic PRNG, so the demo data is the same on every machine. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function phoneFor(country: string, i: number): string {
  // Numbers valid to libphonenumber: Ofcom's London drama range for GB, 202-555 for the US.
  return country === 'GB' ? `+4420794600${String(i).padStart(2, '0')}` : `+1202555${String(1000 + i).padStart(4, '0')}`;
}

/**
 * Creates the demo tenants, users, statuses, dispositions, contacts, leads and
 * past calls. Every row is looked up by a natural key first, so running it
 * again adds nothing.
 */
export async function seedDemo(orm: MikroORM, secrets: SecretBox, opts: { sipWsUrl?: string; sipDomain?: string } = {}): Promise<{ tenants: number }> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  let count = 0;
  for (const [ti, spec] of TENANTS.entries()) {
    const em = orm.em.fork();
    let tenant = await em.findOne(Tenant, { name: spec.name });
    if (!tenant) {
      tenant = em.create(Tenant, { name: spec.name, timezone: spec.timezone, defaultCountry: spec.country, status: 'active' } as never);
      await em.flush();
    }
    const tenantId = tenant.id;
    em.setFilterParams('tenant', { tenantId });
    await seedDefaultPermissions(em, tenantId);
    count++;

    const users: InstanceType<any>[] = [];
    for (const u of spec.users) {
      let user = await em.findOne(User, { email: u.email }, { filters: { tenant: false } });
      if (!user) user = em.create(User, { tenant: tenantId, email: u.email, name: u.name, role: u.role, password: passwordHash, isActive: true } as never);
      users.push(user);
    }
    await em.flush();
    for (const [i, u] of spec.users.entries()) {
      if (!u.extension) continue;
      const user = users[i];
      const have = await em.findOne(AgentSipCredential, { user: user.id });
      if (have) continue;
      const enc = secrets.encrypt(`sip-${u.extension}-demo`, sipPasswordAad(tenantId, user.id));
      em.create(AgentSipCredential, {
        tenant: tenantId, user: user.id, sipWsUrl: opts.sipWsUrl ?? 'wss://pbx.example.test:8089/ws', sipUsername: u.extension,
        passwordCiphertext: enc.ciphertext, passwordKeyId: enc.keyId, sipDomain: opts.sipDomain ?? 'pbx.example.test', displayName: u.name, autoRegister: true,
      } as never);
    }
    await em.flush();

    const statuses = await ensureStatuses(em, tenantId);
    const dispositions = await ensureDispositions(em, tenantId);
    const agents = users.filter((_, i) => ['sales_agent', 'support_agent'].includes(spec.users[i].role));
    await ensureCrmData(em, tenantId, spec, statuses, dispositions, agents, ti + 1);
    if (ti === 0) await ensureTodayCalls(em, tenantId, dispositions, new Map(spec.users.flatMap((u, i) => (u.extension ? [[u.extension, users[i]] as const] : []))));
  }
  return { tenants: count };
}

async function ensureStatuses(em: EntityManager, tenantId: number) {
  const existing = await em.find(LeadStatus, { tenant: tenantId }, { orderBy: { sortOrder: 'asc' } });
  if (existing.length) return existing;
  const rows = DEFAULT_LEAD_STATUSES.map((s, i) => em.create(LeadStatus, { tenant: tenantId, sortOrder: i, ...s } as never));
  // Each status with its lead counter (lead_status_counts), as LeadStatusService creates them.
  await flushWithLeadCounts(em, tenantId);
  return rows;
}

/** Flushes, and sets the tenant's per-status lead counters (lead_status_counts) to match, in one transaction. */
async function flushWithLeadCounts(em: EntityManager, tenantId: number) {
  await em.begin();
  try {
    await em.flush();
    await recountLeads(em, tenantId);
    await em.commit();
  } catch (err) {
    await em.rollback();
    throw err;
  }
}

async function ensureDispositions(em: EntityManager, tenantId: number) {
  const existing = await em.find(CallDisposition, { tenant: tenantId }, { orderBy: { sortOrder: 'asc' } });
  if (existing.length) return existing;
  const rows = DEFAULT_DISPOSITIONS.map((d, i) => em.create(CallDisposition, { tenant: tenantId, sortOrder: i, ...d } as never));
  await em.flush();
  return rows;
}

async function ensureCrmData(em: EntityManager, tenantId: number, spec: (typeof TENANTS)[number], statuses: any[], dispositions: any[], agents: any[], seed: number) {
  if ((await em.count(Contact, { tenant: tenantId })) > 0) return;
  const rand = prng(seed * 7919);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
  const now = Date.now();
  const contacts = [];
  const leads = [];
  for (let i = 0; i < spec.contacts; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const phone = phoneFor(spec.country, i);
    const email = `${first}.${last}.${i}@example.com`.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    contacts.push(em.create(Contact, { tenant: tenantId, firstName: first, lastName: last, phone, email } as never));
    // Two contacts in three are also leads in the pipeline.
    if (i % 3 !== 2) {
      const status = statuses[Math.min(statuses.length - 1, Math.floor(rand() * rand() * statuses.length * 1.3))];
      const followup = !status.isClosed && rand() < 0.5 ? new Date(now + Math.round((rand() * 10 - 2) * 86_400_000)) : null;
      leads.push(em.create(Lead, {
        tenant: tenantId, status, assignedTo: rand() < 0.85 ? pick(agents) : null, createdBy: pick(agents),
        name: `${first} ${last}`, companyName: pick(COMPANIES), email, phone, source: pick(SOURCES),
        score: pick(['hot', 'warm', 'cold'] as const), estimatedValue: Math.round(rand() * 50_000) / 1 + 500,
        nextFollowupAt: followup, lastContactedAt: rand() < 0.6 ? new Date(now - Math.round(rand() * 20 * 86_400_000)) : null,
      } as never));
    }
  }
  // The leads and their per-status counters in one transaction.
  await flushWithLeadCounts(em, tenantId);
  for (let i = 0; i < spec.calls; i++) {
    const lead = pick(leads);
    const agent = lead.assignedTo ?? pick(agents);
    const inbound = rand() < 0.4;
    const started = new Date(now - Math.round(rand() * 14 * 86_400_000));
    const answered = rand() < 0.75;
    const duration = answered ? 20 + Math.round(rand() * 600) : 0;
    const disposition = answered ? dispositions[0] : pick(dispositions.slice(1, 4));
    const call = em.create(Call, {
      tenant: tenantId, user: agent, relatedType: 'lead', relatedId: lead.id, direction: inbound ? 'inbound' : 'outbound',
      fromNumber: inbound ? lead.phone : '+12025550100', toNumber: inbound ? '+12025550100' : lead.phone, extension: null,
      status: 'closed', startedAt: started, answeredAt: answered ? new Date(started.getTime() + 8000) : null,
      endedAt: new Date(started.getTime() + 8000 + duration * 1000), durationSeconds: duration, pbxCallId: `seed-${tenantId}-${i}`,
      disposition, wrapupNotes: answered ? 'Discussed requirements; sending a quote.' : null, closedAt: new Date(started.getTime() + 60_000 + duration * 1000),
    } as never);
    await em.flush();
    em.create(LeadActivity, { tenant: tenantId, lead, user: agent, type: 'call', payload: { call_id: call.id, duration, outcome: disposition.name }, createdAt: call.closedAt } as never);
  }
  for (const lead of leads.slice(0, 15)) {
    em.create(LeadActivity, { tenant: tenantId, lead, user: lead.createdBy, type: 'note', payload: { note: 'Asked for pricing for 25 seats.' } } as never);
  }
  await em.flush();
}

/**
 * A few calls of today in the demo tenant, as the PBX webhook and the agents' wrap-ups
 * would have left them (their pbx_events included), so the supervisor's figures and
 * the call history are not empty on a fresh start; one came in on an extension that is
 * nobody's and waits, unassigned, for a supervisor. Idempotent on their PBX call ids.
 */
async function ensureTodayCalls(em: EntityManager, tenantId: number, dispositions: any[], agentByExtension: Map<string, any>) {
  const pbxCallId = (i: number) => `demo-today-${tenantId}-${i}`;
  if ((await em.count(Call, { tenant: tenantId, pbxCallId: pbxCallId(0) })) > 0) return;
  const leads = await em.find(Lead, { tenant: tenantId, phone: { $ne: null } }, { orderBy: { id: 'asc' }, limit: 5 });
  const byName = new Map(dispositions.map((d) => [d.name, d]));
  const DID = '+12025550100';
  const specs = [
    { ext: '1001', inbound: true, minutesAgo: 95, talk: 312, disposition: 'Answered', notes: 'Renewal questions; sending the new price list.' },
    { ext: '1001', inbound: false, minutesAgo: 70, talk: null, disposition: 'No Answer', notes: null },
    { ext: '1002', inbound: false, minutesAgo: 50, talk: 184, disposition: 'Follow-up Required', notes: 'Call back after their board meeting on Thursday.' },
    { ext: '1002', inbound: true, minutesAgo: 30, talk: 95, disposition: 'Answered', notes: null },
    { ext: '1099', inbound: true, minutesAgo: 12, talk: null, disposition: null, notes: null },
  ];
  const now = Math.floor(Date.now() / 1000) * 1000;
  for (const [i, c] of specs.entries()) {
    const agent = agentByExtension.get(c.ext) ?? null;
    const lead = leads[i] ?? null;
    const other = lead?.phone ?? '+12025550123';
    const started = new Date(now - c.minutesAgo * 60_000);
    const answered = c.talk !== null ? new Date(started.getTime() + 7000) : null;
    const ended = new Date((answered ?? started).getTime() + (c.talk ?? 25) * 1000);
    const disposition = c.disposition ? byName.get(c.disposition) : null;
    const closedAt = disposition ? new Date(ended.getTime() + 45_000) : null;
    const call = em.create(Call, {
      tenant: tenantId, user: agent, relatedType: lead ? 'lead' : null, relatedId: lead?.id ?? null, direction: c.inbound ? 'inbound' : 'outbound',
      fromNumber: c.inbound ? other : DID, toNumber: c.inbound ? DID : other, extension: c.ext, status: closedAt ? 'closed' : 'ended',
      startedAt: started, answeredAt: answered, endedAt: ended, durationSeconds: c.talk ?? 0, pbxCallId: pbxCallId(i),
      disposition: disposition ?? null, wrapupNotes: c.notes, closedAt,
    } as never);
    await em.flush();
    const payload = { call_id: pbxCallId(i), direction: c.inbound ? 'inbound' : 'outbound', from: call.fromNumber, to: call.toNumber, extension: c.ext };
    const events: [string, Date, Record<string, unknown>][] = [['call.ringing', started, {}], ...(answered ? [['call.answered', answered, {}] as [string, Date, Record<string, unknown>]] : []), ['call.ended', ended, { duration_seconds: c.talk ?? 0 }]];
    for (const [event, at, extra] of events) {
      em.create(PbxEvent, { tenant: tenantId, pbxCallId: pbxCallId(i), event, call, payload: { ...payload, event, timestamp: at.toISOString(), ...extra }, occurredAt: at, receivedAt: at } as never);
    }
    if (lead && agent && disposition) {
      em.create(LeadActivity, {
        tenant: tenantId, lead, user: agent, type: 'call', createdAt: closedAt,
        payload: { call_id: call.id, direction: call.direction, duration: c.talk ?? 0, outcome: disposition.name, disposition_id: disposition.id, notes: c.notes },
      } as never);
    }
  }
  await em.flush();
}
