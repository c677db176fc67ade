import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from '@/App.vue';
import { onSessionEnded } from '@/api/http';
import { onRefreshTokenRemovedElsewhere } from '@/api/tokens';
import { router } from '@/router';
import { useSessionStore } from '@/stores/session';
import './styles.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);

const session = useSessionStore(pinia);

// The session can end behind the user's back: the server refused the refresh token, or another tab signed out
// (they share the refresh token). Either way, drop the state and send this tab to the login page.
function endSession(reason: 'expired' | 'signed_out'): void {
  if (session.signingOut || !session.isAuthenticated) return;
  session.reset();
  const current = router.currentRoute.value;
  void router.replace({
    name: 'login',
    query: { reason, ...(current.name && current.name !== 'login' && current.fullPath !== '/' ? { redirect: current.fullPath } : {}) },
  });
}
onSessionEnded(endSession);
onRefreshTokenRemovedElsewhere(() => endSession('signed_out'));

app.use(router);
app.mount('#app');
