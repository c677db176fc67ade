/**
 * The ring of an incoming call, made with Web Audio (no sound file to ship): the North American ring cadence,
 * 440 + 480 Hz for 2 s, then 4 s of silence. Played by the tab that holds the phone only. A browser that refuses
 * to start audio before the page was clicked stays silent; the popup still shows.
 */
export class Ringtone {
  private context: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    if (this.timer) return;
    try {
      this.context ??= new AudioContext();
      void this.context.resume().catch(() => undefined);
    } catch {
      return;
    }
    this.ring();
    this.timer = setInterval(() => this.ring(), 6000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const context = this.context;
    this.context = null;
    void context?.close().catch(() => undefined);
  }

  private ring(): void {
    const context = this.context;
    if (!context || context.state !== 'running') return;
    const gain = context.createGain();
    gain.gain.value = 0.08;
    gain.connect(context.destination);
    const t = context.currentTime;
    for (const frequency of [440, 480]) {
      const oscillator = context.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start(t);
      oscillator.stop(t + 2);
    }
  }
}
