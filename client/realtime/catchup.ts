import type { CatchupResult, ServerToClientEvents } from '@shared/realtime';
import { ApiError } from '@/api/http';
import { command } from '@/socket';
import { useContactsStore } from '@/stores/contacts';
import { useLeadsStore } from '@/stores/leads';
import { usePresenceStore } from '@/stores/presence';
import { useViewersStore } from '@/stores/viewers';
import { dispatcher } from './dispatcher';
import { reloadStores } from './loaders';
import { resubscribe } from './subscriptions';

export type SessionReady = Parameters<ServerToClientEvents['session:ready']>[0];

/**
 * Brings the stores up to date after a (re)connection; the dispatcher is holding live events meanwhile.
 *
 * 1. Re-join the entity rooms and re-announce the view first: the server filters the replay by the rooms the
 *    socket is in *now*, so joining after asking would lose the events of those rooms.
 * 2. `sync:catchup { lastSeq }`: a replay goes through the dispatcher like live events; a resync (log trimmed,
 *    or a fresh tab with no lastSeq) reloads the stores over REST as of the seq the server gave.
 * 3. Release the held live events, in seq order; the dispatcher drops those the replay already applied.
 *
 * `isCurrent` turns false when the connection changed meanwhile; the caller then starts over on the next
 * session:ready. Resolves true when the console is caught up.
 */
export async function catchUp(info: SessionReady, isCurrent: () => boolean): Promise<boolean> {
  await resubscribe();
  if (!isCurrent()) return false;

  const from = dispatcher.lastSeq;
  let result: CatchupResult;
  if (from === null) {
    result = { mode: 'resync', seq: info.seq };
  } else {
    const ack = await command('sync:catchup', { lastSeq: from }, 15_000);
    if (!isCurrent()) return false;
    result = ack.ok ? ack.data : { mode: 'resync', seq: info.seq };
  }

  if (result.mode === 'replay') {
    // `recent` first: events published just before `from` that may never have arrived (see CatchupResult).
    dispatcher.replay([...(result.recent ?? []), ...result.events]);
    dispatcher.advanceTo(result.seq);
  } else {
    if (from !== null && result.seq < from) {
      // The server's sequence went backwards (its Redis lost data): per-row seqs must start over too.
      usePresenceStore().forgetSequence();
      useViewersStore().forgetSequence();
      useLeadsStore().forgetSequence();
      useContactsStore().forgetSequence();
    }
    if (!(await reloadWithRetry(result.seq, from !== null, isCurrent))) return false;
    dispatcher.resetTo(result.seq);
  }
  dispatcher.release();
  return true;
}

async function reloadWithRetry(seq: number, profile: boolean, isCurrent: () => boolean): Promise<boolean> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await reloadStores(seq, { profile });
      return isCurrent();
    } catch (error) {
      // A refused session ends through http.ts; nothing more to do here.
      if (error instanceof ApiError && error.status === 401) return false;
      if (!isCurrent()) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** attempt, 15_000)));
      if (!isCurrent()) return false;
    }
  }
}
