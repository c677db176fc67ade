import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import type { Role } from '../../shared/roles.ts';

export interface AccessClaims {
  sub: string;
  tid: number;
  role: Role;
  /** The user's token version when the token was issued. */
  ver: number;
}

/** Why an access token was refused; the socket gateway shows it to the client. */
export type TokenFailure = 'token_missing' | 'token_expired' | 'token_invalid' | 'token_algorithm' | 'token_audience' | 'token_issuer' | 'token_revoked';

export class TokenError extends Error {
  constructor(readonly reason: TokenFailure, message: string) {
    super(message);
  }
}

export interface TokenSettings {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/**
 * HS256 access tokens. Verification pins the algorithm, issuer and audience,
 * so `alg: none`, an RS/ES token or one minted for another audience is refused.
 */
export class AccessTokens {
  /** Imported once: handing jose the raw bytes would import the key again on every sign and verify. */
  private readonly key: Promise<webcrypto.CryptoKey>;
  constructor(private readonly settings: TokenSettings) {
    this.key = webcrypto.subtle.importKey('raw', new TextEncoder().encode(settings.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  async sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({ tid: claims.tid, role: claims.role, ver: claims.ver })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt()
      .setJti(randomBytes(8).toString('hex'))
      .setExpirationTime(`${this.settings.ttlSeconds}s`)
      .sign(await this.key);
  }

  async verify(token: string | undefined | null): Promise<AccessClaims> {
    if (!token) throw new TokenError('token_missing', 'No access token was given.');
    try {
      const { payload } = await jwtVerify(token, await this.key, {
        algorithms: ['HS256'],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const tid = payload.tid;
      const role = payload.role;
      const ver = payload.ver;
      if (typeof tid !== 'number' || typeof role !== 'string' || typeof ver !== 'number' || !payload.sub || !/^\d+$/.test(payload.sub)) {
        throw new TokenError('token_invalid', 'The access token is malformed.');
      }
      return { sub: payload.sub, tid, role: role as Role, ver };
    } catch (err) {
      if (err instanceof TokenError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new TokenError('token_expired', 'The access token has expired.');
      if (err instanceof joseErrors.JOSEAlgNotAllowed || err instanceof joseErrors.JOSENotSupported) {
        throw new TokenError('token_algorithm', 'The access token uses an algorithm that is not accepted.');
      }
      if (err instanceof joseErrors.JWTClaimValidationFailed) {
        if (err.claim === 'aud') throw new TokenError('token_audience', 'The access token was issued for another audience.');
        if (err.claim === 'iss') throw new TokenError('token_issuer', 'The access token was issued by another issuer.');
      }
      throw new TokenError('token_invalid', 'The access token is invalid.');
    }
  }
}

/** A random opaque secret (refresh tokens, invitation tokens, API keys). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Opaque secrets are stored as SHA-256: they are long and random, so no salt or slow hash is needed. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
