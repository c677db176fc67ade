import type { LeadActivityView, LeadScore } from '@/api/leads';

export const SCORE_LABELS: Record<LeadScore, string> = { hot: 'Hot', warm: 'Warm', cold: 'Cold' };
export const SCORES: LeadScore[] = ['hot', 'warm', 'cold'];

const money = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const moneyCents = new Intl.NumberFormat(undefined, { minimumFractionDigits: 0, maximumFractionDigits: 2 });

/** "12,500" (no currency: the tenant does not configure one yet). */
export function formatValue(value: number | null, exact = false): string {
  if (value === null) return '';
  return (exact ? moneyCents : money).format(value);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const shortDate = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });

export function formatDateTime(iso: string | null): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isFinite(t) ? dateTime.format(t) : '';
}

export function formatShort(iso: string | null): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isFinite(t) ? shortDate.format(t) : '';
}

/** "in 3 h", "2 d ago" */
export function formatRelative(iso: string | null, now = Date.now()): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const diff = t - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return 'just now';
  const unit = abs < 3_600_000 ? [Math.max(1, Math.round(abs / 60_000)), 'min'] : abs < 86_400_000 ? [Math.round(abs / 3_600_000), 'h'] : [Math.round(abs / 86_400_000), 'd'];
  return diff >= 0 ? `in ${unit[0]} ${unit[1]}` : `${unit[0]} ${unit[1]} ago`;
}

export function isOverdue(iso: string | null, now = Date.now()): boolean {
  return !!iso && Date.parse(iso) < now;
}

/** The value of an <input type="datetime-local"> (local time) for an ISO instant. */
export function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** An ISO instant for an <input type="datetime-local"> value (local time), or null when empty or invalid. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

export function initials(name: string | null): string {
  return (name ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join('');
}

const text = (value: unknown) => (typeof value === 'string' ? value : value == null ? '' : String(value));

/** One line saying what a timeline entry is. */
export function describeActivity(activity: LeadActivityView, nameOf: (userId: number | null) => string | null): string {
  const p = activity.payload ?? {};
  switch (activity.type) {
    case 'status_change':
      return `Moved ${text(p.from_status)} → ${text(p.to_status)}`;
    case 'note':
      return 'Added a note';
    case 'call': {
      const seconds = Number(p.duration ?? 0);
      const outcome = text(p.outcome);
      return `Call${outcome ? ` · ${outcome}` : ''}${seconds > 0 ? ` · ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}` : ''}`;
    }
    case 'followup':
      if (p.due_at !== undefined) return `Follow-up due ${formatDateTime(text(p.due_at))} (reminder sent)`;
      if (p.scheduled_for) return `Follow-up set for ${formatDateTime(text(p.scheduled_for))}`;
      return 'Follow-up cleared';
    case 'assignment': {
      const to = p.to_user_id == null ? null : Number(p.to_user_id);
      return to === null ? 'Unassigned the lead' : `Assigned to ${nameOf(to) ?? `user #${to}`}`;
    }
    default:
      return activity.type;
  }
}
