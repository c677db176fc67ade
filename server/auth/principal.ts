import type { Role } from '../../shared/roles.ts';
import type { Permission } from '../../shared/permissions.ts';

/** The authenticated caller of one request: a user, or a tenant API key. */
export interface Principal {
  kind: 'user' | 'apiKey';
  tenantId: number;
  /** The user's id; for an API key, the id of the user who created it (may be null). */
  userId: number | null;
  role: Role | null;
  name: string;
  email: string | null;
  permissions: ReadonlySet<Permission>;
  apiKeyId?: number;
  scopes?: readonly string[];
}
