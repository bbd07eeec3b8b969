import type { EngineApi } from '../../api/engine-api';
import {
  type ChunkDigest,
  terminateUpload,
  TusError,
  type TusTarget,
  UploadAbortedError,
  uploadFile,
  uploadOffset,
} from '../../api/tus-upload';
import { formatBytes } from '../Jobs';
import { type FileFingerprint, fingerprintOf, ResumeStore, sameFile } from './resume-store';
import { chunkSha256 } from './sha256';
import { SpeedMeter } from './speed-meter';
import { toMetadata, type UploadOptions } from './upload-options';

/**
 * Where an upload is: `checking` (asking the engine about one kept from before a reload), `waiting_for_file`
 * (kept from before a reload: the user has to choose the file again), `queued`, `uploading`, `retrying`
 * (waiting to try again after a failure), `paused`, `failed`, `refused` (the engine will not take this file:
 * trying again cannot help), `cancelling`, `cancelled`, `completed`.
 */
export type UploadState =
  | 'checking'
  | 'waiting_for_file'
  | 'queued'
  | 'uploading'
  | 'retrying'
  | 'paused'
  | 'failed'
  | 'refused'
  | 'cancelling'
  | 'cancelled'
  | 'completed';

/** One file on its way to the engine, as the page shows it. */
export interface UploadItem extends FileFingerprint {
  /** Local id of the row. */
  id: string;
  options: UploadOptions;
  /** The engine's job (and upload) id, once created. */
  jobId: string | null;
  state: UploadState;
  /** Bytes the engine has. */
  sent: number;
  /** Bytes per second (moving average) while sending. */
  speed: number | null;
  /** Seconds left at that speed. */
  eta: number | null;
  /** The failure, the retry under way or a note, in words. */
  message: string | null;
}

/** Options of {@link UploadQueue}. */
export interface UploadQueueOptions {
  target: TusTarget;
  store: ResumeStore;
  /** @defaultValue Web Crypto, or plain JavaScript outside secure contexts */
  digest?: ChunkDigest;
  /** @defaultValue 8 MiB */
  chunkBytes?: number;
  /** Files sent at the same time; the rest wait their turn. @defaultValue 2 */
  maxActive?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const ACTIVE: readonly UploadState[] = ['uploading', 'retrying'];
const FINISHED: readonly UploadState[] = ['completed', 'cancelled', 'refused'];
/** Refusals of the file itself (its size, its content): the same file is refused again. */
const REFUSED_STATUSES: readonly number[] = [413, 415];

/**
 * The page's uploads: a queue that sends a few files at a time with tus, pauses, resumes, retries and cancels
 * them, keeps unfinished ones in storage and, after a reload, resumes one when its file is chosen again.
 * A store for `useSyncExternalStore`: `subscribe` and `getSnapshot`.
 */
export class UploadQueue {
  private items: UploadItem[] = [];
  private readonly files = new Map<string, File>();
  private readonly running = new Map<string, AbortController>();
  private readonly listeners = new Set<() => void>();
  private restoring: Promise<void> | null = null;
  private nextId = 1;

  constructor(private readonly o: UploadQueueOptions) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): UploadItem[] => this.items;

  /** Whether a file is being sent right now (leaving the page would interrupt it). */
  get sending(): boolean {
    return this.items.some((i) => ACTIVE.includes(i.state));
  }

  /**
   * Lists the uploads kept from before a reload and asks the engine where each stands: those it completed,
   * cancelled or forgot are dropped, the others wait for their file. Runs once per queue.
   */
  restore(): Promise<void> {
    this.restoring ??= this.checkStored();
    return this.restoring;
  }

  /**
   * Adds files with these options and starts them when their turn comes. A file that an unfinished upload was
   * started with continues that upload (with its own options). Returns notes for the user.
   */
  add(files: File[], options: UploadOptions): string[] {
    const notes: string[] = [];
    for (const file of files) {
      const fp = fingerprintOf(file);
      const earlier = this.items.find((i) => sameFile(i, fp) && !FINISHED.includes(i.state));
      if (earlier && !this.files.has(earlier.id)) {
        this.files.set(earlier.id, file);
        if (earlier.state === 'waiting_for_file') {
          this.patch(earlier.id, { state: 'queued', message: null });
        }
        notes.push(`${file.name} continues the upload started earlier, with the options it was started with.`);
      } else if (earlier) {
        notes.push(`${file.name} is already in the list.`);
      } else {
        const id = `upload-${this.nextId++}`;
        this.files.set(id, file);
        this.items = [
          ...this.items,
          { ...fp, id, options, jobId: null, state: 'queued', sent: 0, speed: null, eta: null, message: null },
        ];
      }
    }
    this.notify();
    this.pump();
    return notes;
  }

  /** Gives an upload kept from before a reload its file again; returns why not when it is another file. */
  attach(id: string, file: File): string | null {
    const item = this.get(id);
    if (!item) {
      return null;
    }
    if (!sameFile(item, fingerprintOf(file))) {
      const changed = new Date(item.lastModified).toLocaleString();
      return `${file.name} is not the file this upload started with (${item.name}, ${formatBytes(item.size)}, last changed ${changed}).`;
    }
    this.files.set(id, file);
    if (item.state === 'waiting_for_file') {
      this.patch(id, { state: 'queued', message: null });
    }
    this.pump();
    return null;
  }

  /** Stops sending; the engine keeps what it has and {@link resume} goes on from there. */
  pause(id: string): void {
    const item = this.get(id);
    if (!item || !['queued', 'uploading', 'retrying'].includes(item.state)) {
      return;
    }
    this.stop(id);
    this.patch(id, { state: 'paused', speed: null, eta: null, message: null });
    this.pump();
  }

  /** Continues a paused upload from the engine's offset. */
  resume(id: string): void {
    this.requeue(id, 'paused');
  }

  /** Tries a failed upload again, from the engine's offset when it has one. */
  retry(id: string): void {
    this.requeue(id, 'failed');
  }

  /** Stops an upload and, when the engine has it, terminates it there (tus DELETE cancels its job). */
  async cancel(id: string): Promise<void> {
    const item = this.get(id);
    if (!item || FINISHED.includes(item.state) || item.state === 'cancelling') {
      return;
    }
    this.stop(id);
    this.files.delete(id);
    const jobId = item.jobId;
    if (jobId === null) {
      this.patch(id, { state: 'cancelled', speed: null, eta: null, message: null });
      this.pump();
      return;
    }
    this.patch(id, { state: 'cancelling', speed: null, eta: null, message: null });
    this.pump();
    try {
      await terminateUpload(this.o.target, jobId);
      this.o.store.forget(jobId);
      this.patch(id, { state: 'cancelled' });
    } catch (err) {
      if (err instanceof TusError && err.status === 409) {
        // The job ended meanwhile: nothing is left to cancel or to resume.
        this.o.store.forget(jobId);
        this.patch(id, { state: 'cancelled', message: `Nothing to cancel: ${err.message}.` });
        return;
      }
      this.patch(id, { state: 'failed', message: `The upload could not be cancelled: ${messageOf(err)}` });
    }
  }

  /** Takes a completed, cancelled or refused upload off the list. */
  remove(id: string): void {
    const item = this.get(id);
    if (item && FINISHED.includes(item.state)) {
      this.files.delete(id);
      this.items = this.items.filter((i) => i.id !== id);
      this.notify();
    }
  }

  private async checkStored(): Promise<void> {
    const stored = this.o.store.list().filter((s) => !this.items.some((i) => i.jobId === s.jobId));
    const ids = stored.map((s) => {
      const id = `upload-${this.nextId++}`;
      const { jobId, options, ...fp } = s;
      this.items = [
        ...this.items,
        { ...fp, id, options, jobId, state: 'checking', sent: 0, speed: null, eta: null, message: null },
      ];
      return id;
    });
    this.notify();
    await Promise.all(
      stored.map(async (s, n) => {
        const id = ids[n];
        try {
          const { offset } = await uploadOffset(this.o.target, s.jobId);
          if (offset >= s.size) {
            this.o.store.forget(s.jobId);
            this.patch(id, { state: 'completed', sent: s.size });
          } else {
            this.patch(id, { state: this.files.has(id) ? 'queued' : 'waiting_for_file', sent: offset });
          }
        } catch (err) {
          if (err instanceof TusError && (err.status === 404 || err.status === 410)) {
            this.o.store.forget(s.jobId);
            if (this.files.has(id)) {
              this.patch(id, {
                jobId: null,
                state: 'queued',
                message: 'The engine no longer had this upload: it starts over.',
              });
            } else {
              this.items = this.items.filter((i) => i.id !== id);
              this.notify();
            }
            return;
          }
          this.patch(id, {
            state: this.files.has(id) ? 'queued' : 'waiting_for_file',
            message: `The engine could not say where this upload stands: ${messageOf(err)}`,
          });
        }
      })
    );
    this.pump();
  }

  private requeue(id: string, from: UploadState): void {
    const item = this.get(id);
    if (item?.state !== from) {
      return;
    }
    this.patch(id, { state: this.files.has(id) ? 'queued' : 'waiting_for_file', message: null });
    this.pump();
  }

  /** Starts queued uploads while there is room. */
  private pump(): void {
    const { maxActive = 2 } = this.o;
    for (const item of this.items) {
      if (this.running.size >= maxActive) {
        return;
      }
      const file = this.files.get(item.id);
      if (item.state === 'queued' && file && !this.running.has(item.id)) {
        this.start(item, file);
      }
    }
  }

  private start(item: UploadItem, file: File): void {
    const { id, options } = item;
    const ctl = new AbortController();
    this.running.set(id, ctl);
    const meter = new SpeedMeter(this.o.now);
    const resuming = item.jobId !== null;
    this.patch(id, { state: 'uploading', speed: null, eta: null });
    uploadFile({
      ...this.o.target,
      file,
      metadata: toMetadata(options, file.name),
      jobId: item.jobId,
      chunkBytes: this.o.chunkBytes,
      digest: this.o.digest ?? chunkSha256,
      sleep: this.o.sleep,
      signal: ctl.signal,
      onCreated: (jobId) => {
        this.patch(id, { jobId });
        this.o.store.remember({ ...fingerprintOf(file), jobId, options });
      },
      onProgress: (sent, total) => {
        meter.add(sent);
        const retried = this.get(id)?.state === 'retrying';
        this.patch(id, {
          state: 'uploading',
          sent,
          speed: meter.speed(),
          eta: meter.eta(total - sent),
          ...(retried ? { message: null } : {}),
        });
      },
      onRetry: ({ attempt, retries, delayMs, reason, offline }) => {
        meter.reset();
        const seconds = Math.round(delayMs / 100) / 10;
        this.patch(id, {
          state: 'retrying',
          speed: null,
          eta: null,
          message: offline
            ? 'The browser is offline: the upload goes on by itself when the network is back.'
            : `${reason} Trying again in ${seconds} s (attempt ${attempt} of ${retries}).`,
        });
      },
    })
      .then(({ jobId }) => {
        this.o.store.forget(jobId);
        this.files.delete(id);
        this.patch(id, { state: 'completed', sent: file.size, speed: null, eta: null, message: null });
      })
      .catch((err: unknown) => {
        if (!ctl.signal.aborted && !(err instanceof UploadAbortedError)) {
          this.fail(id, file.name, err, resuming);
        }
      })
      .finally(() => {
        if (this.running.get(id) === ctl) {
          this.running.delete(id);
        }
        this.pump();
      });
  }

  private fail(id: string, name: string, err: unknown, resuming: boolean): void {
    const jobId = this.get(id)?.jobId ?? null;
    const stopped = { speed: null, eta: null };
    if (err instanceof TusError && err.status !== null && REFUSED_STATUSES.includes(err.status)) {
      // The engine has failed the job, if there was one: nothing is left to resume.
      if (jobId !== null) {
        this.o.store.forget(jobId);
      }
      this.files.delete(id);
      this.patch(id, { ...stopped, state: 'refused', message: `The engine refused ${name}: ${sentence(err.message)}` });
      return;
    }
    if (jobId !== null && err instanceof TusError && (err.status === 404 || err.status === 410)) {
      this.o.store.forget(jobId);
      if (err.status === 404 && resuming) {
        this.patch(id, {
          ...stopped,
          jobId: null,
          sent: 0,
          state: 'queued',
          message: 'The engine no longer had this upload: it starts over.',
        });
        return;
      }
      this.patch(id, {
        ...stopped,
        jobId: null,
        state: 'failed',
        message: `${err.message} Retry starts a new upload.`,
      });
      return;
    }
    this.patch(id, { ...stopped, state: 'failed', message: messageOf(err) });
  }

  private stop(id: string): void {
    this.running.get(id)?.abort();
    this.running.delete(id);
  }

  private get(id: string): UploadItem | undefined {
    return this.items.find((i) => i.id === id);
  }

  private patch(id: string, change: Partial<UploadItem>): void {
    this.items = this.items.map((i) => (i.id === id ? { ...i, ...change } : i));
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) {
      listener();
    }
  }
}

/** The engine's messages are lower-case clauses: as a sentence of their own, they end with a full stop. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function messageOf(err: unknown): string {
  if (err instanceof TusError) {
    return err.message;
  }
  return `Something went wrong in the browser: ${err instanceof Error ? err.message : String(err)}`;
}

const queues = new WeakMap<EngineApi, UploadQueue>();

/**
 * The upload queue of an engine connection. It outlives the page, so uploads go on while the user looks at
 * the Jobs page; only the first call's options count.
 */
export function uploadQueueFor(api: EngineApi, options: Partial<Omit<UploadQueueOptions, 'target'>> = {}): UploadQueue {
  let queue = queues.get(api);
  if (!queue) {
    queue = new UploadQueue({ store: new ResumeStore(browserStorage()), ...options, target: api.connection });
    queues.set(api, queue);
  }
  return queue;
}

function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    // Storage disabled by the browser's privacy settings.
    return null;
  }
}
