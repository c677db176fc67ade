import type { ChannelLike, LocksLike } from './tabs';

/** The browser's BroadcastChannel and Web Locks, when it has them. */
export function browserTabTransport(name: string): { channel: ChannelLike | null; locks: LocksLike | null } {
  const channel = typeof BroadcastChannel === 'undefined' ? null : (new BroadcastChannel(name) as unknown as ChannelLike);
  const locks = typeof navigator !== 'undefined' && navigator.locks ? (navigator.locks as unknown as LocksLike) : null;
  return { channel, locks };
}
