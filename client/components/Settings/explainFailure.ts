import { ApiError } from '@/api/http';

/**
 * A refused settings change in words: the server's message (409 and 422 name the rule that was broken), or for a
 * 400 the fields it names.
 */
export function explainFailure(failure: unknown): string {
  if (!(failure instanceof ApiError)) return 'The server could not be reached. Try again.';
  if (failure.status === 400 && Array.isArray(failure.details)) {
    const parts = (failure.details as { path?: string; message?: string }[]).map((d) => `${(d.path ?? '').replace(/^body\./, '')} ${d.message ?? ''}`.trim());
    return parts.length ? `Check the form: ${parts.join('; ')}.` : failure.message;
  }
  return failure.message;
}

/**
 * Puts the fields a refusal names (`details[].path` = `body.<field>`) into `into`, for those of `fields`;
 * true when it put any. The settings forms show each under its input.
 */
export function showFieldErrors<F extends string>(failure: unknown, fields: readonly F[], into: Partial<Record<F, string>>): boolean {
  if (!(failure instanceof ApiError) || !Array.isArray(failure.details)) return false;
  let shown = false;
  for (const d of failure.details as { path?: string; message?: string }[]) {
    const field = (d.path ?? '').replace(/^body\./, '') as F;
    if (fields.includes(field)) {
      into[field] = d.message ?? 'is invalid';
      shown = true;
    }
  }
  return shown;
}
