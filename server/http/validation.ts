import type { ZodError, ZodType } from 'zod';
import { BadRequestError } from './errors.ts';

export interface FieldIssue {
  path: string;
  message: string;
  code: string;
}

export function zodIssues(err: ZodError, prefix: string): FieldIssue[] {
  return err.issues.flatMap((i) => {
    const at = [prefix, ...i.path.map(String)];
    // An unknown field is named by its own path, like any other failing field.
    const paths = i.code === 'unrecognized_keys' ? i.keys.map((k) => [...at, k]) : [at];
    return paths.map((p) => ({ path: p.filter(Boolean).join('.'), message: i.message, code: i.code }));
  });
}

/** Parses `value` with `schema`, or throws a 400 naming every failing field. */
export function parseOrThrow<T>(schema: ZodType<T>, value: unknown, where: 'body' | 'query' | 'params' | 'payload'): T {
  const res = schema.safeParse(value);
  if (!res.success) {
    throw new BadRequestError(`The request ${where} is invalid.`, zodIssues(res.error, where), 'validation_failed');
  }
  return res.data;
}
