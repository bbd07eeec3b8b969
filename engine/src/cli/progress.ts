/** A progress bar on stderr for long inputs; silent when stderr is not a terminal. */
export class ProgressBar {
  private last = 0;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = Boolean(stream.isTTY);
  }

  /** Redraws the bar (at most ten times a second). */
  update(label: string, done: number, total: number, lines: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const secs = Math.max((now - this.started) / 1000, 1e-3);
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const width = 30;
    const filled = Math.round(frac * width);
    const mbps = done / 1e6 / secs;
    const eta = frac > 0 && frac < 1 ? ` ETA ${Math.ceil((secs / frac) * (1 - frac))}s` : '';
    const bar =
      total > 0 ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0)}% ` : '';
    this.stream.write(
      `\r${label} ${bar}${mbps.toFixed(1)} MB/s ${lines.toLocaleString('en')} lines${eta}\x1b[K`,
    );
  }

  /** Clears the bar. */
  done(): void {
    if (this.enabled) this.stream.write('\r\x1b[K');
  }
}
