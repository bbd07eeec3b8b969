import { access } from 'node:fs/promises';
import { UploadRefusedError, uploadFile } from '../../client/tus-client.js';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { ProgressBar } from '../progress.js';

export const UPLOAD_USAGE = `outlier upload FILE [--url URL] [--key KEY] [--format F] [--log-format T] [--session-key K]
               [--service S] [--threshold θ] [--resume UPLOAD_URL] [--no-wait]

Uploads a log to a running engine with the resumable API (tus 1.0, 8 MiB chunks, SHA-256 each), then follows the
job until it ends and prints its summary. --url defaults to $OUTLIER_URL or http://localhost:8085, --key to
$OUTLIER_API_KEY or ./data/default.key. After an interruption, --resume UPLOAD_URL (printed at the start) goes on
from the last byte the engine stored.
`;

interface JobStatus {
  status: string;
  progress: number;
  lines_processed: number;
  anomalies_found: number;
  error_message: string | null;
}

/** `outlier upload`. */
export async function uploadCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs('upload', argv, {
    url: { type: 'string' },
    key: { type: 'string' },
    format: { type: 'string' },
    'log-format': { type: 'string' },
    'session-key': { type: 'string' },
    service: { type: 'string' },
    threshold: { type: 'string' },
    resume: { type: 'string' },
    'no-wait': { type: 'boolean', default: false },
  });
  if (positionals.length !== 1) throw new UsageError('upload: give exactly one FILE');
  const path = positionals[0];
  await access(path).catch(() => {
    throw new UsageError(`upload: cannot read ${path}`);
  });
  const baseUrl = values.url ?? process.env.OUTLIER_URL ?? 'http://localhost:8085';
  let apiKey = values.key ?? process.env.OUTLIER_API_KEY;
  if (!apiKey) {
    const { readFile } = await import('node:fs/promises');
    apiKey = await readFile('data/default.key', 'utf8').then(
      (t) => t.trim(),
      () => undefined,
    );
  }
  if (!apiKey) throw new UsageError('upload: give --key (or set OUTLIER_API_KEY)');
  const options: Record<string, string> = {};
  if (values.format) options.format = values.format;
  if (values['log-format']) options.log_format = values['log-format'];
  if (values['session-key']) options.session_key = values['session-key'];
  if (values.service) options.service = values.service;
  if (values.threshold) options.threshold = values.threshold;
  const bar = new ProgressBar();
  let jobId: string;
  try {
    ({ jobId } = await uploadFile({
      baseUrl,
      apiKey,
      path,
      options,
      uploadUrl: values.resume,
      onCreated: (url, id) => process.stderr.write(`job ${id}, upload ${url}\n`),
      onProgress: (sent, total) => bar.update('uploading', sent, total, 0),
    }));
  } catch (err) {
    bar.done();
    if (err instanceof UploadRefusedError)
      throw new Error(`the engine refused the upload (${err.code}): ${err.message}`);
    throw err;
  }
  bar.done();
  process.stdout.write(`${jobId}\n`);
  if (values['no-wait']) return;
  for (;;) {
    const res = await fetch(new URL(`/api/v2/status/${jobId}`, baseUrl), {
      headers: { 'X-API-Key': apiKey },
    });
    const s = (await res.json()) as JobStatus;
    bar.update('processing', s.progress, 1, s.lines_processed);
    if (['completed', 'failed', 'cancelled'].includes(s.status)) {
      bar.done();
      process.stderr.write(
        `${s.status}: ${s.lines_processed.toLocaleString('en')} lines, ${s.anomalies_found} anomalies${s.error_message ? ` (${s.error_message})` : ''}\n`,
      );
      if (s.status !== 'completed') process.exitCode = 1;
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
