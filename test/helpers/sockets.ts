import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents, AnyEnvelope } from '../../shared/realtime.ts';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A typed socket.io-client connection that resolves once the server says it is ready. */
export function connectSocket(baseUrl: string, token: string | undefined, opts: { transports?: ('websocket' | 'polling')[]; headers?: Record<string, string> } = {}): Promise<ClientSocket & { ready: { seq: number; userId: number; tenantId: number; permissions: string[]; presence: any }; received: any[] }> {
  const socket = io(baseUrl, {
    auth: token === undefined ? {} : { token },
    transports: opts.transports ?? ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: opts.headers,
  }) as ClientSocket & { ready: any; received: AnyEnvelope[] };
  socket.received = [];
  socket.onAny((event: string, payload: any) => {
    if (event !== 'session:ready' && payload && typeof payload.seq === 'number') socket.received.push(payload);
  });
  return new Promise((resolve, reject) => {
    socket.once('session:ready', (info) => {
      socket.ready = info;
      resolve(socket);
    });
    socket.once('connect_error', (err: Error & { data?: any }) => {
      socket.close();
      reject(err);
    });
  });
}

/** The connect_error a refused handshake produces. */
export async function refusal(baseUrl: string, token: string | undefined): Promise<{ message: string; data: any }> {
  try {
    const s = await connectSocket(baseUrl, token);
    s.close();
    throw new Error('the handshake was accepted');
  } catch (err) {
    const e = err as Error & { data?: any };
    if (e.message === 'the handshake was accepted') throw e;
    return { message: e.message, data: e.data };
  }
}

/** Sends a command and waits for its ack. */
export function command<T = any>(socket: ClientSocket, event: keyof ClientToServerEvents, payload: unknown, timeoutMs = 5000): Promise<Ack<T> & { data?: any }> {
  return (socket.timeout(timeoutMs) as any).emitWithAck(event, payload);
}

/** Waits until `predicate` holds, polling. */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, stepMs = 25): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
