/**
 * ICE servers of the softphone's RTCPeerConnection when the SIP credentials answer names none.
 *
 * None by default: a PBX on the LAN (or one with a public address that does ICE-lite, as Asterisk and FreeSWITCH
 * do for WebRTC) needs only the browser's host candidates, and SIP.js's own default, a public STUN host, would
 * leak the agent's address and slow every call down where that host cannot be reached. Set
 * `VITE_SIP_ICE_SERVERS` at build time to a JSON array of RTCIceServer, e.g.
 * `[{"urls":"stun:stun.example.org:3478"},{"urls":"turn:turn.example.org","username":"u","credential":"p"}]`.
 * Anything else (not JSON, not an array, entries without `urls`) counts as none.
 */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export function parseIceServers(raw: unknown): IceServer[] {
  if (typeof raw !== 'string' || !raw.trim()) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((entry): entry is IceServer => {
      if (typeof entry !== 'object' || entry === null) return false;
      const urls = (entry as { urls?: unknown }).urls;
      return typeof urls === 'string' || (Array.isArray(urls) && urls.every((u) => typeof u === 'string'));
    });
  } catch {
    return [];
  }
}
