import { BadRequestError } from './errors.ts';

/**
 * Opaque keyset cursors. A cursor carries the sort key of the last row of the
 * page (and its id to break ties), so pages stay stable while rows are added.
 */
export function encodeCursor(value: Record<string, string | number | null>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T extends Record<string, unknown>>(cursor: string | undefined, check: (v: Record<string, unknown>) => v is T): T | undefined {
  if (!cursor) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (!v || typeof v !== 'object' || !check(v as Record<string, unknown>)) {
    throw new BadRequestError('The cursor is not one this API issued.', [{ path: 'query.cursor', message: 'invalid cursor', code: 'invalid_cursor' }], 'validation_failed');
  }
  return v as T;
}

export const isIdCursor = (v: Record<string, unknown>): v is { id: number } => Number.isSafeInteger(v.id) && (v.id as number) > 0;

/** Takes `limit + 1` rows, returns `limit` and the cursor of the next page. */
export function pageOf<T extends { id: number }, V>(rows: T[], limit: number, view: (row: T) => V): { data: V[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { data: page.map(view), nextCursor: more ? encodeCursor({ id: page[page.length - 1].id }) : null };
}

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
