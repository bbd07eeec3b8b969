import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';
import { Link } from 'react-router-dom';
import { useEngineApi } from '../../api/context';
import { ACTIVE_STATES, type Job } from '../../api/engine-api';
import { JobStateBadge } from '../../components/JobStateBadge/JobStateBadge';
import { testIds } from '../../components/testIds';
import { ROUTES } from '../../constants';

/** Props of {@link JobState}. */
export interface JobStateProps {
  jobId: string;
  /** How often a running job is read again. @defaultValue 2000 */
  pollMs?: number;
}

/** The job of a completed upload as the engine reports it, until it ends, with links to it and its anomalies. */
export function JobState({ jobId, pollMs = 2000 }: JobStateProps) {
  const api = useEngineApi();
  const s = useStyles2(getStyles);
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let gone = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = async () => {
      try {
        const fresh = await api.getJob(jobId);
        if (gone) {
          return;
        }
        setJob(fresh);
        setError(null);
        if (ACTIVE_STATES.includes(fresh.status)) {
          timer = setTimeout(read, pollMs);
        }
      } catch (err) {
        if (!gone) {
          setError(err instanceof Error ? err.message : String(err));
          timer = setTimeout(read, pollMs * 5);
        }
      }
    };
    read();
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  }, [api, jobId, pollMs]);

  const explorer = `../${ROUTES.Explorer}?job=${encodeURIComponent(jobId)}`;
  return (
    <div className={s.box} data-testid={testIds.upload.jobState}>
      <span>Job</span>
      {job ? (
        <>
          <JobStateBadge status={job.status} />
          <span className={s.muted}>{summary(job)}</span>
        </>
      ) : (
        <span className={s.muted}>{error ? `Its state cannot be read: ${error}` : 'Asking the engine…'}</span>
      )}
      <Link to={`../${ROUTES.Jobs}`} relative="path" className={s.link}>
        <Icon name="list-ul" /> Open in Jobs
      </Link>
      <Link to={explorer} relative="path" className={s.link}>
        <Icon name="search" /> See its anomalies
      </Link>
      {job?.error_message && <div className={s.error}>{job.error_message}</div>}
    </div>
  );
}

function summary(job: Job): string {
  const lines = `${job.lines_processed.toLocaleString('en-US')} lines`;
  const anomalies = `${job.anomalies_found.toLocaleString('en-US')} ${job.anomalies_found === 1 ? 'anomaly' : 'anomalies'}`;
  if (ACTIVE_STATES.includes(job.status)) {
    return `${Math.round(job.progress * 100)}% analysed · ${lines} · ${anomalies} so far`;
  }
  return `${lines} · ${anomalies}`;
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css`
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: ${theme.spacing(1)};
    margin-top: ${theme.spacing(1)};
  `,
  muted: css`
    color: ${theme.colors.text.secondary};
  `,
  link: css`
    color: ${theme.colors.text.link};
    margin-left: ${theme.spacing(1)};
    &:hover {
      text-decoration: underline;
    }
  `,
  error: css`
    flex-basis: 100%;
    color: ${theme.colors.error.text};
  `,
});
