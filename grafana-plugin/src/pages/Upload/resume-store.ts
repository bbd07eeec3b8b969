import { parseOptions, type UploadOptions } from './upload-options';

/** What identifies a file chosen again after a reload (browsers give no path). */
export interface FileFingerprint {
  name: string;
  size: number;
  lastModified: number;
}

/** An unfinished upload, kept so that a reload can resume it. */
export interface StoredUpload extends FileFingerprint {
  jobId: string;
  options: UploadOptions;
}

/** Where unfinished uploads are kept in `localStorage`. */
export const RESUME_STORAGE_KEY = 'outlier-anomaly-app:unfinished-uploads';

/** The fingerprint of a file. */
export function fingerprintOf(file: File): FileFingerprint {
  return { name: file.name, size: file.size, lastModified: file.lastModified };
}

/** Whether a file is the one a fingerprint was taken from. */
export function sameFile(a: FileFingerprint, b: FileFingerprint): boolean {
  return a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;
}

/**
 * The unfinished uploads of this browser, in `localStorage`. Storage that is full, disabled or damaged reads as
 * empty and ignores writes: resuming after a reload is a convenience, never a reason for an upload to fail.
 */
export class ResumeStore {
  constructor(
    private readonly storage: Storage | null,
    private readonly key = RESUME_STORAGE_KEY
  ) {}

  list(): StoredUpload[] {
    let raw: string | null = null;
    try {
      raw = this.storage?.getItem(this.key) ?? null;
    } catch {
      return [];
    }
    let parsed: unknown;
    try {
      parsed = raw === null ? [] : JSON.parse(raw);
    } catch {
      return [];
    }
    return Array.isArray(parsed) ? parsed.flatMap((entry) => storedUploadOf(entry) ?? []) : [];
  }

  /** Keeps (or replaces) the entry of an upload. */
  remember(upload: StoredUpload): void {
    this.write([...this.list().filter((u) => u.jobId !== upload.jobId), upload]);
  }

  /** Drops an upload that completed, was cancelled or that the engine no longer knows. */
  forget(jobId: string): void {
    const list = this.list();
    const rest = list.filter((u) => u.jobId !== jobId);
    if (rest.length !== list.length) {
      this.write(rest);
    }
  }

  private write(list: StoredUpload[]): void {
    try {
      if (list.length === 0) {
        this.storage?.removeItem(this.key);
      } else {
        this.storage?.setItem(this.key, JSON.stringify(list));
      }
    } catch {
      // Quota exceeded or storage disabled: the upload goes on, it just cannot be resumed after a reload.
    }
  }
}

function storedUploadOf(value: unknown): StoredUpload | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const v = value as Record<string, unknown>;
  const options = parseOptions(v.options);
  if (
    typeof v.name !== 'string' ||
    typeof v.jobId !== 'string' ||
    !Number.isSafeInteger(v.size) ||
    !Number.isFinite(v.lastModified) ||
    !options
  ) {
    return null;
  }
  return { name: v.name, size: Number(v.size), lastModified: Number(v.lastModified), jobId: v.jobId, options };
}
