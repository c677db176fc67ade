import { z } from 'zod';

/** An id as the API passes it around: a positive integer that JSON keeps exact. */
export const Id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const Email = z.string().trim().toLowerCase().max(255).pipe(z.email({ message: 'must be an email address' }));

/** Passwords: long enough to matter, short enough that hashing cannot be abused. */
export const NewPassword = z.string().min(10, 'must be at least 10 characters').max(200, 'must be at most 200 characters');

export const PersonName = z.string().trim().min(1, 'is required').max(255);

/** Query of every list route: an opaque cursor and a page size. */
export const PageQuery = z.strictObject({
  cursor: z.string().max(200).regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor this API issued').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type PageQuery = z.infer<typeof PageQuery>;

/** Envelope of every list answer; `nextCursor` is null on the last page. */
export function Page<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export const ErrorBody = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .meta({ id: 'Error' });
