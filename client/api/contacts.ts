// Types only: the zod schemas stay out of the browser bundle.
import type { Page } from '@shared/schemas/common';
import type { CONTACT_SORTS, ContactView } from '@shared/schemas/contacts';
import { http } from './http';

export type { ContactView, Page };
export type ContactSort = (typeof CONTACT_SORTS)[number];

/** The fields of a contact the console sets (POST /contacts, PATCH /contacts/:id). */
export interface ContactFields {
  firstName: string;
  lastName: string | null;
  /** Any format: the server stores it in E.164 (422 invalid_phone when it is not a number). */
  phone: string;
  email: string | null;
  address: string | null;
  isFavorite: boolean;
}

export interface ContactListFilters {
  q?: string;
  sort?: ContactSort;
}

/** GET /contacts: one page, newest first or by first name; `q` searches names, email and phone. */
export function fetchContacts(filters: ContactListFilters, cursor: string | null = null, limit = 50): Promise<Page<ContactView>> {
  return http.get<Page<ContactView>>('/contacts', { query: { ...filters, cursor: cursor ?? undefined, limit } });
}

export function fetchContact(id: number): Promise<ContactView> {
  return http.get<ContactView>(`/contacts/${id}`);
}

/** POST /contacts (contacts.manage). */
export function createContact(body: Partial<ContactFields> & { firstName: string; phone: string }): Promise<ContactView> {
  return http.post<ContactView>('/contacts', body);
}

/** PATCH /contacts/:id (contacts.manage): only the fields given change. */
export function updateContact(id: number, changes: Partial<ContactFields>): Promise<ContactView> {
  return http.patch<ContactView>(`/contacts/${id}`, changes);
}
