import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import * as authApi from '@/api/auth';
import type { SessionTenant, SessionUser } from '@/api/auth';
import { ApiError } from '@/api/http';
import { tokens } from '@/api/tokens';
import type { Permission } from '@shared/permissions';

/**
 * Who is signed in, in which tenant, and what they may do.
 * The tokens themselves live in api/tokens.ts so the HTTP layer can use them without importing a store.
 */
export const useSessionStore = defineStore('session', () => {
  const user = ref<SessionUser | null>(null);
  const tenant = ref<SessionTenant | null>(null);
  const permissions = ref<Permission[]>([]);
  /** Set when the saved session could not be checked (server unreachable); the tokens are kept for the next try. */
  const restoreError = shallowRef<ApiError | null>(null);
  /** True while logging out, so the "session ended" path does not also redirect. */
  const signingOut = ref(false);

  const permissionSet = computed(() => new Set<string>(permissions.value));
  const isAuthenticated = computed(() => user.value !== null && tenant.value !== null);

  function can(permission: Permission): boolean {
    return permissionSet.value.has(permission);
  }

  /** The permissions the server says this session has now (the socket's session:ready carries them). */
  function setPermissions(next: readonly Permission[]): void {
    const sorted = [...next].sort();
    if (sorted.join() !== [...permissions.value].sort().join()) permissions.value = sorted;
  }

  /** permissions:changed: an admin edited a role's permissions; ours follow if it is our role. */
  function applyRolePermissions(role: string, next: readonly Permission[]): void {
    if (user.value?.role === role) setPermissions(next);
  }

  function reset(): void {
    user.value = null;
    tenant.value = null;
    permissions.value = [];
  }

  async function loadProfile(): Promise<void> {
    const profile = await authApi.me();
    user.value = profile.user;
    tenant.value = profile.tenant;
    permissions.value = profile.permissions;
  }

  async function login(email: string, password: string): Promise<void> {
    const result = await authApi.login(email, password);
    tokens.set(result);
    try {
      await loadProfile();
    } catch (error) {
      tokens.clear();
      reset();
      throw error;
    }
    restoreError.value = null;
  }

  async function restore(): Promise<void> {
    if (!tokens.refresh) return;
    try {
      // A new tab has the shared refresh token but no access token of its own yet.
      if (!tokens.access && !(await authApi.refresh())) return;
      await loadProfile();
      restoreError.value = null;
    } catch (error) {
      reset();
      if (error instanceof ApiError && (error.status === 0 || error.status >= 500)) restoreError.value = error;
      else tokens.clear();
    }
  }

  let restoring: Promise<void> | null = null;
  /** Restores the saved session once per page load; the router awaits it before the first navigation. */
  function ready(): Promise<void> {
    restoring ??= restore();
    return restoring;
  }

  /** Retries a restore that failed because the server was unreachable. */
  function retryRestore(): Promise<void> {
    restoring = restore();
    return restoring;
  }

  async function logout(): Promise<void> {
    signingOut.value = true;
    try {
      await revokeOnServer();
    } finally {
      tokens.clear();
      reset();
      signingOut.value = false;
    }
  }

  // Best effort: the local sign-out happens whatever the server says. If the access token has expired,
  // refresh once so the server can still revoke the (rotated) refresh token instead of leaving it alive.
  async function revokeOnServer(): Promise<void> {
    const refreshToken = tokens.refresh;
    if (!refreshToken) return;
    try {
      await authApi.logout(refreshToken);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) return;
      const refreshed = await authApi.refresh().catch(() => false);
      const rotated = tokens.refresh;
      if (refreshed && rotated) await authApi.logout(rotated).catch(() => undefined);
    }
  }

  return {
    user,
    tenant,
    permissions,
    restoreError,
    signingOut,
    isAuthenticated,
    can,
    setPermissions,
    applyRolePermissions,
    login,
    logout,
    ready,
    retryRestore,
    reset,
    loadProfile,
  };
});
