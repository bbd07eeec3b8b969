import React, { useRef, useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, type BadgeColor, Button, useStyles2 } from '@grafana/ui';
import { testIds } from '../../components/testIds';
import { formatBytes, formatEta } from '../Jobs';
import { JobState } from './JobState';
import type { UploadItem, UploadQueue, UploadState } from './upload-queue';
import { describeOptions } from './upload-options';

const STATE_BADGES: Record<UploadState, { text: string; color: BadgeColor }> = {
  checking: { text: 'checking', color: 'blue' },
  waiting_for_file: { text: 'waiting for the file', color: 'orange' },
  queued: { text: 'queued', color: 'blue' },
  uploading: { text: 'uploading', color: 'blue' },
  retrying: { text: 'retrying', color: 'orange' },
  paused: { text: 'paused', color: 'purple' },
  failed: { text: 'failed', color: 'red' },
  cancelling: { text: 'cancelling', color: 'purple' },
  cancelled: { text: 'cancelled', color: 'purple' },
  completed: { text: 'uploaded', color: 'green' },
};
const CANCELLABLE: readonly UploadState[] = ['waiting_for_file', 'queued', 'uploading', 'retrying', 'paused', 'failed'];

/** Props of {@link UploadRow}. */
export interface UploadRowProps {
  item: UploadItem;
  queue: UploadQueue;
}

/** One upload: progress, speed and time left, its actions, and its job once the engine has the whole file. */
export function UploadRow({ item, queue }: UploadRowProps) {
  const s = useStyles2(getStyles);
  const chooser = useRef<HTMLInputElement>(null);
  const [wrongFile, setWrongFile] = useState<string | null>(null);
  const { id, name, state } = item;
  const pct = item.size === 0 ? (state === 'completed' ? 100 : 0) : Math.floor((item.sent / item.size) * 1000) / 10;
  const sending = state === 'uploading' || state === 'retrying';
  const badge = STATE_BADGES[state];

  const figures = [`${pct}%`, `${formatBytes(item.sent)} of ${formatBytes(item.size)}`];
  if (state === 'uploading') {
    figures.push(item.speed === null ? 'measuring speed…' : `${formatBytes(item.speed)}/s`);
    if (item.eta !== null) {
      figures.push(`${formatEta(item.eta)} left`);
    }
  }

  return (
    <li className={s.item} data-testid={testIds.upload.item} aria-label={`Upload of ${name}`}>
      <div className={s.head}>
        <div className={s.title}>
          <strong>{name}</strong>
          <span className={s.muted}>{describeOptions(item.options)}</span>
        </div>
        <Badge text={badge.text} color={badge.color} />
      </div>
      <div
        className={s.bar}
        role="progressbar"
        aria-label={`Progress of ${name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
      >
        <div className={cx(s.fill, state === 'failed' && s.failedFill)} style={{ width: `${pct}%` }} />
      </div>
      <div className={s.muted}>{figures.join(' · ')}</div>
      {state === 'waiting_for_file' && <div className={s.resume}>Resume: choose {name} again.</div>}
      {item.message && (
        <div
          className={state === 'failed' ? s.error : state === 'retrying' ? s.warning : s.muted}
          role={state === 'failed' ? 'alert' : undefined}
        >
          {item.message}
        </div>
      )}
      {wrongFile && (
        <div className={s.error} role="alert">
          {wrongFile}
        </div>
      )}
      <div className={s.actions}>
        {state === 'waiting_for_file' && (
          <>
            <Button
              size="sm"
              icon="folder-open"
              onClick={() => chooser.current?.click()}
              aria-label={`Choose ${name} again`}
            >
              Choose {name}
            </Button>
            <input
              ref={chooser}
              type="file"
              tabIndex={-1}
              aria-label={`The file ${name}, to resume its upload`}
              className={s.hidden}
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                e.currentTarget.value = '';
                if (file) {
                  setWrongFile(queue.attach(id, file));
                }
              }}
            />
          </>
        )}
        {(sending || state === 'queued') && (
          <Button
            size="sm"
            variant="secondary"
            icon="pause"
            onClick={() => queue.pause(id)}
            aria-label={`Pause ${name}`}
          >
            Pause
          </Button>
        )}
        {state === 'paused' && (
          <Button size="sm" icon="play" onClick={() => queue.resume(id)} aria-label={`Resume ${name}`}>
            Resume
          </Button>
        )}
        {state === 'failed' && (
          <Button size="sm" icon="sync" onClick={() => queue.retry(id)} aria-label={`Retry ${name}`}>
            Retry
          </Button>
        )}
        {CANCELLABLE.includes(state) && (
          <Button
            size="sm"
            variant="destructive"
            fill="outline"
            icon="times"
            onClick={() => queue.cancel(id)}
            aria-label={`Cancel ${name}`}
          >
            Cancel
          </Button>
        )}
        {(state === 'completed' || state === 'cancelled') && (
          <Button
            size="sm"
            variant="secondary"
            fill="text"
            icon="trash-alt"
            onClick={() => queue.remove(id)}
            aria-label={`Remove ${name} from the list`}
          >
            Remove
          </Button>
        )}
      </div>
      {state === 'completed' && item.jobId && <JobState jobId={item.jobId} />}
    </li>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  item: css`
    list-style: none;
    padding: ${theme.spacing(2)};
    border: 1px solid ${theme.colors.border.weak};
    border-radius: ${theme.shape.radius.default};
    margin-bottom: ${theme.spacing(1)};
    display: flex;
    flex-direction: column;
    gap: ${theme.spacing(0.75)};
  `,
  head: css`
    display: flex;
    justify-content: space-between;
    align-items: flex-start;
    gap: ${theme.spacing(1)};
  `,
  title: css`
    display: flex;
    flex-direction: column;
    min-width: 0;
    word-break: break-all;
  `,
  bar: css`
    height: 8px;
    border-radius: ${theme.shape.radius.default};
    background: ${theme.colors.background.secondary};
    overflow: hidden;
  `,
  fill: css`
    height: 100%;
    background: ${theme.colors.primary.main};
    transition: width 0.3s ease;
  `,
  failedFill: css`
    background: ${theme.colors.error.main};
  `,
  muted: css`
    color: ${theme.colors.text.secondary};
    font-size: ${theme.typography.bodySmall.fontSize};
  `,
  resume: css`
    color: ${theme.colors.warning.text};
  `,
  warning: css`
    color: ${theme.colors.warning.text};
    font-size: ${theme.typography.bodySmall.fontSize};
  `,
  error: css`
    color: ${theme.colors.error.text};
  `,
  actions: css`
    display: flex;
    flex-wrap: wrap;
    gap: ${theme.spacing(1)};
  `,
  hidden: css`
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
  `,
});
