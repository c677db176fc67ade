import { createPinia } from 'pinia';
import { createApp, watch } from 'vue';
import App from '@/App.vue';
import { onSessionEnded } from '@/api/http';
import { onRefreshTokenRemovedElsewhere, tokens } from '@/api/tokens';
import { startRealtime, stopRealtime } from '@/realtime/connector';
import { router } from '@/router';
import type { FatalRefusal } from '@/socket';
import { useSessionStore } from '@/stores/session';
import './styles.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);

const session = useSessionStore(pinia);

/** Why the login page is shown; LoginPage.vue words each one. */
type SessionEndReason = 'expired' | 'signed_out' | FatalRefusal;

// The session can end behind the user's back: the server refused the refresh token, another tab signed out
// (they share the refresh token), or the socket's handshake was refused for good (deactivated user, suspended
// tenant, revoked session). Either way, drop the state and send this tab to the login page.
function endSession(reason: SessionEndReason): void {
  if (session.signingOut || !session.isAuthenticated) return;
  // A refused handshake leaves tokens the server will not take any more; the others cleared them already.
  if (reason !== 'expired' && reason !== 'signed_out') tokens.clear();
  session.reset();
  const current = router.currentRoute.value;
  void router.replace({
    name: 'login',
    query: { reason, ...(current.name && current.name !== 'login' && current.fullPath !== '/' ? { redirect: current.fullPath } : {}) },
  });
}
onSessionEnded(endSession);
onRefreshTokenRemovedElsewhere(() => endSession('signed_out'));

// The socket lives exactly as long as the signed-in session: opened after login (or a restored session),
// closed on logout or when the session ends.
watch(
  () => (session.isAuthenticated && session.user && session.tenant ? `${session.tenant.id}:${session.user.id}` : null),
  (who) => {
    if (!who) {
      stopRealtime();
      return;
    }
    const [tenantId, userId] = who.split(':').map(Number) as [number, number];
    startRealtime({ tenantId, userId, onFatalRefusal: (code) => endSession(code) });
  },
  { immediate: true },
);

app.use(router);
app.mount('#app');
