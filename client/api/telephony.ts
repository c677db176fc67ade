// Types only: the zod schemas stay out of the browser bundle.
import type { z } from 'zod';
import type { Page } from '@shared/schemas/common';
import type {
  AgentCallFigures as AgentCallFiguresSchema,
  CallAgent,
  CallPbxEvent,
  CallView,
  CloseCallBody as CloseCallBodySchema,
  DispositionView,
  LiveCall as LiveCallSchema,
  OwnSipCredentials,
  ScreenPop,
  StartCallBody as StartCallBodySchema,
} from '@shared/schemas/telephony';
import { API_BASE, http } from './http';
import { tokens } from './tokens';

export type { CallAgent, CallPbxEvent, CallView, DispositionView, OwnSipCredentials, ScreenPop };
export type LiveCall = z.infer<typeof LiveCallSchema>;
export type AgentCallFigures = z.infer<typeof AgentCallFiguresSchema>;
export type StartCallBody = z.input<typeof StartCallBodySchema>;
export type CloseCallBody = z.input<typeof CloseCallBodySchema>;
export type CallStatus = CallView['status'];
export type CallDirection = CallView['direction'];

export interface CallListFilters {
  userId?: number;
  direction?: CallDirection;
  dispositionId?: number;
  status?: CallStatus;
  from?: string;
  to?: string;
  unassigned?: boolean;
}

// ---------------------------------------------------------------- SIP credentials

/** GET /sip-credentials/me (calls.make): the agent's own SIP account, with its password. 404 when none is set. */
export function fetchOwnSipCredentials(): Promise<OwnSipCredentials> {
  return http.get<OwnSipCredentials>('/sip-credentials/me');
}

// ---------------------------------------------------------------- dispositions

/** GET /call-dispositions (calls.view): the active dispositions in order; `all` adds the retired ones (settings.manage). */
export async function fetchDispositions(all = false): Promise<DispositionView[]> {
  return (await http.get<{ data: DispositionView[] }>('/call-dispositions', { query: all ? { all: 'true' } : undefined })).data;
}

// ---------------------------------------------------------------- calls

/** POST /calls (calls.make): report a call the softphone places or receives. Idempotent on consoleCallId. */
export function startCall(body: StartCallBody): Promise<CallView> {
  return http.post<CallView>('/calls', body);
}

/** POST /calls/:id/answered (calls.make, own call). */
export function reportAnswered(id: number, body: { sipCallId?: string; at?: string } = {}): Promise<CallView> {
  return http.post<CallView>(`/calls/${id}/answered`, body);
}

/** POST /calls/:id/ended (calls.make, own call). */
export function reportEnded(id: number, body: { sipCallId?: string; at?: string } = {}): Promise<CallView> {
  return http.post<CallView>(`/calls/${id}/ended`, body);
}

/**
 * POST /calls/:id/ended while the page unloads (the tab holding the phone closes mid-call): a keepalive request
 * outlives the page, where the usual one would be cancelled. Fire and forget.
 */
export function reportEndedOnUnload(id: number, at: string): void {
  const token = tokens.access;
  if (!token) return;
  void fetch(`${API_BASE}/calls/${id}/ended`, {
    method: 'POST',
    keepalive: true,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ at }),
  }).catch(() => undefined);
}

/** POST /calls/:id/close (calls.make, own call): the wrap-up. 422 names what is missing. */
export function closeCall(id: number, body: CloseCallBody): Promise<CallView> {
  return http.post<CallView>(`/calls/${id}/close`, body);
}

/** GET /calls (calls.view): own calls, or everyone's with calls.view_all. Newest first. */
export function fetchCalls(filters: CallListFilters = {}, cursor: string | null = null, limit = 50): Promise<Page<CallView>> {
  return http.get<Page<CallView>>('/calls', {
    query: { ...filters, unassigned: filters.unassigned === undefined ? undefined : String(filters.unassigned), cursor: cursor ?? undefined, limit },
  });
}

/** GET /calls/agents (calls.view_all): the agents the calls can be filtered by. */
export async function fetchCallAgents(): Promise<CallAgent[]> {
  return (await http.get<{ data: CallAgent[] }>('/calls/agents')).data;
}

/** GET /calls/:id/pbx-events (calls.view, as the call): the PBX's events about it, as received. */
export async function fetchCallPbxEvents(id: number): Promise<CallPbxEvent[]> {
  return (await http.get<{ data: CallPbxEvent[] }>(`/calls/${id}/pbx-events`)).data;
}

/** GET /calls/:id (calls.view). */
export function fetchCall(id: number): Promise<CallView> {
  return http.get<CallView>(`/calls/${id}`);
}

/** GET /calls/lookup?number= (calls.make): who is calling (the screen pop). */
export function lookupNumber(number: string): Promise<ScreenPop> {
  return http.get<ScreenPop>('/calls/lookup', { query: { number } });
}

/** GET /calls/live (dashboard.view): the calls in progress now. */
export async function fetchLiveCalls(): Promise<LiveCall[]> {
  return (await http.get<{ data: LiveCall[] }>('/calls/live')).data;
}

/** One day's figures per agent, with the day it is (the tenant's zone). */
export interface DayFigures {
  date: string;
  timezone: string;
  from: string;
  to: string;
  data: AgentCallFigures[];
}

/** GET /calls/figures?date= (dashboard.view): a day's figures per agent; today when `date` is left out. */
export function fetchDayFigures(date?: string): Promise<DayFigures> {
  return http.get<DayFigures>('/calls/figures', { query: { date } });
}

/** GET /calls/today (dashboard.view): today's figures per agent. */
export async function fetchTodayFigures(): Promise<AgentCallFigures[]> {
  return (await http.get<{ data: AgentCallFigures[] }>('/calls/today')).data;
}
