import type { Role } from '@shared/roles';

export const ROLE_LABELS: Record<Role, string> = {
  tenant_admin: 'Administrator',
  supervisor: 'Supervisor',
  sales_agent: 'Sales agent',
  support_agent: 'Support agent',
  read_only: 'Read only',
};

export function roleLabel(role: string): string {
  return (ROLE_LABELS as Record<string, string>)[role] ?? role;
}
