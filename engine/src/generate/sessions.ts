import type { AliasTable } from './alias-table.js';
import type { Flow, Template } from './catalogue.js';
import type { LineContext } from './pattern.js';
import { u32 } from './slots.js';
import { USERS } from './vocabulary.js';

/** Number of sessions in progress at once; their steps interleave in the log. */
export const CONCURRENT_SESSIONS = 8;

/**
 * Sessions in progress. Each line drawn as a session step advances one random session by a step; a finished
 * session is replaced by a new one (a flow drawn by weight, a fresh id and user). Abnormal sessions queued by
 * an incident replace finished ones, so no normal session is ever cut short.
 */
export class SessionPool {
  /** Template of the last step written. */
  template: Template;
  /** Incident index of the last step written, or -1 for a normal session. */
  label = -1;

  private readonly steps: (readonly Template[])[] = [];
  private readonly position: number[] = [];
  private readonly idHi: number[] = [];
  private readonly idLo: number[] = [];
  private readonly users: number[] = [];
  private readonly labels: number[] = [];
  private readonly queued: { steps: readonly Template[]; label: number }[] = [];

  constructor(
    private readonly flows: readonly Flow[],
    private readonly flowDraw: AliasTable,
    private readonly c: LineContext,
  ) {
    this.template = flows[0].steps[0];
    for (let i = 0; i < CONCURRENT_SESSIONS; i++) {
      this.steps.push([]);
      this.position.push(0);
      this.idHi.push(0);
      this.idLo.push(0);
      this.users.push(0);
      this.labels.push(-1);
      this.restart(i);
      // Stagger the initial sessions so the log does not open with every flow at step one.
      this.position[i] = c.rng.int(this.steps[i].length);
    }
  }

  /** Queues an abnormal session (its steps out of order or missing), labelled with an incident index. */
  queueAbnormal(steps: readonly Template[], label: number): void {
    this.queued.push({ steps, label });
  }

  /**
   * Writes the next step of a random session into `out` at `pos` and returns the position after it; sets
   * {@link template} and {@link label}.
   */
  next(out: Uint8Array, pos: number): number {
    const c = this.c;
    const i = c.rng.int(CONCURRENT_SESSIONS);
    const steps = this.steps[i];
    const template = steps[this.position[i]];
    c.inSession = true;
    c.traceHi = this.idHi[i];
    c.traceLo = this.idLo[i];
    c.user = this.users[i];
    const end = template.render(c, out, pos);
    c.inSession = false;
    this.template = template;
    this.label = this.labels[i];
    if (++this.position[i] === steps.length) this.restart(i);
    return end;
  }

  private restart(i: number): void {
    const c = this.c;
    const abnormal = this.queued.shift();
    this.steps[i] = abnormal?.steps ?? this.flows[this.flowDraw.pick(c.rng)].steps;
    this.labels[i] = abnormal?.label ?? -1;
    this.position[i] = 0;
    this.idHi[i] = u32(c.rng);
    this.idLo[i] = u32(c.rng);
    this.users[i] = c.rng.int(USERS.length);
  }
}
