import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { emptySnapshot, type PhoneCall, type PhoneCommand, type PhoneSnapshot, type RelatedRef } from '@/softphone/types';

type Sender = (command: PhoneCommand) => Promise<unknown>;

/**
 * The softphone as this tab shows it: the snapshot the leader tab published (or this tab's own, when it leads),
 * whether this tab holds the registration, and the dock's UI state. Commands go through `send`, which the
 * runtime (composables/useSoftphoneRuntime.ts) wires to the leader.
 */
export const useSoftphoneStore = defineStore('softphone', () => {
  const snapshot = shallowRef<PhoneSnapshot>(emptySnapshot('loading'));
  const isLeader = ref(false);
  /** False when this browser cannot share one registration between tabs (each tab registers by itself). */
  const coordinated = ref(true);
  /** No tab holds the phone right now (the leader just closed; another one takes over in a moment). */
  const leaderless = ref(false);
  const dockOpen = ref(false);
  /** What the dial pad shows, and the lead or contact a call placed from it belongs to. */
  const dialNumber = ref('');
  const dialRelated = ref<RelatedRef | null>(null);
  /** The last command that failed, for the agent. */
  const error = ref<string | null>(null);

  let sender: Sender | null = null;

  const calls = computed(() => snapshot.value.calls);
  const liveCalls = computed(() => calls.value.filter((call) => call.state !== 'ended'));
  const ringing = computed(() => liveCalls.value.filter((call) => call.direction === 'inbound' && call.state === 'ringing'));
  /** The call the agent is talking on (the consultation while a transfer is set up), else any live one. */
  const current = computed<PhoneCall | null>(() => {
    const live = liveCalls.value.filter((call) => call.state !== 'ringing');
    return live.find((call) => call.consultFor) ?? live.find((call) => !call.held) ?? live[0] ?? null;
  });
  const registered = computed(() => snapshot.value.registration === 'registered');

  function attach(send: Sender): void {
    sender = send;
  }

  function detach(): void {
    sender = null;
  }

  function setSnapshot(next: PhoneSnapshot): void {
    snapshot.value = next;
    leaderless.value = false;
  }

  async function send(command: PhoneCommand): Promise<unknown> {
    if (!sender) throw new Error('The phone is not running in this tab.');
    return sender(command);
  }

  /** Sends a command and keeps its failure for the UI instead of throwing. Resolves with its value, or null. */
  async function run(command: PhoneCommand): Promise<unknown> {
    error.value = null;
    try {
      return await send(command);
    } catch (failure) {
      error.value = failure instanceof Error ? failure.message : 'The phone could not do that.';
      return null;
    }
  }

  /** Click-to-call from a lead or a contact: opens the dock with the number and dials it. */
  async function callNumber(number: string, related: RelatedRef | null = null): Promise<string | null> {
    dockOpen.value = true;
    dialNumber.value = number;
    dialRelated.value = related;
    const id = await run({ type: 'call', number, related });
    return typeof id === 'string' ? id : null;
  }

  function reset(): void {
    snapshot.value = emptySnapshot('loading');
    isLeader.value = false;
    leaderless.value = false;
    dockOpen.value = false;
    dialNumber.value = '';
    dialRelated.value = null;
    error.value = null;
  }

  return {
    snapshot,
    isLeader,
    coordinated,
    leaderless,
    dockOpen,
    dialNumber,
    dialRelated,
    error,
    calls,
    liveCalls,
    ringing,
    current,
    registered,
    attach,
    detach,
    setSnapshot,
    send,
    run,
    callNumber,
    reset,
  };
});
