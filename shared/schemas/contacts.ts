import { z } from 'zod';
import { Id } from './common.ts';

/**
 * The contacts contract, shared by the server and (as types) the console. Paths are under /api/v1.
 *
 *   GET    /contacts        contacts.view    keyset-paged list: newest first or by first name; `q` searches
 *   GET    /contacts/:id    contacts.view    one contact (another tenant's id: 404)
 *   POST   /contacts        contacts.manage  create; the phone is stored in E.164 (invalid: 422 invalid_phone)
 *   PATCH  /contacts/:id    contacts.manage  edit
 */

export const CONTACT_SORTS = ['newest', 'name'] as const;

const Cursor = z.string().max(300).regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor this API issued');

export const ContactView = z
  .object({
    id: Id,
    firstName: z.string(),
    lastName: z.string().nullable(),
    /** First and last name, as the console shows it. */
    name: z.string(),
    /** E.164. */
    phone: z.string(),
    email: z.string().nullable(),
    address: z.string().nullable(),
    isFavorite: z.boolean(),
    createdById: Id.nullable(),
    createdAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'Contact' });
export type ContactView = z.infer<typeof ContactView>;

const contactFields = {
  firstName: z.string().trim().min(1, 'is required').max(255),
  lastName: z.string().trim().max(255).nullable(),
  /** Any format; read with the tenant's default country and stored in E.164. */
  phone: z.string().trim().min(3, 'is too short to be a phone number').max(40, 'is too long to be a phone number'),
  email: z.string().trim().toLowerCase().max(255).pipe(z.email({ message: 'must be an email address' })).nullable(),
  address: z.string().trim().max(2000).nullable(),
  isFavorite: z.boolean(),
};

export const CreateContactBody = z.strictObject({
  firstName: contactFields.firstName,
  lastName: contactFields.lastName.optional(),
  phone: contactFields.phone,
  email: contactFields.email.optional(),
  address: contactFields.address.optional(),
  isFavorite: contactFields.isFavorite.optional(),
});
export type CreateContactBody = z.infer<typeof CreateContactBody>;

export const UpdateContactBody = z
  .strictObject(Object.fromEntries(Object.entries(contactFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof contactFields]: z.ZodOptional<(typeof contactFields)[K]> })
  .refine((b) => Object.keys(b).length > 0, { message: 'name at least one field to change' });
export type UpdateContactBody = z.infer<typeof UpdateContactBody>;

export const ContactListQuery = z.strictObject({
  cursor: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** The start of the first name, last name, "first last" or email; or a phone number in any format. */
  q: z.string().trim().min(1).max(100).optional(),
  sort: z.enum(CONTACT_SORTS).default('newest'),
});
export type ContactListQuery = z.infer<typeof ContactListQuery>;
