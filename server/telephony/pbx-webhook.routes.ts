import { z } from 'zod';
import { route, type RouteSpec } from '../http/route.ts';
import { requirePrincipal } from '../http/context.ts';
import { Id } from '../../shared/schemas/common.ts';
import { PbxEventBody } from '../../shared/schemas/telephony.ts';
import type { PbxWebhookService } from './pbx-webhook.service.ts';

const PbxReceipt = z.object({ ok: z.literal(true), duplicate: z.boolean(), callId: Id.nullable() }).meta({ id: 'PbxReceipt' });

const DESCRIPTION = `One call event per request, from the PBX (Asterisk, FreePBX, FreeSWITCH…), authenticated with a tenant API key created with the \`pbx\` scope: \`Authorization: Bearer <key>\`.

Events: \`call.ringing\`, \`call.answered\`, \`call.ended\` (with \`duration_seconds\`, which wins over the computed duration), \`call.recording_ready\` (with \`recording_url\`). \`call_id\` is the PBX's id of one agent's leg of the call (e.g. Asterisk's linkedid and the agent's extension: a transfer or a ring group gives each agent a leg, and each leg is its own call record); \`extension\` is the agent's SIP username; \`timestamp\` (ISO 8601 with an offset) is when it happened, and the call's times come from it, not from when the request arrived.

- **200** \`{ ok: true, duplicate: false, callId }\` once the event is stored and its call updated (committed; events arriving together are written in one batch). The live events and the agent's presence follow right after.
- **200** \`{ ok: true, duplicate: true, callId }\` for an event already stored: idempotent on (tenant, call_id, event), a retry changes nothing.
- **409** \`call_leg_conflict\` for an event that names another extension (or agent) than the one its \`call_id\` already belongs to: another agent's leg under the same id. Nothing is stored.
- Out of order is safe: \`call.ended\` before \`call.answered\` still ends as ended, with the answered time of the later event.
- **401** no key, an unknown, revoked or expired key (\`api_key_missing\`, \`api_key_invalid\`); **403** a key without the \`pbx\` scope (\`api_key_scope\`). **429** (\`api_key_rate_limited\`, with \`Retry-After\`) once one address has presented \`API_KEY_MAX_FAILURES\` invalid keys within \`API_KEY_FAILURE_WINDOW_SECONDS\` (30 in 5 minutes by default); a valid key this node checked in the last 5 seconds (its key cache) still passes.
- **400** malformed JSON or a field that fails validation, **422** a well-formed event that breaks a rule (\`recording_url\` missing on call.recording_ready, a timestamp more than 5 minutes ahead or before 2000); \`details\` names the field.

A call placed from the console carries the console's id in the SIP header \`X-CC-Call-Id\`: pass it back as \`console_call_id\` (or pass the SIP Call-ID as \`sip_call_id\`) and the console's report and the PBX's events are one call record. An extension that belongs to no agent makes an unassigned call, which supervisors see.`;

export function pbxWebhookRoutes(pbx: PbxWebhookService): RouteSpec[] {
  return [
    route({
      method: 'post', path: '/webhooks/pbx', absolute: true, tag: 'PBX webhook', auth: { kind: 'apiKey', scope: 'pbx' },
      summary: 'Receive one call event from the PBX (ringing, answered, ended, recording ready)',
      description: DESCRIPTION,
      body: PbxEventBody, responses: { 200: { description: 'Stored (or already stored: duplicate)', schema: PbxReceipt } }, errors: [400, 401, 403, 409, 422, 429],
      handler: (ctx, { body }) => { requirePrincipal(ctx); return pbx.receive(ctx, body); },
    }),
  ];
}
