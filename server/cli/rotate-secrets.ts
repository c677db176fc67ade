import { SecretBox } from '../security/secret-box.ts';
import { rotateSipPasswords } from '../telephony/sip-credentials.service.ts';
import { withReadyOrm } from './ready-orm.ts';

/**
 * `npm run secrets:rotate`: re-encrypts every secret at rest (today: the agents' SIP
 * passwords, every tenant) under the current key, the FIRST one of SECRETS_KEYS. The
 * other keys of the list must still be there, to decrypt what they encrypted.
 *
 *   1. SECRETS_KEYS=new:<b64>,old:<b64>   (deploy: new writes use `new`, old rows still read)
 *   2. npm run secrets:rotate              (batches; safe while serving; again changes nothing)
 *   3. SECRETS_KEYS=new:<b64>             (once it reports failed: 0, drop the old key)
 *
 * Prints one JSON report line; exits 1 when some row could not be decrypted with any
 * configured key (those rows are left as they are and listed by id).
 */
await withReadyOrm(async (orm, config, logger) => {
  const batchSize = Number(process.env.ROTATE_BATCH_SIZE ?? 500);
  const sip = await rotateSipPasswords(orm, new SecretBox(config.SECRETS_KEYS), {
    batchSize: Number.isInteger(batchSize) && batchSize > 0 ? batchSize : 500,
    onBatch: (done) => logger.debug({ done }, 'rotated a batch of SIP passwords'),
  });
  const report = { currentKeyId: sip.currentKeyId, sipPasswords: { rotated: sip.rotated, alreadyCurrent: sip.alreadyCurrent, skipped: sip.skipped, failed: sip.failed, failedIds: sip.failedIds } };
  if (sip.failed) {
    logger.error(report, `${sip.failed} SIP password(s) could not be decrypted with any configured key: they were left as they are; set them again in Settings → SIP credentials`);
    process.exitCode = 1;
  } else {
    logger.info(report, `secrets rotated to key ${sip.currentKeyId}: ${sip.rotated} re-encrypted, ${sip.alreadyCurrent} already current`);
  }
});
