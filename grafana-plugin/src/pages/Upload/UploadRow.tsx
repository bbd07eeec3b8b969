import React, { useRef, useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Badge,
  type BadgeColor,
  Button,
  type ButtonProps,
  type ButtonVariant,
  type IconName,
  useStyles2,
} from '@grafana/ui';
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
  refused: { text: 'refused', color: 'red' },
  cancelling: { text: 'cancelling', color: 'purple' },
  cancelled: { text: 'cancelled', color: 'purple' },
  completed: { text: 'uploaded', color: 'green' },
};
const CANCELLABLE: readonly UploadState[] = ['waiting_for_file', 'queued', 'uploading', 'retrying', 'paused', 'failed'];
const REMOVABLE: readonly UploadState[] = ['completed', 'cancelled', 'refused'];

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
  const badge = STATE_BADGES[state];
  const failed = state === 'failed' || state === 'refused';

  const primary = primaryAction(item);
  const secondary = secondaryAction(item);
  const run = (action: RowActionName) => {
    if (action === 'choose') {
      chooser.current?.click();
    } else {
      queue[action](id);
    }
  };

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
        <div className={cx(s.fill, failed && s.failedFill)} style={{ width: `${pct}%` }} />
      </div>
      <div className={s.muted}>{figures.join(' · ')}</div>
      {state === 'waiting_for_file' && <div className={s.resume}>Resume: choose {name} again.</div>}
      {item.message && (
        <div
          className={failed ? s.error : state === 'retrying' ? s.warning : s.muted}
          role={failed ? 'alert' : undefined}
        >
          {item.message}
        </div>
      )}
      {wrongFile && (
        <div className={s.error} role="alert">
          {wrongFile}
        </div>
      )}
      {state === 'completed' && item.jobId && <JobState jobId={item.jobId} />}
      <div className={s.actions}>
        {/* One button per slot whatever the state, so the keyboard focus stays on it from Pause to Resume. */}
        {primary && (
          <Button
            key="primary"
            size="sm"
            variant={primary.variant}
            icon={primary.icon}
            onClick={() => run(primary.action)}
            aria-label={primary.label}
          >
            {primary.text}
          </Button>
        )}
        {secondary && (
          <Button
            key="secondary"
            size="sm"
            variant={secondary.variant}
            fill={secondary.fill}
            icon={secondary.icon}
            onClick={() => run(secondary.action)}
            aria-label={secondary.label}
          >
            {secondary.text}
          </Button>
        )}
        {state === 'waiting_for_file' && (
          <input
            key="chooser"
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
        )}
      </div>
    </li>
  );
}

/** What a row's button does to its upload. */
type RowActionName = 'choose' | 'pause' | 'resume' | 'retry' | 'cancel' | 'remove';

/** A button of a row: its words, its accessible name (which names the file) and what it does. */
interface RowAction {
  text: string;
  label: string;
  icon: IconName;
  variant: ButtonVariant;
  fill?: ButtonProps['fill'];
  action: RowActionName;
}

/** The row's main action in its state: choose the file again, pause, resume or retry. */
function primaryAction({ name, state }: UploadItem): RowAction | null {
  switch (state) {
    case 'waiting_for_file':
      return {
        text: `Choose ${name}`,
        label: `Choose ${name} again`,
        icon: 'folder-open',
        variant: 'primary',
        action: 'choose',
      };
    case 'queued':
    case 'uploading':
    case 'retrying':
      return { text: 'Pause', label: `Pause ${name}`, icon: 'pause', variant: 'secondary', action: 'pause' };
    case 'paused':
      return { text: 'Resume', label: `Resume ${name}`, icon: 'play', variant: 'primary', action: 'resume' };
    case 'failed':
      return { text: 'Retry', label: `Retry ${name}`, icon: 'sync', variant: 'primary', action: 'retry' };
    default:
      return null;
  }
}

/**
 * Cancel while the engine may still get (or have) part of the file, and while it is being cancelled (a second
 * press does nothing, and the focus stays on the button until it becomes Remove); Remove once the upload has ended.
 */
function secondaryAction({ name, state }: UploadItem): RowAction | null {
  if (CANCELLABLE.includes(state) || state === 'cancelling') {
    return {
      text: 'Cancel',
      label: `Cancel ${name}`,
      icon: 'times',
      variant: 'destructive',
      fill: 'outline',
      action: 'cancel',
    };
  }
  if (REMOVABLE.includes(state)) {
    return {
      text: 'Remove',
      label: `Remove ${name} from the list`,
      icon: 'trash-alt',
      variant: 'secondary',
      fill: 'text',
      action: 'remove',
    };
  }
  return null;
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
