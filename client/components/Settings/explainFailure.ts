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
