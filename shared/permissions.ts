import type { Role } from './roles.ts';

/**
 * Every permission a route or a socket room can require. Per tenant and per
 * role, the permissions table says who holds which; these are the defaults a
 * new tenant gets, and a tenant admin edits them.
 */
export const PERMISSIONS = [
  'dashboard.view',
  'leads.view',
  'leads.manage',
  'leads.delete',
  'calls.make',
  'calls.view',
  'calls.view_all',
  'calls.recordings.view',
  'chats.view',
  'chats.reply',
  'contacts.view',
  'contacts.manage',
  'campaigns.view',
  'campaigns.manage',
  'tickets.view',
  'tickets.manage',
  'users.view',
  'users.manage',
  'settings.manage',
  'audit.view',
  'api_keys.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const KNOWN: ReadonlySet<string> = new Set(PERMISSIONS);
export const isPermission = (p: string): p is Permission => KNOWN.has(p);

const ALL: Permission[] = [...PERMISSIONS];

export const DEFAULT_ROLE_PERMISSIONS: Record<Role, Permission[]> = {
  tenant_admin: ALL,
  supervisor: [
    'dashboard.view', 'leads.view', 'leads.manage', 'calls.make', 'calls.view', 'calls.view_all',
    'calls.recordings.view', 'chats.view', 'chats.reply', 'contacts.view', 'contacts.manage',
    'campaigns.view', 'campaigns.manage', 'tickets.view', 'tickets.manage', 'users.view', 'audit.view',
  ],
  sales_agent: [
    'leads.view', 'leads.manage', 'calls.make', 'calls.view', 'chats.view', 'chats.reply',
    'contacts.view', 'contacts.manage', 'campaigns.view', 'tickets.view',
  ],
  support_agent: [
    'leads.view', 'calls.make', 'calls.view', 'chats.view', 'chats.reply', 'contacts.view',
    'contacts.manage', 'tickets.view', 'tickets.manage',
  ],
  read_only: ['dashboard.view', 'leads.view', 'calls.view', 'chats.view', 'contacts.view', 'campaigns.view', 'tickets.view'],
};

/**
 * Permissions a tenant admin can never take away from tenant_admin, so that a
 * tenant cannot lock itself out of its own settings.
 */
export const LOCKED_ADMIN_PERMISSIONS: Permission[] = ['users.manage', 'settings.manage'];
