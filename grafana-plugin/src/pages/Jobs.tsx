import React, { useCallback, useEffect, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2, locationUtil } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, EmptyState, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { useEngineApi } from '../api/context';
import { ACTIVE_STATES, type EngineApi, EngineError, type Job, type Page } from '../api/engine-api';
import { applyJobEvent } from '../api/job-events';
import { JobStateBadge } from '../components/JobStateBadge/JobStateBadge';
import { testIds } from '../components/testIds';
import { ROUTES } from '../constants';
import { prefixRoute } from '../utils/utils.routing';

const POLL_MS = 5000;

/** The explorer filtered to one job's anomalies, whatever their time. */
export function anomaliesUrl(jobId: string): string {
  return locationUtil.assureBaseUrl(`${prefixRoute(ROUTES.Explorer)}?${new URLSearchParams({ job: jobId })}`);
}

/** Bytes in words: `1.4 GB`. */
export function formatBytes(n: number): string {
  if (n < 1000) {
    return `${n} B`;
  }
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** Seconds in words: `3 min 20 s`. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) {
    return '—';
  }
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) {
    return `${s} s`;
  }
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * Follows the active jobs of a list through their event streams (fetch streaming), falling back to polling the
 * job when a stream cannot be opened; returns the list as it changes.
 */
function useLiveJobs(api: EngineApi, jobs: Job[], setJobs: React.Dispatch<React.SetStateAction<Job[]>>): void {
  const following = useRef(new Map<string, AbortController>());
  useEffect(() => {
    const map = following.current;
    for (const job of jobs) {
      if (!ACTIVE_STATES.includes(job.status) || map.has(job.job_id)) {
        continue;
      }
      const ctl = new AbortController();
      map.set(job.job_id, ctl);
      const update = (f: (j: Job) => Job) => setJobs((list) => list.map((j) => (j.job_id === job.job_id ? f(j) : j)));
      (async () => {
        try {
          for await (const e of api.jobEvents(job.job_id, ctl.signal)) {
            update((j) => applyJobEvent(j, e));
          }
        } catch {
          // The stream could not be opened or broke: poll until the job ends.
          while (!ctl.signal.aborted) {
            await new Promise((r) => setTimeout(r, POLL_MS));
            const fresh = await api.getJob(job.job_id).catch(() => null);
            if (fresh) {
              update(() => fresh);
              if (!ACTIVE_STATES.includes(fresh.status)) {
                break;
              }
            }
          }
        }
      })();
    }
  }, [api, jobs, setJobs]);
  useEffect(() => {
    const map = following.current;
    return () => {
      for (const ctl of map.values()) {
        ctl.abort();
      }
      map.clear();
    };
  }, []);
}

/** The tenant's jobs with live progress, errors in words and cancel. */
export function JobsTable() {
  const api = useEngineApi();
  const s = useStyles2(getStyles);
  const [jobs, setJobs] = useState<Job[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const show = useCallback((after: string | null, page: Page<Job>) => {
    setJobs((list) => (after ? [...list, ...page.items] : page.items));
    setCursor(page.next_cursor);
    setError(null);
  }, []);
  const fail = useCallback((err: unknown) => setError(err instanceof Error ? err.message : String(err)), []);
  useEffect(() => {
    let gone = false;
    api
      .listJobs(null)
      .then((page) => !gone && show(null, page))
      .catch((err) => !gone && fail(err))
      .finally(() => !gone && setLoading(false));
    return () => {
      gone = true;
    };
  }, [api, show, fail]);
  const loadMore = async () => {
    setLoading(true);
    try {
      show(cursor, await api.listJobs(cursor));
    } catch (err) {
      fail(err);
    } finally {
      setLoading(false);
    }
  };
  useLiveJobs(api, jobs, setJobs);

  const cancel = async (job: Job) => {
    try {
      await api.cancelJob(job.job_id);
      setJobs((list) => list.map((j) => (j.job_id === job.job_id ? { ...j, status: 'cancelled' } : j)));
    } catch (err) {
      setError(err instanceof EngineError ? `Could not cancel ${job.source}: ${err.message}` : String(err));
    }
  };

  if (loading && jobs.length === 0) {
    return <LoadingPlaceholder text="Loading jobs…" />;
  }
  return (
    <div data-testid={testIds.jobs.container}>
      {error && (
        <Alert severity="error" title="The engine answered with an error">
          {error}
        </Alert>
      )}
      {!error && jobs.length === 0 ? (
        <EmptyState variant="call-to-action" message="No jobs yet">
          Upload a log file, or run <code>npx outlier upload FILE</code>, to start one.
        </EmptyState>
      ) : (
        <table className={s.table} data-testid={testIds.jobs.table}>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">State</th>
              <th scope="col">Progress</th>
              <th scope="col">Lines</th>
              <th scope="col">Anomalies</th>
              <th scope="col">Time left</th>
              <th scope="col">Started</th>
              <th scope="col">
                <span className={s.hidden}>Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => {
              const active = ACTIVE_STATES.includes(job.status);
              const pct = Math.round(job.progress * 1000) / 10;
              return (
                <tr key={job.job_id}>
                  <td>
                    <div>{job.source}</div>
                    {job.error_message && <div className={s.error}>{job.error_message}</div>}
                  </td>
                  <td>
                    <JobStateBadge status={job.status} />
                  </td>
                  <td>
                    <div
                      className={s.bar}
                      role="progressbar"
                      aria-label={`Progress of ${job.source}`}
                      aria-valuemin={0}
                      aria-valuemax={100}
                      aria-valuenow={pct}
                    >
                      <div className={s.fill} style={{ width: `${pct}%` }} />
                    </div>
                    <span className={s.muted}>
                      {pct}% of {formatBytes(job.declared_size ?? job.bytes_received)}
                    </span>
                  </td>
                  <td>{job.lines_processed.toLocaleString('en-US')}</td>
                  <td>
                    <a
                      className={s.link}
                      href={anomaliesUrl(job.job_id)}
                      aria-label={`${job.anomalies_found.toLocaleString('en-US')} anomalies of ${job.source}`}
                    >
                      {job.anomalies_found.toLocaleString('en-US')}
                    </a>
                  </td>
                  <td>{active ? formatEta(job.estimated_remaining_time) : '—'}</td>
                  <td>{dateTimeFormat(job.created_at, { format: 'YYYY-MM-DD HH:mm:ss' })}</td>
                  <td>
                    {active && (
                      <Button
                        size="sm"
                        variant="secondary"
                        icon="times"
                        onClick={() => cancel(job)}
                        aria-label={`Cancel ${job.source}`}
                      >
                        Cancel
                      </Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {cursor && (
        <Button variant="secondary" className={s.more} onClick={loadMore} disabled={loading}>
          Load more
        </Button>
      )}
    </div>
  );
}

function Jobs() {
  return (
    <PluginPage>
      <JobsTable />
    </PluginPage>
  );
}

export default Jobs;

const getStyles = (theme: GrafanaTheme2) => ({
  table: css`
    width: 100%;
    border-collapse: collapse;
    th,
    td {
      padding: ${theme.spacing(1)};
      border-bottom: 1px solid ${theme.colors.border.weak};
      text-align: left;
      vertical-align: top;
    }
    th {
      color: ${theme.colors.text.secondary};
      font-weight: ${theme.typography.fontWeightMedium};
    }
  `,
  bar: css`
    width: 160px;
    height: 6px;
    border-radius: ${theme.shape.radius.default};
    background: ${theme.colors.background.secondary};
    overflow: hidden;
  `,
  fill: css`
    height: 100%;
    background: ${theme.colors.primary.main};
  `,
  muted: css`
    color: ${theme.colors.text.secondary};
    font-size: ${theme.typography.bodySmall.fontSize};
  `,
  error: css`
    color: ${theme.colors.error.text};
    font-size: ${theme.typography.bodySmall.fontSize};
  `,
  hidden: css`
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
  `,
  more: css`
    margin-top: ${theme.spacing(2)};
  `,
  link: css`
    color: ${theme.colors.text.link};
    &:hover {
      text-decoration: underline;
    }
  `,
});
