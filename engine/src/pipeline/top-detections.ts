import type { Detection } from '../model/detection.js';

/** Keeps the N highest-scoring detections seen, ties broken by arrival order (earlier first). */
export class TopDetections {
  private readonly items: Detection[] = [];

  constructor(private readonly limit: number) {}

  /** Whether a detection with this score would be kept. */
  wants(score: number): boolean {
    return (
      this.limit > 0 && (this.items.length < this.limit || score > this.items[this.items.length - 1].score)
    );
  }

  /** Offers a detection. */
  offer(d: Detection): void {
    if (!this.wants(d.score)) return;
    let i = this.items.length;
    while (i > 0 && this.items[i - 1].score < d.score) i--;
    this.items.splice(i, 0, d);
    if (this.items.length > this.limit) this.items.pop();
  }

  /** The kept detections, best first. */
  sorted(): Detection[] {
    return [...this.items];
  }
}
