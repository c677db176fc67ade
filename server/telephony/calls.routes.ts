import { z } from 'zod';
import { route, IdParams, type RouteSpec } from '../http/route.ts';
import { requirePrincipal } from '../http/context.ts';
import { Page } from '../../shared/schemas/common.ts';
import {
  AgentCallFigures, CallAgent, CallListQuery, CallPbxEvent, FiguresQuery, CallProgressBody, CallView, CloseCallBody, LiveCall, LookupQuery, ScreenPop, StartCallBody,
} from '../../shared/schemas/telephony.ts';
import type { PresenceService } from '../presence/presence.service.ts';
import type { CallService } from './calls.service.ts';
import type { WrapupService } from './wrapup.service.ts';
import { liveCalls, todayFigures } from './call-figures.ts';

const LiveCalls = z.object({ data: z.array(LiveCall) });
const CallAgents = z.object({ data: z.array(CallAgent) });
const CallPbxEvents = z.object({ data: z.array(CallPbxEvent) });
const TodayFigures = z.object({ date: z.string(), timezone: z.string(), from: z.string(), to: z.string(), data: z.array(AgentCallFigures) }).meta({ id: 'TodayCallFigures' });

/** POST /calls/:id/answered and /ended: the console's progress reports, which differ only in what they report. */
function progressRoute(calls: CallService, kind: 'answered' | 'ended', summary: string, description: string): RouteSpec {
  return route({
    method: 'post', path: `/calls/:id/${kind}`, tag: 'Calls', auth: { kind: 'user', permission: 'calls.make' }, summary, description,
    params: IdParams, body: CallProgressBody, responses: { 200: { description: 'Call', schema: CallView } }, errors: [400, 401, 403, 404],
    handler: (ctx, { params, body }) => { requirePrincipal(ctx); return calls.progress(ctx, params.id, kind, body); },
  });
}

/** The REST side of calls (shared/schemas/telephony.ts); fixed paths before /calls/:id. */
export function callRoutes(calls: CallService, wrapup: WrapupService, presence: PresenceService): RouteSpec[] {
  return [
    route({
      method: 'get', path: '/calls/lookup', tag: 'Calls', auth: { kind: 'user', permission: 'calls.make' },
      summary: 'Screen pop for a number: the lead or contact with that number and their latest activity',
      description: 'What `call:ringing` carries, for the console\'s own inbound INVITE. The number is read in E.164 with the tenant\'s default country.',
      query: LookupQuery, responses: { 200: { description: 'Screen pop', schema: ScreenPop } }, errors: [400, 401, 403],
      handler: (ctx, { query }) => { requirePrincipal(ctx); return calls.lookup(ctx, query.number); },
    }),
    route({
      method: 'get', path: '/calls/live', tag: 'Calls', auth: { kind: 'user', permission: 'dashboard.view' },
      summary: 'Calls ringing or in progress now (agent, number, start and answer times)',
      description: 'Live changes arrive as call:ringing / call:answered / call:ended socket events.',
      responses: { 200: { description: 'Live calls, oldest first', schema: LiveCalls } }, errors: [401, 403],
      handler: async (ctx) => { requirePrincipal(ctx); return { data: await liveCalls(ctx.em, ctx.principal.tenantId) }; },
    }),
    route({
      method: 'get', path: '/calls/today', tag: 'Calls', auth: { kind: 'user', permission: 'dashboard.view' },
      summary: 'Today\'s figures per agent: calls, answered, average handle time, talk time, time in each presence state',
      description: '"Today" is the tenant\'s calendar day in its time zone (`from`/`to` give it in UTC).',
      responses: { 200: { description: 'Per agent', schema: TodayFigures } }, errors: [401, 403],
      handler: (ctx) => { requirePrincipal(ctx); return todayFigures(ctx.em, presence, ctx.principal.tenantId); },
    }),
    route({
      method: 'get', path: '/calls/figures', tag: 'Calls', auth: { kind: 'user', permission: 'dashboard.view' },
      summary: 'One day\'s figures per agent (`date`, YYYY-MM-DD in the tenant\'s zone; today when left out)',
      description: 'The figures of `GET /calls/today` for any day: calls, answered, inbound, outbound, talk seconds, average handle time and seconds in each presence state, per agent. The day runs midnight to midnight in the tenant\'s time zone.',
      query: FiguresQuery, responses: { 200: { description: 'Per agent', schema: TodayFigures } }, errors: [400, 401, 403],
      handler: (ctx, { query }) => { requirePrincipal(ctx); return todayFigures(ctx.em, presence, ctx.principal.tenantId, query.date); },
    }),
    route({
      method: 'get', path: '/calls/agents', tag: 'Calls', auth: { kind: 'user', permission: 'calls.view_all' },
      summary: 'The agents the calls can be filtered by (`userId`): users with SIP credentials or with calls',
      description: 'Active users first, then deactivated ones (their calls stay), each by name.',
      responses: { 200: { description: 'Agents', schema: CallAgents } }, errors: [401, 403],
      handler: async (ctx) => { requirePrincipal(ctx); return { data: await calls.agents(ctx) }; },
    }),
    route({
      method: 'get', path: '/calls', tag: 'Calls', auth: { kind: 'user', permission: 'calls.view' },
      summary: 'Calls, newest first, with filters (agent, direction, disposition, status, date range)',
      description: 'Agents see their own calls; holders of `calls.view_all` see every call, including unassigned ones (`unassigned=true`). `recordingUrl` is set only for holders of `calls.recordings.view`.',
      query: CallListQuery, responses: { 200: { description: 'A page of calls', schema: Page(CallView) } }, errors: [400, 401, 403],
      handler: (ctx, { query }) => { requirePrincipal(ctx); return calls.list(ctx, query); },
    }),
    route({
      method: 'post', path: '/calls', tag: 'Calls', auth: { kind: 'user', permission: 'calls.make' },
      summary: 'Report a call the console places or receives (idempotent on consoleCallId)',
      description: 'Put `consoleCallId` in the SIP header `X-CC-Call-Id` of the INVITE and pass the SIP Call-ID as `sipCallId`: the PBX webhook\'s events about the same call (console_call_id / sip_call_id) then land on this one record. 201 when created, 200 when the call was already known (reported before, or by the PBX first).',
      body: StartCallBody, status: 201, responses: { 201: { description: 'Created', schema: CallView }, 200: { description: 'Already known (merged)', schema: CallView } }, errors: [400, 401, 403, 409, 422],
      handler: async (ctx, { body }, _req, res) => {
        requirePrincipal(ctx);
        const { call, created } = await calls.start(ctx, body);
        if (!created) res.status(200).json(call);
        return call;
      },
    }),
    route({
      method: 'get', path: '/calls/:id', tag: 'Calls', auth: { kind: 'user', permission: 'calls.view' },
      summary: 'One call', description: 'Another agent\'s call is a 404 without `calls.view_all`.',
      params: IdParams, responses: { 200: { description: 'Call', schema: CallView } }, errors: [400, 401, 403, 404],
      handler: (ctx, { params }) => { requirePrincipal(ctx); return calls.get(ctx, params.id); },
    }),
    route({
      method: 'get', path: '/calls/:id/pbx-events', tag: 'Calls', auth: { kind: 'user', permission: 'calls.view' },
      summary: 'The PBX webhook events stored for a call, in the order they happened, each as the PBX sent it',
      description: 'For integrators: shows what the PBX reported and when it arrived (a late or retried event is visible here; a duplicate was stored once). Same visibility as `GET /calls/{id}`; `recording_url` is left out of the payloads without `calls.recordings.view`.',
      params: IdParams, responses: { 200: { description: 'Events', schema: CallPbxEvents } }, errors: [400, 401, 403, 404],
      handler: async (ctx, { params }) => { requirePrincipal(ctx); return { data: await calls.pbxEvents(ctx, params.id) }; },
    }),
    progressRoute(calls, 'answered', 'The console\'s call was answered (own call only)',
      'Sets the agent on a call. `at` defaults to now; the PBX\'s own answered time wins when it reports one.'),
    progressRoute(calls, 'ended', 'The console\'s call ended (own call only)',
      'Puts the agent in wrap-up until the call is closed (or the tenant\'s wrap-up timeout runs out). The PBX\'s ended time and duration win when it reports them.'),
    route({
      method: 'post', path: '/calls/:id/close', tag: 'Calls', auth: { kind: 'user', permission: 'calls.make' },
      summary: 'Wrap up an ended call: disposition, notes, and optionally the lead\'s next status and follow-up',
      description: 'One transaction: the disposition and notes on the call, a `call` activity on the related lead, the lead\'s status (with the pipeline\'s rules: a note or a follow-up date when the status requires one), its last_contacted_at, and the audit row. Notes are required when the disposition requires them (422). The agent then returns to available.',
      params: IdParams, body: CloseCallBody, responses: { 200: { description: 'The closed call', schema: CallView } }, errors: [400, 401, 403, 404, 409, 422],
      handler: (ctx, { params, body }) => { requirePrincipal(ctx); return wrapup.close(ctx, params.id, body); },
    }),
  ];
}
