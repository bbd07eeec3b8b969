import type { Template } from './catalogue.js';
import type { IncidentKind, IncidentPlan } from './incidents.js';
import type { LineContext } from './pattern.js';
import type { SessionPool } from './sessions.js';

/** Ground truth of one incident in a generated log. */
export interface IncidentReport {
  kind: IncidentKind;
  /** Service the incident is about. */
  service: string;
  description: string;
  /** Epoch milliseconds of the first and last line of the incident's window. */
  start: number;
  end: number;
  /** 1-based line numbers of the window: from activation to the later of its end and its last labelled line. */
  firstLine: number;
  lastLine: number;
  /** Number of labelled (anomalous) lines; 0 for a silence, whose anomaly is the lines that are missing. */
  lines: number;
}

/** Where the log is going, to place incidents at fractions of it. */
export interface IncidentTargets {
  /** Target line count, or `Infinity`. */
  lines: number;
  /** Target byte count, or `Infinity`. */
  bytes: number;
  /** Expected line count, to size windows. */
  estimatedLines: number;
}

interface Active {
  plan: IncidentPlan;
  report: number;
  startLine: number;
  endLine: number;
  nextInjection: number;
  injected: number;
  gap: number;
}

const NONE = Number.POSITIVE_INFINITY;

/**
 * Runs the incident schedule during generation. The generator calls {@link visit} only when the line number
 * reaches {@link nextLine} or the byte count reaches {@link nextBytes}, so between incidents it costs two
 * comparisons per line. One incident is active at a time; a later one waits for the window before it to close.
 */
export class IncidentRunner {
  /** Reports of the incidents started so far, in order. */
  readonly reports: IncidentReport[] = [];
  /** Labelled line numbers, ascending, and the index in {@link reports} of each one's incident. */
  readonly labelLines: number[] = [];
  readonly labelIncidents: number[] = [];
  /** Line number at which the generator must call {@link visit} next. */
  nextLine = NONE;
  /** Byte count from which the generator must call {@link visit} (when incidents are placed by size). */
  nextBytes = NONE;
  /** Template ids normal traffic must not draw right now (1 = suppressed), or null. */
  suppressed: Uint8Array | null = null;
  /** Template of the last injected line. */
  template: Template | null = null;

  private planIndex = 0;
  private active: Active | null = null;
  private readonly baseWindow: number;

  constructor(
    private readonly plans: readonly IncidentPlan[],
    private readonly targets: IncidentTargets,
    private readonly templateCount: number,
    private readonly sessions: SessionPool,
    private readonly c: LineContext,
  ) {
    this.baseWindow = Math.min(20_000, Math.max(40, Math.round(targets.estimatedLines * 0.01)));
    this.schedule();
  }

  /**
   * Advances the schedule at `line` (1-based, about to be written with `bytes` already written). When an
   * incident injects this line, writes it into `out` at `pos` and returns the position after it; otherwise -1.
   */
  visit(line: number, bytes: number, out: Uint8Array, pos: number): number {
    if (this.active === null && this.planIndex < this.plans.length) {
      const at = this.plans[this.planIndex].at;
      if (line >= at * this.targets.lines || bytes >= at * this.targets.bytes) this.activate(line);
    }
    let end = -1;
    const a = this.active;
    if (a !== null) {
      if (line === a.nextInjection) end = this.inject(a, line, out, pos);
      if (line >= a.endLine) this.close(a, line);
    }
    this.schedule();
    return end;
  }

  /** Records that `line` belongs to the incident at `report` (an index in {@link reports}). */
  label(line: number, report: number): void {
    this.labelLines.push(line);
    this.labelIncidents.push(report);
    const r = this.reports[report];
    r.lines++;
    if (line > r.lastLine) {
      r.lastLine = line;
      r.end = this.c.clock.now;
    }
  }

  /**
   * Ends the schedule when the log ends at `lastLine`, written at `lastTime`: closes the open incident and
   * forgets what was prepared for the line that did not fit.
   */
  finish(lastLine: number, lastTime: number): void {
    while (this.labelLines.length > 0 && this.labelLines[this.labelLines.length - 1] > lastLine) {
      this.labelLines.pop();
      const report = this.labelIncidents.pop() ?? 0;
      this.reports[report].lines--;
    }
    const last = this.reports[this.reports.length - 1];
    if (last !== undefined && last.firstLine > lastLine) this.reports.pop();
    const a = this.active;
    this.active = null;
    this.suppressed = null;
    if (a === null || a.report >= this.reports.length) return;
    const r = this.reports[a.report];
    if (lastLine > r.lastLine) {
      r.lastLine = lastLine;
      r.end = lastTime;
    }
  }

  private activate(line: number): void {
    const plan = this.plans[this.planIndex++];
    const window = Math.max(6, Math.round(this.baseWindow * plan.windowScale));
    const now = this.c.clock.now;
    const report = this.reports.length;
    this.reports.push({
      kind: plan.kind,
      service: plan.service,
      description: plan.description,
      start: now,
      end: now,
      firstLine: line,
      lastLine: line,
      lines: 0,
    });
    const gap = Number.isFinite(plan.count) ? window / Math.max(plan.count, 1) : plan.gap;
    const a: Active = {
      plan,
      report,
      startLine: line,
      endLine: line + window - 1,
      nextInjection: NONE,
      injected: 0,
      gap,
    };
    this.scheduleInjection(a, line - 1);
    this.active = a;
    if (plan.suppressed.length > 0) {
      const mask = new Uint8Array(this.templateCount);
      for (const t of plan.suppressed) mask[t.id] = 1;
      this.suppressed = mask;
    }
  }

  private inject(a: Active, line: number, out: Uint8Array, pos: number): number {
    const { plan } = a;
    const k = a.injected++;
    let end = -1;
    if (plan.abnormalSessions.length > 0) {
      this.sessions.queueAbnormal(plan.abnormalSessions[k % plan.abnormalSessions.length], a.report);
    } else {
      const injection = plan.consecutive
        ? plan.injections[k]
        : plan.injections[this.c.rng.int(plan.injections.length)];
      this.c.latencyScale = plan.latencyScale;
      end = injection.render(this.c, out, pos);
      this.c.latencyScale = 1;
      this.template = injection.template;
      this.label(line, a.report);
    }
    this.scheduleInjection(a, line);
    return end;
  }

  // Counted injections fall one in each equal slice of the window, so all of them are written; the others come
  // at random gaps averaging `gap`. Consecutive ones start mid-window.
  private scheduleInjection(a: Active, after: number): void {
    const { plan } = a;
    const k = a.injected;
    const rng = this.c.rng;
    if (k >= plan.count) a.nextInjection = NONE;
    else if (plan.consecutive)
      a.nextInjection = k === 0 ? a.startLine + Math.floor((a.endLine - a.startLine) / 2) : after + 1;
    else if (Number.isFinite(plan.count))
      a.nextInjection = Math.max(after + 1, a.startLine + Math.floor((k + rng.next()) * a.gap));
    else a.nextInjection = after + 1 + rng.int(Math.max(1, Math.round(2 * a.gap - 1)));
    if (!plan.consecutive && a.nextInjection > a.endLine) a.nextInjection = NONE;
  }

  // An injection still due (consecutive lines straddling the end) keeps the window open until it is written.
  private close(a: Active, line: number): void {
    if (a.nextInjection !== NONE) return;
    const r = this.reports[a.report];
    if (line > r.lastLine) {
      r.lastLine = line;
      r.end = this.c.clock.now;
    }
    this.active = null;
    this.suppressed = null;
  }

  private schedule(): void {
    const a = this.active;
    if (a !== null) {
      this.nextLine = Math.min(a.nextInjection, a.endLine);
      this.nextBytes = NONE;
      return;
    }
    const plan = this.plans[this.planIndex];
    this.nextLine = plan === undefined ? NONE : Math.ceil(plan.at * this.targets.lines);
    this.nextBytes = plan === undefined ? NONE : plan.at * this.targets.bytes;
  }
}
