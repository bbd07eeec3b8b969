/** How far back the speed looks; long enough to span a few chunks on a slow link. */
const WINDOW_MS = 10_000;

/**
 * Upload speed as a moving average over the last seconds of progress, and the time left at that speed.
 * Progress arrives once per chunk, so the window always keeps the sample before the newest one.
 */
export class SpeedMeter {
  private samples: Array<{ t: number; bytes: number }> = [];

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Records that `bytes` have been sent in all. */
  add(bytes: number): void {
    const t = this.now();
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[1].t >= WINDOW_MS) {
      this.samples.shift();
    }
  }

  /** Forgets the past: after a pause the old pace says nothing about the new one. */
  reset(): void {
    this.samples = [];
  }

  /** Bytes per second, or null until two samples span some time. */
  speed(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t <= first.t) {
      return null;
    }
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
  }

  /** Seconds until `remaining` more bytes are sent, or null while the speed is unknown or zero. */
  eta(remaining: number): number | null {
    const speed = this.speed();
    return speed === null || speed <= 0 ? null : remaining / speed;
  }
}
