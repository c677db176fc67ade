import { z } from 'zod';
import { Id } from './common.ts';
import { IceServer } from './tenancy.ts';

/**
 * The telephony contract, shared by the server (routes, webhook, events) and the console
 * (softphone, wrap-up panel, supervisor panel). Every REST path below is under /api/v1
 * except the PBX webhook.
 *
 * SIP credentials
 *   GET    /sip-credentials/me              calls.make       own credentials WITH the password (to register)
 *   GET    /sip-credentials                 settings.manage  every agent's credentials, never a password
 *   PUT    /users/:id/sip-credentials       settings.manage  create or replace (password required on create, optional after)
 *   DELETE /users/:id/sip-credentials       settings.manage
 * Dispositions
 *   GET    /call-dispositions               calls.view       active ones in order (?all=true adds retired: settings.manage)
 *   POST   /call-dispositions               settings.manage
 *   PATCH  /call-dispositions/:id           settings.manage
 *   PUT    /call-dispositions/order         settings.manage  { ids }
 *   DELETE /call-dispositions/:id           settings.manage  a disposition used by calls is retired (isActive=false), others deleted
 * Calls
 *   POST   /calls                           calls.make       the console reports a call it places or receives (idempotent on consoleCallId)
 *   POST   /calls/:id/answered              calls.make       own call only
 *   POST   /calls/:id/ended                 calls.make       own call only
 *   POST   /calls/:id/close                 calls.make       wrap-up: disposition (+ notes, lead status, follow-up); own call only
 *   GET    /calls                           calls.view       list (own calls; every call with calls.view_all)
 *   GET    /calls/:id                       calls.view
 *   GET    /calls/lookup?number=            calls.make       screen pop for a number (the console's inbound INVITE)
 *   GET    /calls/live                      dashboard.view   calls in progress now
 *   GET    /calls/today                     dashboard.view   today's per-agent figures
 *   GET    /calls/figures?date=             dashboard.view   the same figures for any day
 *   GET    /calls/agents                    calls.view_all   the agents the calls can be filtered by
 *   GET    /calls/:id/pbx-events            calls.view       the PBX's events about the call, as received
 * PBX
 *   POST   /webhooks/pbx                    API key, scope pbx (DESIGN.md §3)
 *
 * The console puts its consoleCallId into the SIP header `X-CC-Call-Id` of calls it places,
 * and reports the SIP Call-ID; the PBX passes either back (`sip_call_id`, or the header
 * value as `console_call_id`), and the server merges both sides into one call row.
 */

export const CALL_DIRECTIONS = ['inbound', 'outbound'] as const;
export const CALL_STATES = ['ringing', 'in_progress', 'ended', 'closed'] as const;
export const PBX_EVENT_NAMES = ['call.ringing', 'call.answered', 'call.ended', 'call.recording_ready'] as const;
/** The SIP header that carries the console's own id for a call it places. */
export const CONSOLE_CALL_ID_HEADER = 'X-CC-Call-Id';

const IsoDateTime = z.iso.datetime({ offset: true });
const QueryId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Cursor = z.string().max(300).regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor this API issued');
/** A dialled or reported number: E.164 when it parses, an extension or raw digits otherwise. */
const PhoneOrExtension = z.string().trim().min(1).max(64).regex(/^[+0-9*#A-Za-z._@-]+$/, 'must be a phone number or an extension');

// ---- SIP credentials -------------------------------------------------------------------

/** What the agent's own softphone receives: the only answer that carries the password. */
export const OwnSipCredentials = z
  .object({
    wsUrl: z.string(), username: z.string(), password: z.string(), domain: z.string(), displayName: z.string().nullable(), autoRegister: z.boolean(),
    /** The tenant's STUN/TURN servers (settings `iceServers`); empty for host candidates only. */
    iceServers: z.array(IceServer),
  })
  .meta({ id: 'OwnSipCredentials' });
export type OwnSipCredentials = z.infer<typeof OwnSipCredentials>;

/** What an admin sees: everything but the password. */
export const SipCredentialsView = z
  .object({
    userId: Id, userName: z.string(), wsUrl: z.string(), username: z.string(), domain: z.string(), displayName: z.string().nullable(),
    autoRegister: z.boolean(), hasPassword: z.boolean(), updatedAt: z.string().nullable(),
  })
  .meta({ id: 'SipCredentials' });
export type SipCredentialsView = z.infer<typeof SipCredentialsView>;

export const PutSipCredentialsBody = z.strictObject({
  wsUrl: z.string().trim().max(255).regex(/^wss?:\/\/[^\s]+$/, 'must be a ws:// or wss:// URL'),
  username: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._+-]+$/, 'must be a SIP user part (letters, digits, . _ + -)'),
  /** Required when the agent has no credentials yet; omitted keeps the stored one. */
  password: z.string().min(1).max(255).optional(),
  domain: z.string().trim().min(1).max(255).regex(/^[A-Za-z0-9.-]+(:\d+)?$/, 'must be a host name or address'),
  displayName: z.string().trim().max(255).nullable().optional(),
  autoRegister: z.boolean().optional(),
});

// ---- Dispositions ----------------------------------------------------------------------

export const DispositionView = z
  .object({ id: Id, name: z.string(), sortOrder: z.number(), isDefault: z.boolean(), requiresNote: z.boolean(), isActive: z.boolean() })
  .meta({ id: 'CallDisposition' });
export type DispositionView = z.infer<typeof DispositionView>;
export const CreateDispositionBody = z.strictObject({
  name: z.string().trim().min(1).max(100), isDefault: z.boolean().optional(), requiresNote: z.boolean().optional(),
});
export const UpdateDispositionBody = z
  .strictObject({ name: z.string().trim().min(1).max(100).optional(), isDefault: z.boolean().optional(), requiresNote: z.boolean().optional(), isActive: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'name at least one field to change' });
export const ReorderDispositionsBody = z.strictObject({
  ids: z.array(Id).min(1).max(100).refine((ids) => new Set(ids).size === ids.length, 'must not repeat an id'),
});

// ---- Calls -----------------------------------------------------------------------------

/** Who is calling, matched by E.164 number: shown as the screen pop. */
export const ScreenPop = z
  .object({
    number: z.string(),
    match: z
      .object({
        type: z.enum(['lead', 'contact']), id: Id, name: z.string(), companyName: z.string().nullable(),
        statusName: z.string().nullable(), statusColor: z.string().nullable(),
      })
      .nullable(),
    /** The latest timeline entry of the matched lead (or null). */
    latestActivity: z.object({ type: z.string(), createdAt: z.string().nullable(), summary: z.string() }).nullable(),
  })
  .meta({ id: 'ScreenPop' });
export type ScreenPop = z.infer<typeof ScreenPop>;

export const CallView = z
  .object({
    id: Id, userId: Id.nullable(), userName: z.string().nullable(), direction: z.enum(CALL_DIRECTIONS), fromNumber: z.string(), toNumber: z.string(),
    extension: z.string().nullable(), status: z.enum(CALL_STATES), startedAt: z.string(), answeredAt: z.string().nullable(), endedAt: z.string().nullable(),
    durationSeconds: z.number().nullable(), relatedType: z.enum(['lead', 'contact']).nullable(), relatedId: Id.nullable(), relatedName: z.string().nullable(),
    dispositionId: Id.nullable(), dispositionName: z.string().nullable(), wrapupNotes: z.string().nullable(), closedAt: z.string().nullable(),
    consoleCallId: z.string().nullable(), sipCallId: z.string().nullable(), pbxCallId: z.string().nullable(),
    hasRecording: z.boolean(),
    /** Only for holders of calls.recordings.view; null for everyone else. Never in a pushed call event. */
    recordingUrl: z.string().nullable(),
  })
  .meta({ id: 'Call' });
export type CallView = z.infer<typeof CallView>;

/** An agent a holder of calls.view_all can filter the calls by (GET /calls/agents). */
export const CallAgent = z
  .object({ id: Id, name: z.string(), isActive: z.boolean() })
  .meta({ id: 'CallAgent' });
export type CallAgent = z.infer<typeof CallAgent>;

/**
 * One PBX webhook event stored for a call (GET /calls/:id/pbx-events), as the PBX sent it. `recording_url` is left
 * out of the payload for those without calls.recordings.view.
 */
export const CallPbxEvent = z
  .object({ id: Id, event: z.string(), occurredAt: z.string(), receivedAt: z.string(), payload: z.record(z.string(), z.unknown()) })
  .meta({ id: 'CallPbxEvent' });
export type CallPbxEvent = z.infer<typeof CallPbxEvent>;

export const StartCallBody = z.strictObject({
  /** A UUID the console makes before dialling; also sent in the X-CC-Call-Id SIP header. */
  consoleCallId: z.uuid(),
  direction: z.enum(CALL_DIRECTIONS),
  fromNumber: PhoneOrExtension,
  toNumber: PhoneOrExtension,
  sipCallId: z.string().trim().min(1).max(255).optional(),
  relatedType: z.enum(['lead', 'contact']).optional(),
  relatedId: Id.optional(),
});
export const CallProgressBody = z.strictObject({ sipCallId: z.string().trim().min(1).max(255).optional(), at: IsoDateTime.optional() });
export const CloseCallBody = z.strictObject({
  /** Required: a call cannot be closed without one (422 `disposition_required` when missing). */
  dispositionId: Id.optional(),
  notes: z.string().trim().max(5000, 'must be at most 5000 characters').optional(),
  /** Link the call to a lead now (when it was not linked at start). */
  leadId: Id.optional(),
  /** The lead's next status; the status rules of the pipeline apply (note, follow-up date). */
  leadStatusId: Id.optional(),
  nextFollowupAt: IsoDateTime.optional(),
});
export const CallListQuery = z.strictObject({
  cursor: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  userId: QueryId.optional(),
  direction: z.enum(CALL_DIRECTIONS).optional(),
  dispositionId: QueryId.optional(),
  status: z.enum(CALL_STATES).optional(),
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
  /** Calls with no agent (a PBX event for an unknown extension); calls.view_all only. */
  unassigned: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
export const LookupQuery = z.strictObject({ number: PhoneOrExtension });
/** GET /calls/figures: one day of the tenant (YYYY-MM-DD, in its time zone); today when left out. */
export const FiguresQuery = z.strictObject({ date: z.iso.date().optional() });


export const LiveCall = z
  .object({ callId: Id, userId: Id.nullable(), userName: z.string().nullable(), direction: z.enum(CALL_DIRECTIONS), number: z.string(), status: z.enum(CALL_STATES), startedAt: z.string(), answeredAt: z.string().nullable() })
  .meta({ id: 'LiveCall' });
export const AgentCallFigures = z
  .object({
    userId: Id, name: z.string(), calls: z.number(), answered: z.number(), inbound: z.number(), outbound: z.number(),
    /**
     * Mean of (talk time + wrap-up time) over the day's answered calls whose wrap-up is over, seconds; null with none.
     * A wrap-up lasts until the call is closed or the agent is in any other state, whichever comes first.
     */
    averageHandleSeconds: z.number().nullable(),
    talkSeconds: z.number(),
    /** Seconds in each presence state today (the tenant's day in UTC). */
    presenceSeconds: z.record(z.string(), z.number()),
  })
  .meta({ id: 'AgentCallFigures' });

// ---- PBX webhook (DESIGN.md §3) --------------------------------------------------------

export const PbxEventBody = z.strictObject({
  event: z.enum(PBX_EVENT_NAMES),
  call_id: z.string().trim().min(1).max(255),
  direction: z.enum(CALL_DIRECTIONS),
  from: PhoneOrExtension,
  to: PhoneOrExtension,
  extension: z.string().trim().min(1).max(64).optional(),
  timestamp: IsoDateTime,
  duration_seconds: z.number().int().min(0).max(7 * 24 * 3600).optional(),
  recording_url: z.url({ protocol: /^https?$/ }).max(1024).optional(),
  sip_call_id: z.string().trim().min(1).max(255).optional(),
  /** The X-CC-Call-Id header of a call placed from the console, when the PBX passes it back. */
  console_call_id: z.string().trim().min(1).max(64).optional(),
});
export type PbxEventBody = z.infer<typeof PbxEventBody>;
