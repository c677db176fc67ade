/**
 * Every entity of the schema, parents before children. The ORM config, migrations,
 * the seeder and tests take this one list.
 */
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
import { LeadStatusCount } from '../crm/lead-status-count.entity.ts';
import { CallDisposition } from '../telephony/call-disposition.entity.ts';
import { AgentSipCredential } from '../telephony/agent-sip-credential.entity.ts';
import { Call } from '../telephony/call.entity.ts';
import { PbxEvent } from '../telephony/pbx-event.entity.ts';
import { Contact } from '../contacts/contact.entity.ts';
import { ContactGroup } from '../contacts/contact-group.entity.ts';
import { ContactContactGroup } from '../contacts/contact-contact-group.entity.ts';
import { ContactField } from '../contacts/contact-field.entity.ts';
import { WhatsappChannel } from '../messaging/whatsapp-channel.entity.ts';
import { Template } from '../messaging/template.entity.ts';
import { AutoReply } from '../messaging/auto-reply.entity.ts';
import { Conversation } from '../messaging/conversation.entity.ts';
import { ChatMedia } from '../messaging/chat-media.entity.ts';
import { Campaign } from '../campaigns/campaign.entity.ts';
import { Chat } from '../messaging/chat.entity.ts';
import { ChatNote } from '../messaging/chat-note.entity.ts';
import { TicketCategory } from '../support/ticket-category.entity.ts';
import { Ticket } from '../support/ticket.entity.ts';
import { TicketComment } from '../support/ticket-comment.entity.ts';
import { ChatTicket } from '../messaging/chat-ticket.entity.ts';
import { ChatTicketLog } from '../messaging/chat-ticket-log.entity.ts';
import { CampaignLog } from '../campaigns/campaign-log.entity.ts';
import { CampaignLogRetry } from '../campaigns/campaign-log-retry.entity.ts';
import { PresenceReason } from '../presence/presence-reason.entity.ts';
import { PresenceEvent } from '../presence/presence-event.entity.ts';
import { UserSession } from '../presence/user-session.entity.ts';
import { PresenceTracking } from '../presence/presence-tracking.entity.ts';
import { Notification } from '../notifications/notification.entity.ts';

export const entities = [
  // tenancy, identity, access
  Tenant,
  User,
  Permission,
  Invitation,
  ApiKey,
  RefreshToken,
  AuthenticationEvent,
  RateLimitViolation,
  AuditLog,
  // CRM
  LeadStatus,
  Lead,
  LeadActivity,
  LeadStatusCount,
  // telephony
  CallDisposition,
  AgentSipCredential,
  Call,
  PbxEvent,
  // contacts
  Contact,
  ContactGroup,
  ContactContactGroup,
  ContactField,
  // messaging, campaigns, support
  WhatsappChannel,
  Template,
  AutoReply,
  Conversation,
  ChatMedia,
  Campaign,
  Chat,
  ChatNote,
  TicketCategory,
  Ticket,
  TicketComment,
  ChatTicket,
  ChatTicketLog,
  CampaignLog,
  CampaignLogRetry,
  // presence, notifications
  PresenceReason,
  PresenceEvent,
  UserSession,
  PresenceTracking,
  Notification,
];
