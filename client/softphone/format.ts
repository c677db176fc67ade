/** Pure helpers of the softphone (no browser, no Vue), unit-tested in test/client/softphone-logic.test.ts. */

/** The call timer: "0:05", "12:40", "1:02:09". Negative or missing times show 0:00. */
export function formatCallTimer(ms: number | null | undefined): string {
  const total = Math.max(0, Math.floor((ms ?? 0) / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
}

/**
 * What the agent typed or clicked, as something to dial: a phone number or an extension with the spacing and
 * punctuation people write removed ("+1 (555) 010-1002" → "+15550101002"), or a SIP address as is
 * ("sip:1002@pbx", "1002@pbx"). Null when nothing dialable is left.
 */
export function normalizeDialString(input: string): string | null {
  const raw = input.trim();
  if (!raw) return null;
  if (/^sips?:/i.test(raw) || raw.includes('@')) {
    const address = raw.replace(/^sips?:/i, '');
    return /^[A-Za-z0-9._+*#-]+@[A-Za-z0-9.-]+(:\d+)?$/.test(address) ? address : null;
  }
  const compact = raw.replace(/[\s().\-/]/g, '');
  if (!/^\+?[0-9*#]+$/.test(compact)) return null;
  return compact.length <= 64 ? compact : null;
}

/** The SIP URI to send an INVITE (or a REFER) to. */
export function sipTarget(dial: string, domain: string): string {
  return dial.includes('@') ? `sip:${dial}` : `sip:${dial}@${domain}`;
}

/** The part before the @ of a SIP address, which is what the server stores as the number. */
export function numberOf(dial: string): string {
  return dial.split('@', 1)[0]!;
}

/** Tones a DTMF sender can play; others are dropped. */
export function cleanTones(tones: string): string {
  return tones.toUpperCase().replace(/[^0-9A-D#*,]/g, '');
}

/** "wss://pbx.example.com:8089/ws" → "pbx.example.com:8089", for messages. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
