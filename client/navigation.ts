import type { IconName } from '@/components/Shell/icons';
import type { Permission } from '@shared/permissions';

/** One entry of the console's left navigation; the router builds its routes from the same list. */
export interface NavItem {
  /** Route name, and the suffix of the link's data-testid (`nav-<key>`). */
  key: string;
  label: string;
  path: string;
  /** Permission needed to see the link and open the page; null for everyone signed in. */
  permission: Permission | null;
  icon: IconName;
  section: 'workspace' | 'admin';
  description: string;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { key: 'home', label: 'Home', path: '/', permission: null, icon: 'home', section: 'workspace', description: 'Your start page.' },
  {
    key: 'dashboard',
    label: 'Dashboard',
    path: '/dashboard',
    permission: 'dashboard.view',
    icon: 'dashboard',
    section: 'workspace',
    description: 'Agent states, calls in progress, waiting conversations and today’s figures, live.',
  },
  {
    key: 'leads',
    label: 'Leads',
    path: '/leads',
    permission: 'leads.view',
    icon: 'leads',
    section: 'workspace',
    description: 'The lead pipeline: statuses, follow-ups and activity.',
  },
  {
    key: 'calls',
    label: 'Calls',
    path: '/calls',
    permission: 'calls.view',
    icon: 'calls',
    section: 'workspace',
    description: 'Call history, dispositions, wrap-up notes and recordings.',
  },
  {
    key: 'conversations',
    label: 'Conversations',
    path: '/conversations',
    permission: 'chats.view',
    icon: 'conversations',
    section: 'workspace',
    description: 'WhatsApp conversations with customers.',
  },
  {
    key: 'contacts',
    label: 'Contacts',
    path: '/contacts',
    permission: 'contacts.view',
    icon: 'contacts',
    section: 'workspace',
    description: 'Contacts, groups and custom fields.',
  },
  {
    key: 'campaigns',
    label: 'Campaigns',
    path: '/campaigns',
    permission: 'campaigns.manage',
    icon: 'campaigns',
    section: 'workspace',
    description: 'Bulk WhatsApp campaigns to contact groups, and their progress.',
  },
  {
    key: 'users',
    label: 'Users',
    path: '/users',
    permission: 'users.manage',
    icon: 'users',
    section: 'admin',
    description: 'Team members, roles, invitations and SIP extensions.',
  },
  {
    key: 'settings',
    label: 'Settings',
    path: '/settings',
    permission: 'settings.manage',
    icon: 'settings',
    section: 'admin',
    description: 'Lead statuses, dispositions, WhatsApp channel, templates, auto-replies and API keys.',
  },
];
