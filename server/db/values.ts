/** Values as the MariaDB driver returns them in plain-SQL reads, and as DATETIME keeps them. */

/** A DATETIME as the driver returns it ('YYYY-MM-DD HH:MM:SS', UTC) or a Date. */
export function dbDate(v: unknown): Date | null {
  if (v == null) return null;
  if (v instanceof Date) return v;
  return new Date(`${String(v).replace(' ', 'T')}Z`);
}

/** A JSON column as the driver returns it (text, or already parsed). */
export const dbJson = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/** Whole seconds: what a DATETIME keeps. */
export const wholeSeconds = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);
