import { closeSocket, openSocket, type FatalRefusal } from '@/socket';
import { useConnectionStore } from '@/stores/connection';
import { useLeadActivitiesStore } from '@/stores/leadActivities';
import { useLeadsStore } from '@/stores/leads';
import { useNotificationsStore } from '@/stores/notifications';
import { usePresenceStore } from '@/stores/presence';
import { useSessionStore } from '@/stores/session';
import { useViewersStore } from '@/stores/viewers';
import { catchUp, type SessionReady } from './catchup';
import { dispatcher } from './dispatcher';
import { createHandlers } from './handlers';
import { loadReasons } from './loaders';
import { clearPersisted, loadPersisted, savePersisted } from './storage';
import { connectionLost, resetSubscriptions } from './subscriptions';

export interface RealtimeOptions {
  tenantId: number;
  userId: number;
  /** The server refused the handshake for good: end the session. */
  onFatalRefusal(code: FatalRefusal, message: string): void;
}

let active: { tenantId: number; userId: number; stop: () => void } | null = null;

/**
 * Starts the realtime side of a signed-in session: the socket, the dispatcher with the one handler map, and
 * the catch-up after every (re)connection. Called when a session begins (login, restored session).
 */
export function startRealtime(options: RealtimeOptions): void {
  stopRealtime({ forget: false });
  const { tenantId, userId } = options;
  const connection = useConnectionStore();
  const presence = usePresenceStore();
  const session = useSessionStore();

  const persisted = loadPersisted(tenantId, userId);
  let persistTimer: ReturnType<typeof setTimeout> | null = null;
  const persistNow = () => {
    if (persistTimer) clearTimeout(persistTimer);
    persistTimer = null;
    if (dispatcher.lastSeq !== null) savePersisted(tenantId, userId, { lastSeq: dispatcher.lastSeq, me: presence.me, meSeq: presence.currentMeSeq() });
  };
  const persistSoon = () => {
    persistTimer ??= setTimeout(persistNow, 250);
  };

  const handlers = createHandlers();
  dispatcher.configure({ tenantId, handlers, lastSeq: persisted?.lastSeq ?? null, onAdvance: persistSoon });
  if (persisted?.me) presence.restoreMe(persisted.me, persisted.meSeq);
  // Reasons now, for the selector; the agent list loads with the first sync (or when the dashboard opens).
  void loadReasons().catch(() => undefined);

  const socket = openSocket({ onFatalRefusal: options.onFatalRefusal });
  let generation = 0;
  /** The first sync of a page (login, reload) is "connecting" (no banner unless slow); later ones "catching up". */
  let firstSync = true;

  // Every event of the map, one listener each (typed per event by the map; the loop sees them all alike).
  const events = socket as unknown as { on(event: string, listener: (envelope: { at?: unknown }) => void): void };
  for (const type of Object.keys(handlers)) {
    events.on(type, (envelope) => {
      if (typeof envelope?.at === 'string' && !dispatcher.holding) connection.noteServerTime(envelope.at);
      dispatcher.receive(envelope);
    });
  }
  socket.on('connect', () => {
    generation += 1;
    // Until the catch-up is done, live events wait: applied now, they would move lastSeq past what the
    // replay is about to bring.
    dispatcher.hold();
    connectionLost();
  });
  socket.on('disconnect', () => {
    generation += 1;
    connectionLost();
  });
  socket.on('session:ready', (info: SessionReady) => {
    const mine = (generation += 1);
    if (info.tenantId !== tenantId || info.userId !== userId) {
      // Another user's token in this tab (signed in elsewhere): never show their data under this session.
      options.onFatalRefusal('token_revoked', 'This tab was signed in as someone else.');
      return;
    }
    session.setPermissions(info.permissions);
    // The server says where the user stands now, whether or not it changed while we were away.
    presence.applyOwnAck(info.presence, info.seq);
    connection.setStatus(firstSync ? 'connecting' : 'catching_up');
    firstSync = false;
    dispatcher.hold();
    const isCurrent = () => mine === generation && active?.stop === stop;
    catchUp(info, isCurrent).then(
      (done) => {
        if (!done || !isCurrent()) return;
        persistNow();
        connection.setStatus('live');
      },
      (error: unknown) => {
        // Never stay "catching up" for good: start over with a fresh connection, which catches up again.
        console.error('realtime: catch-up failed', error);
        setTimeout(() => {
          if (isCurrent()) socket.disconnect().connect();
        }, 2000);
      },
    );
  });

  const onPageHide = () => persistNow();
  window.addEventListener('pagehide', onPageHide);

  function stop(): void {
    window.removeEventListener('pagehide', onPageHide);
    persistNow();
  }
  active = { tenantId, userId, stop };
}

/**
 * Ends the realtime side: closes the socket and empties the realtime stores. `forget` also drops what this tab
 * kept for a reload (on logout; not when the same session merely restarts).
 */
export function stopRealtime(options: { forget: boolean } = { forget: true }): void {
  const current = active;
  active = null;
  current?.stop();
  closeSocket();
  resetSubscriptions();
  dispatcher.clear();
  if (current && options.forget) clearPersisted(current.tenantId, current.userId);
  usePresenceStore().reset();
  useViewersStore().reset();
  useNotificationsStore().reset();
  useLeadsStore().reset();
  useLeadActivitiesStore().reset();
}
