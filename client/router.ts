import { createRouter, createWebHistory, type RouteComponent, type RouteRecordRaw } from 'vue-router';
import type { Permission } from '@shared/permissions';
import LoginPage from '@/components/Auth/LoginPage.vue';
import AppShell from '@/components/Shell/AppShell.vue';
import PlaceholderView from '@/components/Shell/PlaceholderView.vue';
import { NAV_ITEMS } from '@/navigation';
import { safeRedirect } from '@/redirect';
import { useSessionStore } from '@/stores/session';

declare module 'vue-router' {
  interface RouteMeta {
    /** Only for visitors who are not signed in (the login page). */
    guestOnly?: boolean;
    /** Permission the signed-in user needs for this page. */
    permission?: Permission | null;
    /** Shown in the browser tab. */
    title?: string;
  }
}

// Areas whose feature has landed; every other area is a placeholder until then.
const AREA_VIEWS: Partial<Record<string, () => Promise<RouteComponent>>> = {
  dashboard: () => import('@/components/Dashboard/DashboardView.vue'),
  leads: () => import('@/components/Leads/LeadsBoardView.vue'),
  calls: () => import('@/components/Telephony/CallHistoryView.vue'),
  contacts: () => import('@/components/Contacts/ContactsView.vue'),
  settings: () => import('@/components/Settings/SettingsView.vue'),
};

// Pages under an area's path; the area's own page is their empty-path sibling, so the area's navigation link
// stays active on all of them.
const AREA_CHILDREN: Partial<Record<string, RouteRecordRaw[]>> = {
  leads: [
    { path: 'list', name: 'leads-list', component: () => import('@/components/Leads/LeadsListView.vue'), meta: { title: 'Leads' } },
    { path: 'followups', name: 'leads-followups', component: () => import('@/components/Leads/MyFollowupsView.vue'), meta: { title: 'My follow-ups' } },
    { path: ':id(\\d+)', name: 'lead', component: () => import('@/components/Leads/LeadDetailView.vue'), meta: { title: 'Lead' } },
  ],
  dashboard: [
    { path: 'day', name: 'dashboard-day', component: () => import('@/components/Dashboard/DayReportView.vue'), meta: { title: 'Day report' } },
  ],
  calls: [
    { path: ':id(\\d+)', name: 'call', component: () => import('@/components/Telephony/CallDetailView.vue'), meta: { title: 'Call' } },
  ],
};

const areaRoutes: RouteRecordRaw[] = NAV_ITEMS.filter((item) => item.key !== 'home').map((item) => {
  const meta = { permission: item.permission, title: item.label };
  const view = AREA_VIEWS[item.key];
  const children = AREA_CHILDREN[item.key];
  if (view && children) {
    return { path: item.path.slice(1), meta, children: [{ path: '', name: item.key, component: view, meta: { title: item.label } }, ...children] };
  }
  return view
    ? { path: item.path.slice(1), name: item.key, component: view, meta }
    : { path: item.path.slice(1), name: item.key, component: PlaceholderView, props: { title: item.label, description: item.description }, meta };
});

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginPage, meta: { guestOnly: true, title: 'Sign in' } },
  { path: '/accept-invitation', name: 'accept-invitation', component: () => import('@/components/Auth/AcceptInvitationPage.vue'), meta: { guestOnly: true, title: 'Join your team' } },
  {
    path: '/',
    component: AppShell,
    children: [
      { path: '', name: 'home', component: () => import('@/components/Home/HomeView.vue'), meta: { title: 'Home' } },
      ...areaRoutes,
      { path: 'forbidden', name: 'forbidden', component: () => import('@/components/Shell/AccessDenied.vue'), meta: { title: 'No access' } },
      { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('@/components/Shell/NotFound.vue'), meta: { title: 'Not found' } },
    ],
  },
];

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
  linkActiveClass: 'is-active',
  linkExactActiveClass: 'is-exact-active',
});

router.beforeEach(async (to) => {
  const session = useSessionStore();
  await session.ready();

  if (to.meta.guestOnly) {
    return session.isAuthenticated ? safeRedirect(to.query.redirect) : true;
  }
  if (!session.isAuthenticated) {
    return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  }
  // Children inherit nothing automatically: check the deepest record that names a permission.
  const permission = [...to.matched].reverse().find((record) => record.meta.permission)?.meta.permission;
  if (permission && !session.can(permission)) {
    return { name: 'forbidden', query: { from: to.fullPath } };
  }
  return true;
});

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · Contact Center` : 'Contact Center';
});
