import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ContactView } from '@/api/contacts';

/**
 * The contacts the Contacts page shows, by id, kept live by contact:created and contact:updated.
 *
 * Every write carries the realtime seq it is current as of (an event's seq, or for a REST page the seq the console
 * had applied when it asked); a write older than what the store holds for that contact changes nothing, so a slow
 * page never undoes a newer event and an event applied twice is a no-op. `created` lists, in arrival order, the
 * contacts that contact:created brought, for a list to show on top.
 *
 * The store holds contacts only while a list uses it (`retain`): with no list on screen, events are ignored and
 * nothing piles up; the next list reads its pages afresh.
 */
export const useContactsStore = defineStore('contacts', () => {
  const byId = ref<Record<number, ContactView>>({});
  const created = ref<number[]>([]);
  /** Bumped when what the console holds may be out of date without an event to say how (a resync). */
  const staleEpoch = ref(0);

  // Not reactive: never shown.
  const seqOf = new Map<number, number>();
  let holders = 0;

  function write(contact: ContactView, seq: number): boolean {
    if (seq < (seqOf.get(contact.id) ?? -1)) return false;
    seqOf.set(contact.id, seq);
    byId.value[contact.id] = contact;
    return true;
  }

  /** A page read over REST, current as of `stamp`. */
  function upsertMany(contacts: readonly ContactView[], stamp: number): void {
    for (const contact of contacts) write(contact, stamp);
  }

  /** The answer to this console's own create: the contact's first state, so whatever the store already holds wins. */
  function adopt(contact: ContactView): void {
    if (!seqOf.has(contact.id)) write(contact, -1);
  }

  /** contact:created. */
  function applyCreated(contact: ContactView, seq: number): void {
    if (!holders) return;
    const known = seqOf.has(contact.id);
    if (write(contact, seq) && !known) created.value.push(contact.id);
  }

  /** contact:updated: replaces the contact if held (kept too when not, so that a page read before it cannot undo it). */
  function applyUpdated(contact: ContactView, seq: number): void {
    if (holders) write(contact, seq);
  }

  /** A list starts using the store; the returned function lets go (idempotent). The last one out empties it. */
  function retain(): () => void {
    holders += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      holders -= 1;
      if (!holders) reset();
    };
  }

  function invalidate(): void {
    staleEpoch.value += 1;
  }

  /** The server's sequence went backwards: the seqs recorded mean nothing any more. */
  function forgetSequence(): void {
    seqOf.clear();
    for (const id of Object.keys(byId.value)) seqOf.set(Number(id), -1);
  }

  function reset(): void {
    byId.value = {};
    created.value = [];
    seqOf.clear();
  }

  return { byId, created, staleEpoch, upsertMany, adopt, applyCreated, applyUpdated, retain, invalidate, forgetSequence };
});
