import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DomainEvents, Viewer } from '@shared/realtime';

export type ViewableEntity = DomainEvents['viewers:changed']['entityType'];

interface Entry {
  viewers: Viewer[];
  /** Seq this list is current as of (see stores/presence.ts for the rule). */
  seq: number;
}

export const viewerKey = (entityType: ViewableEntity, entityId: number) => `${entityType}:${entityId}`;

/** Who is looking at which lead or conversation, for the pages that show it. */
export const useViewersStore = defineStore('viewers', () => {
  const byEntity = ref<Record<string, Entry>>({});
  /** Why announcing a view failed (e.g. the lead does not exist), by entity. */
  const errors = ref<Record<string, string>>({});

  function sameViewers(a: Viewer[], b: Viewer[]): boolean {
    return a.length === b.length && a.every((viewer, i) => viewer.userId === b[i]!.userId && viewer.name === b[i]!.name);
  }

  function write(key: string, viewers: Viewer[], seq: number): void {
    const existing = byEntity.value[key];
    if (!existing) {
      byEntity.value[key] = { viewers, seq };
      return;
    }
    existing.seq = seq;
    if (!sameViewers(existing.viewers, viewers)) existing.viewers = viewers;
  }

  /** viewers:changed. A repeated or older event changes nothing. */
  function applyEvent(data: DomainEvents['viewers:changed'], seq: number): void {
    const key = viewerKey(data.entityType, data.entityId);
    if (seq <= (byEntity.value[key]?.seq ?? -1)) return;
    write(key, data.viewers, seq);
  }

  /** The viewers a viewing:set answered with, current as of `stamp`. */
  function applySnapshot(entityType: ViewableEntity, entityId: number, viewers: Viewer[], stamp: number): void {
    const key = viewerKey(entityType, entityId);
    delete errors.value[key];
    if (stamp < (byEntity.value[key]?.seq ?? -1)) return;
    write(key, viewers, stamp);
  }

  function setError(entityType: ViewableEntity, entityId: number, message: string): void {
    errors.value[viewerKey(entityType, entityId)] = message;
  }

  function viewersOf(entityType: ViewableEntity, entityId: number): Viewer[] {
    return byEntity.value[viewerKey(entityType, entityId)]?.viewers ?? [];
  }

  /** The page stopped showing the entity: drop what we knew, so that a later visit never starts from it. */
  function forget(entityType: ViewableEntity, entityId: number): void {
    const key = viewerKey(entityType, entityId);
    delete byEntity.value[key];
    delete errors.value[key];
  }

  function forgetSequence(): void {
    for (const entry of Object.values(byEntity.value)) entry.seq = -1;
  }

  function reset(): void {
    byEntity.value = {};
    errors.value = {};
  }

  /** user:renamed: the name in every list of viewers held (the next viewers:changed carries it too). */
  function renameUser(userId: number, name: string): void {
    for (const entry of Object.values(byEntity.value)) {
      if (entry.viewers.some((v) => v.userId === userId && v.name !== name)) entry.viewers = entry.viewers.map((v) => (v.userId === userId ? { ...v, name } : v));
    }
  }

  return { byEntity, errors, renameUser, applyEvent, applySnapshot, setError, viewersOf, forget, forgetSequence, reset };
});
