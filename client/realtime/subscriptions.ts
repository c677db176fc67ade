import type { RoomRef } from '@shared/realtime';
import { command } from '@/socket';
import { useViewersStore, viewerKey, type ViewableEntity } from '@/stores/viewers';
import { dispatcher } from './dispatcher';

/**
 * What this console subscribes to beyond its automatic rooms (tenant, user, permissions): entity rooms held by
 * the pages that show an entity, and the one entity the current page "views". Pages declare what they want; this
 * module makes the server agree, one command at a time per room and for the view, and again on every reconnect
 * (a new socket starts with neither).
 */

interface RoomEntry {
  room: RoomRef;
  holders: number;
  /** What the server has for this socket, as far as we know. */
  joined: boolean;
  busy: Promise<void> | null;
}

export interface ViewTarget {
  entityType: ViewableEntity;
  entityId: number;
}

const rooms = new Map<string, RoomEntry>();
/** The socket is connected and set up by the server (session:ready): commands may go out. */
let ready = false;
/** Bumped on every connection change: an answer from an older connection is ignored. */
let epoch = 0;

let desiredView: (ViewTarget & { token: number }) | null = null;
let nextViewToken = 0;
/** The view the server has for this socket ('' = none). */
let announcedView = '';
let viewBusy: Promise<void> | null = null;
let viewDirty = false;

const roomKey = (room: RoomRef) => `${room.type}:${room.id}`;

/** Keeps the socket in an entity's room while held; the returned function lets go (idempotent). */
export function holdRoom(room: RoomRef): () => void {
  const key = roomKey(room);
  let entry = rooms.get(key);
  if (!entry) {
    entry = { room: { type: room.type, id: room.id }, holders: 0, joined: false, busy: null };
    rooms.set(key, entry);
  }
  entry.holders += 1;
  void reconcileRoom(key);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const current = rooms.get(key);
    if (!current) return;
    current.holders = Math.max(0, current.holders - 1);
    void reconcileRoom(key);
  };
}

/**
 * Announces that the page shows this entity (others see us in its "viewers") and holds its room, where the
 * viewers:changed events travel. The returned function stops both; a newer view replaces an older one.
 */
export function viewEntity(target: ViewTarget): () => void {
  const releaseRoom = holdRoom({ type: target.entityType, id: target.entityId });
  const token = ++nextViewToken;
  desiredView = { entityType: target.entityType, entityId: target.entityId, token };
  void reconcileView();
  return () => {
    if (desiredView?.token === token) {
      desiredView = null;
      void reconcileView();
    }
    releaseRoom();
  };
}

function reconcileRoom(key: string): Promise<void> {
  const entry = rooms.get(key);
  if (!entry) return Promise.resolve();
  entry.busy ??= (async () => {
    // Yield first: were this body to finish synchronously, its `busy = null` below would run before the
    // assignment above and leave a settled promise in `busy` for good.
    await Promise.resolve();
    while (ready && entry.holders > 0 !== entry.joined) {
      const join = entry.holders > 0;
      const sentIn = epoch;
      const ack = await command(join ? 'room:join' : 'room:leave', entry.room);
      if (sentIn !== epoch) continue; // the connection changed meanwhile: look again
      if (ack.ok) entry.joined = join;
      else if (!join) entry.joined = false;
      else {
        // not_found / forbidden: the page shows its own error; try again only after a reconnect.
        console.warn(`realtime: cannot join ${key}: ${ack.code}`);
        break;
      }
    }
    entry.busy = null;
    if (entry.holders === 0 && !entry.joined) rooms.delete(key);
  })();
  return entry.busy;
}

function reconcileView(): Promise<void> {
  if (viewBusy) {
    viewDirty = true;
    return viewBusy;
  }
  viewBusy = (async () => {
    await Promise.resolve(); // see reconcileRoom
    const viewers = useViewersStore();
    do {
      viewDirty = false;
      const want = desiredView;
      const wantKey = want ? viewerKey(want.entityType, want.entityId) : '';
      if (!ready || wantKey === announcedView) continue;
      const sentIn = epoch;
      const ack = await command('viewing:set', want ? { entityType: want.entityType, entityId: want.entityId } : null);
      if (sentIn !== epoch) {
        viewDirty = true;
        continue;
      }
      announcedView = wantKey;
      if (!want) continue;
      if (ack.ok) viewers.applySnapshot(want.entityType, want.entityId, ack.data.viewers, dispatcher.stamp());
      else viewers.setError(want.entityType, want.entityId, ack.message ?? 'Could not tell others you are viewing this.');
    } while (viewDirty);
    viewBusy = null;
  })();
  return viewBusy;
}

/** The socket dropped (or reconnected before session:ready): nothing is joined on the server any more. */
export function connectionLost(): void {
  ready = false;
  epoch += 1;
  for (const entry of rooms.values()) entry.joined = false;
  announcedView = '';
}

/** After session:ready: join every held room again, then announce the view again. Resolves when done. */
export async function resubscribe(): Promise<void> {
  ready = true;
  await Promise.all([...rooms.keys()].map((key) => reconcileRoom(key)));
  await reconcileView();
}

/** Signed out: forget everything. */
export function resetSubscriptions(): void {
  connectionLost();
  rooms.clear();
  desiredView = null;
  viewDirty = false;
}
