import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets at rest (SIP passwords, WhatsApp access tokens).
 *
 * - a fresh 96-bit IV for every encryption;
 * - the id of the key that encrypted is stored beside the ciphertext, so keys
 *   can rotate: the first configured key encrypts, every configured key decrypts;
 * - the caller binds the row's identity (e.g. tenant and user) as additional
 *   authenticated data, so a ciphertext copied into another row fails to decrypt.
 *
 * Stored form: base64(iv ‖ tag ‖ ciphertext), with the key id in its own column.
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  readonly currentKeyId: string;

  constructor(spec: string) {
    this.keys = new Map();
    for (const part of spec.split(',')) {
      const [id, b64] = part.split(':');
      const key = Buffer.from(b64, 'base64');
      if (key.length !== 32) throw new Error(`secret key ${id} must be 32 bytes (base64), got ${key.length}`);
      this.keys.set(id, key);
    }
    this.currentKeyId = spec.split(',')[0].split(':')[0];
  }

  encrypt(plaintext: string, aad: string): { ciphertext: string; keyId: string } {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'), keyId: this.currentKeyId };
  }

  /** Throws SecretBoxError when the key is unknown, the data was altered or the AAD differs. */
  decrypt(ciphertext: string, keyId: string, aad: string): string {
    const key = this.keys.get(keyId);
    if (!key) throw new SecretBoxError(`no configured key has id ${keyId}`);
    const raw = Buffer.from(ciphertext, 'base64');
    if (raw.length < 28) throw new SecretBoxError('ciphertext is too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('ciphertext failed authentication');
    }
  }

  /** True when `keyId` is not the key new encryptions use (the row should be re-encrypted). */
  isStale(keyId: string): boolean {
    return keyId !== this.currentKeyId;
  }
}

export class SecretBoxError extends Error {}

/** The additional authenticated data of an agent's SIP password. */
export const sipPasswordAad = (tenantId: number, userId: number) => `sip-password:tenant=${tenantId}:user=${userId}`;
