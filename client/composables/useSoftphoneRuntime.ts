import { onUnmounted, watch } from 'vue';
import { fetchCalls, fetchDispositions, fetchOwnSipCredentials, lookupNumber, reportAnswered, reportEnded, reportEndedOnUnload, startCall } from '@/api/telephony';
import { dispatcher } from '@/realtime/dispatcher';
import { parseIceServers } from '@/softphone/config';
import type { PhoneService } from '@/softphone/service';
import { browserTabTransport } from '@/softphone/browserTabs';
import { TabHub } from '@/softphone/tabs';
import { emptySnapshot, type PhoneCommand, type PhoneSnapshot } from '@/softphone/types';
import { useCallsStore } from '@/stores/calls';
import { useConnectionStore } from '@/stores/connection';
import { useSessionStore } from '@/stores/session';
import { useSoftphoneStore } from '@/stores/softphone';

/**
 * Runs the softphone for the signed-in agent, once per page (the shell mounts it):
 * - joins the tabs of this agent (TabHub); the tab elected leader runs the PhoneService (SIP registration, calls,
 *   reporting), the others show its state and send their commands to it;
 * - loads what every tab needs whatever it leads: the dispositions and the agent's calls still waiting for a
 *   wrap-up, again after each catch-up of the realtime connection;
 * - starts over when the user changes, stops on sign-out.
 */
export function useSoftphoneRuntime(): void {
  const session = useSessionStore();
  const store = useSoftphoneStore();
  const calls = useCallsStore();
  const connection = useConnectionStore();

  let hub: TabHub<PhoneSnapshot, PhoneCommand> | null = null;
  let service: PhoneService | null = null;

  /** SIP.js is loaded only by the tab that runs the phone (it is most of the softphone's weight). */
  async function startService(forHub: TabHub<PhoneSnapshot, PhoneCommand>): Promise<void> {
    let PhoneServiceClass: typeof PhoneService;
    try {
      ({ PhoneService: PhoneServiceClass } = await import('@/softphone/service'));
    } catch {
      store.setSnapshot({ ...emptySnapshot('failed'), registrationError: 'The phone could not be loaded. Reload the page.' });
      return;
    }
    if (hub !== forHub || !forHub.isLeader) return;
    service = new PhoneServiceClass({
      fetchCredentials: fetchOwnSipCredentials,
      lookup: lookupNumber,
      reporter: { start: startCall, answered: reportAnswered, ended: reportEnded },
      onServerCall: (call) => calls.applyCall(call, dispatcher.stamp()),
      onSnapshot: (snapshot) => {
        store.setSnapshot(snapshot);
        hub?.publish(snapshot);
      },
      defaultIceServers: parseIceServers(import.meta.env.VITE_SIP_ICE_SERVERS),
      reportEndedOnUnload,
    });
    void service.start();
  }

  function start(tenantId: number, userId: number): void {
    const name = `cc.softphone.t${tenantId}.u${userId}`;
    const { channel, locks } = browserTabTransport(name);
    const created = new TabHub<PhoneSnapshot, PhoneCommand>({
      name,
      channel,
      locks,
      onLeadership: (leading) => {
        store.isLeader = leading;
        if (leading && hub === created) void startService(created);
      },
      onState: (state) => {
        if (state) store.setSnapshot(state);
        else store.leaderless = true;
      },
      execute: (command) => (service ? service.execute(command) : Promise.reject(new Error('The phone is starting. Try again in a moment.'))),
    });
    hub = created;
    store.coordinated = created.coordinated;
    store.attach((command) => created.send(command));
    created.start();
  }

  function stop(unloading = false): void {
    const stoppingHub = hub;
    const stoppingService = service;
    hub = null;
    service = null;
    store.detach();
    store.reset();
    stoppingHub?.stop();
    void stoppingService?.stop(unloading);
  }

  async function loadShared(): Promise<void> {
    const me = session.user?.id;
    if (!me || !session.can('calls.view')) return;
    const stamp = dispatcher.stamp();
    const [dispositions, ended] = await Promise.allSettled([fetchDispositions(), fetchCalls({ status: 'ended', userId: me }, null, 50)]);
    if (dispositions.status === 'fulfilled') calls.setDispositions(dispositions.value, stamp);
    if (ended.status === 'fulfilled') calls.applyMany(ended.value.data, stamp);
  }

  watch(
    () => (session.user && session.tenant ? { tenantId: session.tenant.id, userId: session.user.id, allowed: session.can('calls.make') } : null),
    (who, before) => {
      if (who && before && who.tenantId === before.tenantId && who.userId === before.userId && who.allowed === before.allowed) return;
      stop();
      calls.reset();
      if (!who) return;
      if (!who.allowed) {
        store.setSnapshot(emptySnapshot('disabled'));
      } else {
        start(who.tenantId, who.userId);
      }
      void loadShared();
    },
    { immediate: true },
  );

  // A catch-up after a reconnect may have been a resync: read the wrap-ups and dispositions again.
  watch(
    () => connection.status,
    (status, previous) => {
      if (status === 'live' && previous === 'catching_up') void loadShared();
    },
  );

  watch(
    () => calls.credentialsTick,
    () => void service?.credentialsChanged(),
  );

  // Closing the tab that holds the phone drops its calls: ask first.
  const onBeforeUnload = (event: BeforeUnloadEvent) => {
    if (store.isLeader && store.liveCalls.length) {
      event.preventDefault();
      event.returnValue = '';
    }
  };
  const onPageHide = () => {
    // Best effort: hang up, report it, unregister, and let another tab take the phone over.
    stop(true);
  };
  window.addEventListener('beforeunload', onBeforeUnload);
  window.addEventListener('pagehide', onPageHide);

  onUnmounted(() => {
    window.removeEventListener('beforeunload', onBeforeUnload);
    window.removeEventListener('pagehide', onPageHide);
    stop();
    calls.reset();
  });
}
