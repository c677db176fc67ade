import { ApiError } from '@/api/http';

/** The sentence the login form shows for a failed sign-in. */
export function loginErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  if (error.isNetworkError) return 'Cannot reach the server. Check your connection and try again.';
  switch (error.status) {
    case 401:
      return 'Email or password is incorrect.';
    case 429: {
      if (error.retryAfterSeconds === null) return 'Too many attempts. Try again in a few minutes.';
      const minutes = Math.max(1, Math.ceil(error.retryAfterSeconds / 60));
      return `Too many attempts. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
    }
    case 400:
    case 422:
      return 'Enter a valid email address and your password.';
    case 403:
      // e.g. a suspended account or tenant: the server's own words are the useful ones.
      return error.message || 'This account cannot sign in.';
    default:
      return error.status >= 500
        ? 'The server could not sign you in right now. Please try again in a moment.'
        : error.message || 'Sign-in failed. Please try again.';
  }
}
