import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { LeadActivityView, Page } from '@/api/leads';

interface Timeline {
  items: LeadActivityView[];
  /** Cursor of the next (older) page; null once the oldest entry is loaded. */
  nextCursor: string | null;
  loaded: boolean;
}

/** Newest first, as the server pages it: by when it happened, ties by id. */
function newestFirst(a: LeadActivityView, b: LeadActivityView): number {
  return (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || b.id - a.id;
}

/**
 * The timelines of the leads the console shows (a lead's page opens one, and forgets it when it closes).
 * Activities never change once written, so an upsert by id is all it takes for a repeated event or a page that
 * overlaps what events already brought.
 */
export const useLeadActivitiesStore = defineStore('leadActivities', () => {
  const byLead = ref<Record<number, Timeline>>({});

  function open(leadId: number): void {
    byLead.value[leadId] ??= { items: [], nextCursor: null, loaded: false };
  }

  function merge(timeline: Timeline, items: readonly LeadActivityView[]): void {
    const known = new Set(timeline.items.map((item) => item.id));
    const fresh = items.filter((item) => !known.has(item.id));
    if (fresh.length) timeline.items = [...timeline.items, ...fresh].sort(newestFirst);
  }

  /** The first (newest) page: on opening the page, and again after a resync. Keeps older pages already loaded. */
  function applyFirstPage(leadId: number, page: Page<LeadActivityView>): void {
    open(leadId);
    const timeline = byLead.value[leadId]!;
    merge(timeline, page.data);
    if (!timeline.loaded) timeline.nextCursor = page.nextCursor;
    timeline.loaded = true;
  }

  function applyOlderPage(leadId: number, page: Page<LeadActivityView>): void {
    const timeline = byLead.value[leadId];
    if (!timeline) return;
    merge(timeline, page.data);
    timeline.nextCursor = page.nextCursor;
  }

  /** lead:activity (and the answer to one's own note). Only timelines that are open keep entries. */
  function upsert(activity: LeadActivityView): void {
    const timeline = byLead.value[activity.leadId];
    if (timeline) merge(timeline, [activity]);
  }

  function forget(leadId: number): void {
    delete byLead.value[leadId];
  }

  function reset(): void {
    byLead.value = {};
  }

  /** user:renamed: the author's name on the timelines held. */
  function renameUser(userId: number, name: string): void {
    for (const timeline of Object.values(byLead.value)) for (const item of timeline.items) if (item.userId === userId && item.userName !== name) item.userName = name;
  }

  return { byLead, renameUser, open, applyFirstPage, applyOlderPage, upsert, forget, reset };
});
