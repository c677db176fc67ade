// Types only: the zod schemas stay out of the browser bundle.
import type { UserView } from '@shared/schemas/tenancy';
import type { Page } from '@shared/schemas/common';
import { http } from './http';

export type { UserView };

/** GET /users?active=true (users.view), every page. */
export async function fetchActiveUsers(): Promise<UserView[]> {
  const all: UserView[] = [];
  let cursor: string | null = null;
  // A tenant's team is small; the loop stops at the last page (or after 20, as a guard).
  for (let i = 0; i < 20; i += 1) {
    const page: Page<UserView> = await http.get<Page<UserView>>('/users', { query: { active: 'true', limit: 200, cursor: cursor ?? undefined } });
    all.push(...page.data);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return all;
}

/** GET /leads/assignees (leads.manage): the active users a lead can be assigned to. */
export async function fetchAssignees(): Promise<{ id: number; name: string }[]> {
  return (await http.get<{ data: { id: number; name: string }[] }>('/leads/assignees')).data;
}
