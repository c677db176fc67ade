/** Only same-app paths are accepted as a post-login destination (no `//evil.example`, no loop back to /login). */
export function safeRedirect(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/login') ? value : '/';
}
