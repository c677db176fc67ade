import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@shared/realtime';
import { refreshSession } from '@/api/http';
import { tokens } from '@/api/tokens';
import { useConnectionStore } from '@/stores/connection';

/** The console's one socket, typed by the shared event map. */
export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export type CommandName = keyof ClientToServerEvents;
export type CommandPayload<E extends CommandName> = Parameters<ClientToServerEvents[E]>[0];
/** The ack a command answers with: `{ ok: true, data } | { ok: false, code, message?, details? }`. */
export type CommandAck<E extends CommandName> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];

/** Handshake refusals after which this session cannot go on: the user must sign in again (or not at all). */
export const FATAL_REFUSALS = ['user_inactive', 'tenant_suspended', 'token_revoked'] as const;
export type FatalRefusal = (typeof FATAL_REFUSALS)[number];
const isFatal = (code: string): code is FatalRefusal => (FATAL_REFUSALS as readonly string[]).includes(code);

export interface SocketHooks {
  /** The server refused the handshake for good (deactivated user, suspended tenant, revoked session). */
  onFatalRefusal(code: FatalRefusal, message: string): void;
}

/** Refusals in a row (each retried) before the console stops trying and says so. */
const MAX_REFUSALS = 6;

let socket: AppSocket | null = null;
let teardown: (() => void) | null = null;

/** The socket of the signed-in session, or null when signed out. */
export function currentSocket(): AppSocket | null {
  return socket;
}

/** The code a refused handshake starts its message with (`token_expired: The access token has expired.`). */
export function refusalCode(error: Error & { data?: unknown }): string {
  const data = error.data as { code?: unknown } | undefined;
  if (data && typeof data.code === 'string') return data.code;
  return error.message.split(':', 1)[0]!.trim();
}

/**
 * Creates and connects the socket (after login). Connection state goes to the connection store:
 * `connecting` until the first connection, `reconnecting` after a drop; `catching_up` and `live` are set by the
 * realtime connector, which knows when the console has caught up.
 */
export function openSocket(hooks: SocketHooks): AppSocket {
  closeSocket();
  const connection = useConnectionStore();
  // Whatever token is current at each attempt: after a refresh, the next reconnection sends the new one.
  let handshakeToken: string | null = null;
  const created: AppSocket = io({
    autoConnect: false,
    auth: (send) => {
      handshakeToken = tokens.access;
      send(handshakeToken ? { token: handshakeToken } : {});
    },
    // WebSocket first (one TCP connection, no sticky sessions needed); long-polling if WebSocket is blocked.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    timeout: 10_000,
  });
  socket = created;

  let everConnected = false;
  let refusals = 0;
  let kicks = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  const notLive = (): 'reconnecting' | 'connecting' => (everConnected ? 'reconnecting' : 'connecting');
  const unreachable = () => (navigator.onLine ? 'The server cannot be reached.' : 'No network connection.');

  function retryIn(ms: number): void {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (socket === created && !created.connected) created.connect();
    }, ms);
  }

  /** Reconnect now rather than at the end of the manager's back-off (e.g. the network just came back). */
  function reconnectNow(): void {
    if (socket !== created || created.connected) return;
    // disconnect() on a socket that is not connected emits nothing; it resets the manager and its back-off.
    created.disconnect().connect();
  }

  async function onRefused(error: Error & { data?: unknown }): Promise<void> {
    const code = refusalCode(error);
    if (isFatal(code)) {
      connection.setStatus('offline', error.message);
      hooks.onFatalRefusal(code, error.message);
      return;
    }
    refusals += 1;
    if (refusals > MAX_REFUSALS) {
      connection.setStatus('offline', 'The server keeps refusing the connection.');
      return;
    }
    connection.setStatus(notLive(), null);
    if (code.startsWith('token_')) {
      // token_expired above all; token_missing/invalid too, once per try: the stored token may simply be bad.
      try {
        if (!(await refreshSession(handshakeToken))) return; // refused: http.ts ends the session
      } catch {
        retryIn(backoff(refusals));
        return;
      }
      if (socket !== created) return;
      if (refusals === 1) created.connect();
      else retryIn(backoff(refusals));
      return;
    }
    retryIn(backoff(refusals));
  }

  created.on('connect', () => {
    everConnected = true;
    refusals = 0;
  });
  created.on('session:ready', () => {
    kicks = 0;
  });
  created.on('connect_error', (error) => {
    // socket.active: a transport failure, the manager retries by itself. Otherwise the server's middleware refused.
    if (created.active) connection.setStatus(notLive(), unreachable());
    else void onRefused(error);
  });
  created.on('disconnect', (reason) => {
    if (socket !== created || reason === 'io client disconnect') return;
    connection.setStatus('reconnecting', reason === 'io server disconnect' ? null : unreachable());
    if (reason === 'io server disconnect') {
      // The server dropped us on purpose (deactivation, suspension…) and Socket.IO will not reconnect by itself.
      // Reconnecting tells us why: a refused handshake ends the session, an accepted one carries on.
      kicks += 1;
      retryIn(Math.min(250 * 2 ** (kicks - 1), 30_000));
    }
  });

  const onOffline = () => {
    connection.setBrowserOnline(false);
    // Do not wait for the heartbeat to time out (up to 18 s): the browser says the network is gone.
    if (created.connected) created.io.engine?.close();
    else if (connection.status !== 'offline') connection.setStatus(notLive(), unreachable());
  };
  const onOnline = () => {
    connection.setBrowserOnline(true);
    if (connection.status !== 'offline') reconnectNow();
  };
  window.addEventListener('offline', onOffline);
  window.addEventListener('online', onOnline);

  teardown = () => {
    if (retryTimer) clearTimeout(retryTimer);
    window.removeEventListener('offline', onOffline);
    window.removeEventListener('online', onOnline);
  };

  connection.setBrowserOnline(navigator.onLine);
  connection.setStatus('connecting', navigator.onLine ? null : 'No network connection.');
  created.connect();
  return created;
}

/** Tries again after the console gave up (status `offline` with the socket still open). */
export function retryConnection(): void {
  if (!socket || socket.connected) return;
  useConnectionStore().setStatus('reconnecting', null);
  socket.disconnect().connect();
}

/** Closes the socket (logout, session ended). */
export function closeSocket(): void {
  teardown?.();
  teardown = null;
  const closing = socket;
  socket = null;
  if (closing) {
    closing.removeAllListeners();
    closing.disconnect();
  }
  useConnectionStore().reset();
}

/**
 * Sends a command and waits for its ack. Never throws: not connected, a timeout or a transport failure answer
 * `{ ok: false }` with a code of their own (`offline`, `timeout`). Commands are not queued while disconnected:
 * an intention (e.g. "set me away") replayed minutes later would be wrong.
 */
export async function command<E extends CommandName>(event: E, payload: CommandPayload<E>, timeoutMs = 8000): Promise<CommandAck<E>> {
  const target = socket;
  if (!target?.connected) {
    return { ok: false, code: 'offline', message: 'Not connected to the server. Try again in a moment.' } as CommandAck<E>;
  }
  try {
    // emitWithAck's generic typing cannot follow a union of event names; the map above types both ends.
    const emitter = target.timeout(timeoutMs) as unknown as { emitWithAck(name: string, data: unknown): Promise<CommandAck<E>> };
    return await emitter.emitWithAck(event, payload);
  } catch {
    return { ok: false, code: 'timeout', message: 'The server did not answer in time. Try again.' } as CommandAck<E>;
  }
}

function backoff(attempt: number): number {
  return Math.min(500 * 2 ** (attempt - 1), 15_000) + Math.floor(Math.random() * 250);
}
