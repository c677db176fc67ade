import type { Permission } from '../../shared/permissions.ts';
import { rooms, type EntityRoomType } from '../../shared/realtime.ts';

/**
 * The permissions events are addressed to. A socket joins the room of each of these it
 * holds and no other permission room: a room no event is ever sent to would only cost
 * memory on every node (a set entry per socket) and time in every broadcast. An event
 * for another permission does not compile (Audience below); add it here first.
 */
export const AUDIENCE_PERMISSIONS = ['leads.view', 'contacts.view', 'users.view', 'dashboard.view', 'calls.view_all', 'calls.recordings.view'] as const satisfies readonly Permission[];
export type AudiencePermission = (typeof AUDIENCE_PERMISSIONS)[number];

export function isAudiencePermission(p: string): p is AudiencePermission {
  return (AUDIENCE_PERMISSIONS as readonly string[]).includes(p);
}

/**
 * Who may receive an event. The publisher turns it into a room, and the
 * catch-up replay uses the same rule to filter what a reconnecting socket may
 * see now.
 */
export type Audience =
  | { kind: 'tenant' }
  | { kind: 'permission'; permission: AudiencePermission }
  | { kind: 'user'; userId: number }
  | { kind: 'entity'; entityType: EntityRoomType; id: number }
  /** Several audiences at once; a socket in more than one of them gets the event once. */
  | { kind: 'any'; of: Exclude<Audience, { kind: 'any' }>[] };

export function audienceRooms(tenantId: number, a: Audience): string[] {
  return a.kind === 'any' ? a.of.map((x) => audienceRoom(tenantId, x)) : [audienceRoom(tenantId, a)];
}

function audienceRoom(tenantId: number, a: Exclude<Audience, { kind: 'any' }>): string {
  switch (a.kind) {
    case 'tenant':
      return rooms.tenant(tenantId);
    case 'permission':
      return rooms.permission(tenantId, a.permission);
    case 'user':
      return rooms.user(tenantId, a.userId);
    case 'entity':
      return rooms.entity(tenantId, a.entityType, a.id);
  }
}

/** A socket (its tenant, user, permissions and joined rooms) may see an event of `audience`. */
export function mayReceive(viewer: { tenantId: number; userId: number; permissions: readonly string[]; rooms: ReadonlySet<string> }, eventTenantId: number, a: Audience): boolean {
  if (viewer.tenantId !== eventTenantId) return false;
  switch (a.kind) {
    case 'tenant':
      return true;
    case 'permission':
      return viewer.permissions.includes(a.permission);
    case 'user':
      return viewer.userId === a.userId;
    case 'any':
      return a.of.some((x) => mayReceive(viewer, eventTenantId, x));
    case 'entity':
      // Entity rooms are joined only after a permission check; membership now is the rule.
      return viewer.rooms.has(rooms.entity(eventTenantId, a.entityType, a.id));
  }
}
