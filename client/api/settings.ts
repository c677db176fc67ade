// Types only: the zod schemas stay out of the browser bundle.
import type { TenantSettings, UpdateSettingsBody } from '@shared/schemas/tenancy';
import { http } from './http';

export type { TenantSettings, UpdateSettingsBody };

/** GET /settings (settings.manage): the workspace's name, time zone, phone country, wrap-up timeout and STUN/TURN servers. */
export function fetchSettings(): Promise<TenantSettings> {
  return http.get<TenantSettings>('/settings');
}

/** PATCH /settings with the fields that changed; answers the settings as stored. */
export function updateSettings(body: UpdateSettingsBody): Promise<TenantSettings> {
  return http.patch<TenantSettings>('/settings', body);
}
