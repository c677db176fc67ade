import { z } from 'zod';
import type { Role } from './roles.ts';
import type { Permission } from './permissions.ts';
import type { LeadActivityView, LeadStatusView, LeadView } from './schemas/leads.ts';
import type { CallView, DispositionView, ScreenPop } from './schemas/telephony.ts';
import type { ContactView } from './schemas/contacts.ts';

/**
 * The realtime contract, typed once and imported by the server and the console.
 *
 * Every change the server pushes is an {@link Envelope}: the Socket.IO event
 * name is the envelope's `type`, and the payload is the envelope itself. The
 * same envelopes come back, in order, from `sync:catchup` after a reconnect.
 */

export const PRESENCE_STATES = ['available', 'away', 'not_ready', 'on_call', 'wrap_up', 'offline'] as const;
export type PresenceState = (typeof PRESENCE_STATES)[number];
/** The states an agent picks in the console; on_call and wrap_up follow their calls. */
export const AGENT_SETTABLE_STATES = ['available', 'away', 'not_ready'] as const;

/** Entities a console can subscribe to, and the permission each needs. */
export const ENTITY_ROOMS = {
  lead: 'leads.view',
  conversation: 'chats.view',
  campaign: 'campaigns.view',
} as const satisfies Record<string, Permission>;
export type EntityRoomType = keyof typeof ENTITY_ROOMS;
export const VIEWABLE_ENTITIES = ['lead', 'conversation'] as const;

/** What a stamped event looks like on the wire. */
export interface Envelope<T extends string = string, D = unknown> {
  /** Unique id (UUID) of this event. */
  id: string;
  tenantId: number;
  /** Per-tenant sequence number; only grows. A client remembers the highest it saw. */
  seq: number;
  type: T;
  /** ISO 8601 time the event was published. */
  at: string;
  data: D;
}

export interface PresenceView {
  userId: number;
  name: string;
  role: Role;
  state: PresenceState;
  reasonId: number | null;
  reasonName: string | null;
  /** ISO time the user entered this state; null for a user never seen online. */
  since: string | null;
}

export interface Viewer {
  userId: number;
  name: string;
}

/** Every domain event the server publishes, by type, with its data. */
export interface DomainEvents {
  'presence:changed': PresenceView;
  'viewers:changed': { entityType: (typeof VIEWABLE_ENTITIES)[number]; entityId: number; viewers: Viewer[] };
  'user:created': { id: number; name: string; email: string; role: Role; isActive: boolean };
  'user:updated': { id: number; name: string; email: string; role: Role; isActive: boolean };
  /**
   * A user's name changed (to everyone in the tenant: names show on leads, calls, viewers and the agents
   * board). `user:updated`, with the whole profile, goes to holders of users.view only.
   */
  'user:renamed': { id: number; name: string };
  'permissions:changed': { role: Role; permissions: Permission[] };
  'notification:created': { id: number; type: string; title: string; body: string | null; data: Record<string, unknown> | null; createdAt: string };
  /**
   * The user read notifications in one of their tabs (to that user only): `ids` those read, or null for
   * "mark all read", which read every one up to `upToId`; `unread` is their unread count right after.
   */
  'notification:read': { ids: number[] | null; upToId: number | null; readAt: string; unread: number };
  /** A lead was created, edited, moved, assigned or deleted (to holders of leads.view). */
  'lead:created': { lead: LeadView; by: Viewer };
  'lead:updated': { lead: LeadView; by: Viewer };
  'lead:moved': { lead: LeadView; fromStatusId: number; toStatusId: number; by: Viewer };
  'lead:assigned': { lead: LeadView; previousAssigneeId: number | null; by: Viewer };
  'lead:deleted': { id: number; statusId: number; assignedToId: number | null; by: Viewer };
  /** A timeline entry of a lead (to the viewers of that lead). */
  'lead:activity': LeadActivityView;
  /** The tenant's pipeline columns changed (created, renamed, reordered, deleted). */
  'lead-statuses:changed': { statuses: LeadStatusView[] };
  /** A contact was created or edited: its view, as the API answers it (to holders of contacts.view). */
  'contact:created': ContactView;
  'contact:updated': ContactView;
  /** The tenant's "not ready" reasons changed (to everyone in the tenant: agents pick from them). */
  'presence-reasons:changed': { reasons: { id: number; name: string; sortOrder: number; isActive: boolean }[] };
  /**
   * Calls (to the call's agent, to holders of calls.view_all or dashboard.view, and to viewers of the
   * related lead). A pushed call never carries its recording URL (`recordingUrl` is null).
   */
  'call:ringing': { call: CallView; screenPop: ScreenPop | null };
  'call:answered': { call: CallView };
  'call:ended': { call: CallView };
  /** Wrapped up with a disposition. */
  'call:closed': { call: CallView };
  /** A recording is ready (to holders of calls.recordings.view only). */
  'call:recording': { callId: number; userId: number | null; recordingUrl: string };
  /** The tenant's dispositions changed (to everyone in the tenant). */
  'call-dispositions:changed': { dispositions: DispositionView[] };
  /** An agent's SIP credentials were set or removed (to that agent): the softphone reloads them. */
  'sip-credentials:changed': { userId: number; configured: boolean };
  /** For integrators and tests: a free-form event (the publisher accepts any type listed here). */
  'system:notice': { message: string; [k: string]: unknown };
}
export type EventType = keyof DomainEvents;
export type AnyEnvelope = { [K in EventType]: Envelope<K, DomainEvents[K]> }[EventType];

/** The answer of every client command. */
export type Ack<T = unknown> = { ok: true; data: T } | { ok: false; code: string; message?: string; details?: unknown };
type AckFn<T> = (ack: Ack<T>) => void;

export const RoomRef = z.strictObject({ type: z.enum(Object.keys(ENTITY_ROOMS) as [EntityRoomType, ...EntityRoomType[]]), id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
export type RoomRef = z.infer<typeof RoomRef>;
export const CatchupRequest = z.strictObject({ lastSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
export const PresenceSetRequest = z.strictObject({ state: z.enum(AGENT_SETTABLE_STATES), reasonId: z.number().int().positive().nullable().optional() });
export const ViewingRequest = z.strictObject({ entityType: z.enum(VIEWABLE_ENTITIES), entityId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).nullable();

export type CatchupResult =
  /**
   * `events`: every event after `lastSeq` this user may see, in order. `recent`: those at or before `lastSeq`
   * published in the few seconds before it; one of them may still have been on its way when the socket dropped
   * (two publishers can deliver seq 11 before seq 10). Apply both, dropping events already applied (by id).
   */
  | { mode: 'replay'; events: AnyEnvelope[]; recent: AnyEnvelope[]; seq: number }
  | { mode: 'resync'; seq: number };

export interface ClientToServerEvents {
  'room:join': (room: RoomRef, ack: AckFn<{ room: string }>) => void;
  'room:leave': (room: RoomRef, ack: AckFn<{ room: string }>) => void;
  'sync:catchup': (req: z.infer<typeof CatchupRequest>, ack: AckFn<CatchupResult>) => void;
  'presence:set': (req: z.infer<typeof PresenceSetRequest>, ack: AckFn<PresenceView>) => void;
  'viewing:set': (req: z.infer<typeof ViewingRequest>, ack: AckFn<{ viewers: Viewer[] }>) => void;
}

export type ServerToClientEvents = {
  [K in EventType]: (envelope: Envelope<K, DomainEvents[K]>) => void;
} & {
  /** Sent right after connecting: the tenant's current sequence number, and the user's own presence now. */
  'session:ready': (info: { seq: number; userId: number; tenantId: number; permissions: Permission[]; presence: PresenceView }) => void;
};

export interface InterServerEvents {
  ping: () => void;
  /** A user was renamed: every node refreshes the name its sockets of that user announce (presence, viewers). */
  'user:renamed': (tenantId: number, userId: number, name: string) => void;
}

/** What the gateway keeps on each socket. */
export interface SocketData {
  tenantId: number;
  userId: number;
  role: Role;
  name: string;
  permissions: Permission[];
  sessionId: string;
}

/** Room names. Every room is prefixed by its tenant, so no name can reach another tenant. */
export const rooms = {
  tenant: (t: number) => `t:${t}`,
  permission: (t: number, p: Permission) => `t:${t}:p:${p}`,
  user: (t: number, u: number) => `t:${t}:u:${u}`,
  entity: (t: number, type: EntityRoomType, id: number) => `t:${t}:${type}:${id}`,
};
