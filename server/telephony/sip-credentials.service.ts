import type { EntityManager, MikroORM } from '@mikro-orm/mariadb';
import { AgentSipCredential, type IAgentSipCredential } from './agent-sip-credential.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { iceServersOf } from '../tenancy/settings.service.ts';
import { audit, diff } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import { AppError, ConflictError, NotFoundError, UnprocessableError } from '../http/errors.ts';
import { iso } from '../http/pagination.ts';
import type { Publisher } from '../realtime/publisher.ts';
import { SecretBoxError, sipPasswordAad, type SecretBox } from '../security/secret-box.ts';
import type { OwnSipCredentials, SipCredentialsView } from '../../shared/schemas/telephony.ts';

export interface PutSipCredentials {
  wsUrl: string;
  username: string;
  password?: string;
  domain: string;
  displayName?: string | null;
  autoRegister?: boolean;
}

/** The stored password exists but cannot be decrypted (altered, copied from another row, or its key was removed). */
export class SipPasswordUnreadableError extends AppError {
  constructor() {
    super(409, 'sip_password_unreadable', 'Your SIP password is stored but cannot be read (it was altered, or the key it was encrypted with is no longer configured). Ask an administrator to set your SIP password again.');
  }
}

/** What an administrator sees of one agent's credentials: never the password. */
function adminView(c: IAgentSipCredential, userName: string): SipCredentialsView {
  return {
    userId: c.user.id, userName, wsUrl: c.sipWsUrl, username: c.sipUsername, domain: c.sipDomain, displayName: c.displayName ?? null,
    autoRegister: c.autoRegister, hasPassword: true, updatedAt: iso(c.updatedAt),
  };
}

/**
 * Each agent's SIP account for the browser softphone (seed 003 agent_sip_credentials).
 *
 * The password is encrypted with the SecretBox (AES-256-GCM, a fresh IV each time, the
 * key id beside the ciphertext, tenant and user bound as AAD) and leaves the server in one
 * answer only: `own()`, to the agent themself. Every other answer, event, audit row and log
 * line carries at most `hasPassword`.
 */
export class SipCredentialService {
  constructor(private readonly publisher: Publisher, private readonly secrets: SecretBox) {}

  /** The caller's own credentials, password included (GET /sip-credentials/me). */
  async own(ctx: TenantContext): Promise<OwnSipCredentials> {
    const { tenantId, userId } = ctx.principal;
    if (!userId) throw new NotFoundError('SIP credentials');
    const row = await ctx.em.findOne(AgentSipCredential, { user: userId }, { populate: ['passwordCiphertext'] });
    if (!row) {
      throw new AppError(404, 'not_found', 'You have no SIP credentials yet: ask an administrator to set them up in Settings → SIP credentials.');
    }
    let password: string;
    try {
      password = this.secrets.decrypt(row.passwordCiphertext, row.passwordKeyId, sipPasswordAad(tenantId, userId));
    } catch (err) {
      if (!(err instanceof SecretBoxError)) throw err;
      ctx.log.warn({ credentialId: row.id, keyId: row.passwordKeyId, reason: err.message }, 'a SIP password could not be decrypted');
      throw new SipPasswordUnreadableError();
    }
    const tenant = await ctx.em.findOne(Tenant, { id: tenantId }, { fields: ['settings'] });
    return {
      wsUrl: row.sipWsUrl, username: row.sipUsername, password, domain: row.sipDomain, displayName: row.displayName ?? null, autoRegister: row.autoRegister,
      iceServers: tenant ? iceServersOf(tenant) : [],
    };
  }

  /** Every agent's credentials, without the password (GET /sip-credentials), ordered by agent name. */
  async list(ctx: TenantContext): Promise<SipCredentialsView[]> {
    const rows = await ctx.em.find(AgentSipCredential, {}, { populate: ['user'], orderBy: { user: { name: 'asc' }, id: 'asc' } });
    return rows.map((r) => adminView(r, r.user.name));
  }

  /** Creates or replaces an agent's credentials. Omitted optional fields keep their stored value (defaults on create). */
  async put(ctx: TenantContext, userId: number, body: PutSipCredentials): Promise<SipCredentialsView> {
    const tenantId = ctx.principal.tenantId;
    const user = await ctx.em.findOne(User, { id: userId });
    if (!user) throw new NotFoundError('User');
    const existing = await ctx.em.findOne(AgentSipCredential, { user: userId });
    if (!existing && body.password === undefined) {
      throw new UnprocessableError('A password is required the first time an agent\'s SIP credentials are set.', [{ path: 'body.password', message: 'is required when the agent has no SIP credentials yet' }], 'password_required');
    }
    const clash = await ctx.em.findOne(AgentSipCredential, { sipUsername: body.username, user: { $ne: userId } }, { populate: ['user'] });
    if (clash) {
      throw new ConflictError(`The SIP username ${body.username} is already used by ${clash.user.name}.`, [{ path: 'body.username', message: 'is used by another agent of this tenant' }], 'username_taken');
    }
    const fields = {
      sipWsUrl: body.wsUrl,
      sipUsername: body.username,
      sipDomain: body.domain,
      displayName: body.displayName !== undefined ? (body.displayName || null) : (existing?.displayName ?? null),
      autoRegister: body.autoRegister ?? existing?.autoRegister ?? false,
    };
    const before = existing ? { sipWsUrl: existing.sipWsUrl, sipUsername: existing.sipUsername, sipDomain: existing.sipDomain, displayName: existing.displayName ?? null, autoRegister: existing.autoRegister } : null;
    const enc = body.password !== undefined ? this.secrets.encrypt(body.password, sipPasswordAad(tenantId, userId)) : null;

    const row = await ctx.em.transactional(async (em) => {
      let r: IAgentSipCredential;
      if (existing) {
        r = await em.findOneOrFail(AgentSipCredential, { id: existing.id });
        em.assign(r, { ...fields, ...(enc ? { passwordCiphertext: enc.ciphertext, passwordKeyId: enc.keyId } : {}) } as never);
      } else {
        r = em.create(AgentSipCredential, { tenant: tenantId, user: userId, ...fields, passwordCiphertext: enc!.ciphertext, passwordKeyId: enc!.keyId } as never);
      }
      await em.flush();
      const changed = before ? diff(before, fields) : fields;
      // Only the fact that the password changed is audited, never the password (nor its ciphertext).
      audit(em, ctx, {
        tenantId, userId: ctx.principal.userId, action: existing ? 'sip_credentials.updated' : 'sip_credentials.created', entityType: 'agent_sip_credential', entityId: r.id,
        changes: { agentId: userId, ...changed, passwordChanged: enc !== null },
      });
      await em.flush();
      return r;
    });
    await this.announce(tenantId, userId, true);
    return adminView(row, user.name);
  }

  async remove(ctx: TenantContext, userId: number): Promise<void> {
    const tenantId = ctx.principal.tenantId;
    const user = await ctx.em.findOne(User, { id: userId });
    if (!user) throw new NotFoundError('User');
    const row = await ctx.em.findOne(AgentSipCredential, { user: userId });
    if (!row) throw new AppError(404, 'not_found', 'This agent has no SIP credentials.');
    await ctx.em.transactional(async (em) => {
      await em.nativeDelete(AgentSipCredential, { id: row.id });
      audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'sip_credentials.deleted', entityType: 'agent_sip_credential', entityId: row.id, changes: { agentId: userId, sipUsername: row.sipUsername } });
      await em.flush();
    });
    await this.announce(tenantId, userId, false);
  }

  /** Tells the agent's consoles (every tab, every node) to reload their credentials. Carries no secret. */
  private async announce(tenantId: number, userId: number, configured: boolean) {
    await this.publisher.publish(tenantId, 'sip-credentials:changed', { userId, configured }, { kind: 'user', userId });
  }
}

export interface RotationReport {
  /** Rows whose password is now under the current key (they were under an older one). */
  rotated: number;
  /** Rows already under the current key: untouched. */
  alreadyCurrent: number;
  /** Rows that could not be decrypted with any configured key (left as they are; see `failedIds`). */
  failed: number;
  /** Rows changed by someone else between the read and the write of this run (left as the newer write made them). */
  skipped: number;
  failedIds: number[];
  currentKeyId: string;
}

/**
 * Re-encrypts every agent_sip_credentials row (every tenant) under the current key, the
 * first of SECRETS_KEYS; the other configured keys only decrypt. Works in batches by id,
 * each write conditional on the row being unchanged since it was read, so it is safe to run
 * while the system serves requests, and running it again changes nothing.
 */
export async function rotateSipPasswords(orm: MikroORM, secrets: SecretBox, opts: { batchSize?: number; onBatch?: (done: number) => void } = {}): Promise<RotationReport> {
  const batchSize = opts.batchSize ?? 500;
  const report: RotationReport = { rotated: 0, alreadyCurrent: 0, failed: 0, skipped: 0, failedIds: [], currentKeyId: secrets.currentKeyId };
  const em: EntityManager = orm.em.fork();
  // A maintenance command over every tenant: the tenant filter is off on purpose (grep `tenant: false`).
  report.alreadyCurrent = await em.count(AgentSipCredential, { passwordKeyId: secrets.currentKeyId }, { filters: { tenant: false } });
  let after = 0;
  for (;;) {
    em.clear();
    const rows = await em.find(
      AgentSipCredential,
      { id: { $gt: after }, passwordKeyId: { $ne: secrets.currentKeyId } },
      { filters: { tenant: false }, populate: ['passwordCiphertext'], orderBy: { id: 'asc' }, limit: batchSize },
    );
    if (!rows.length) break;
    after = rows[rows.length - 1].id;
    await em.transactional(async (tx) => {
      for (const r of rows) {
        let plain: string;
        try {
          plain = secrets.decrypt(r.passwordCiphertext, r.passwordKeyId, sipPasswordAad(r.tenant.id, r.user.id));
        } catch (err) {
          if (!(err instanceof SecretBoxError)) throw err;
          report.failed++;
          report.failedIds.push(r.id);
          continue;
        }
        const enc = secrets.encrypt(plain, sipPasswordAad(r.tenant.id, r.user.id));
        const n = await tx.nativeUpdate(
          AgentSipCredential,
          { id: r.id, passwordKeyId: r.passwordKeyId, passwordCiphertext: r.passwordCiphertext },
          { passwordCiphertext: enc.ciphertext, passwordKeyId: enc.keyId },
          { filters: { tenant: false } },
        );
        if (n === 1) report.rotated++;
        else report.skipped++;
      }
    });
    opts.onBatch?.(report.rotated + report.failed + report.skipped);
    if (rows.length < batchSize) break;
  }
  return report;
}
