import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { Permission } from '../tenancy/permission.entity.ts';
import { Invitation } from '../tenancy/invitation.entity.ts';
import { ApiKey } from '../tenancy/api-key.entity.ts';
import { RefreshToken } from '../auth/refresh-token.entity.ts';
import { AuthenticationEvent } from '../auth/authentication-event.entity.ts';
import { RateLimitViolation } from '../auth/rate-limit-violation.entity.ts';
import { AuditLog } from '../audit/audit-log.entity.ts';
import { LeadStatus } from '../crm/lead-status.entity.ts';
import { Lead } from '../crm/lead.entity.ts';
import { LeadActivity } from '../crm/lead-activity.entity.ts';

export const entities = [Tenant, User, Permission, Invitation, ApiKey, RefreshToken, AuthenticationEvent, RateLimitViolation, AuditLog, LeadStatus, Lead, LeadActivity];
