import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import { type GrafanaTheme2, locationUtil, type NavLinkDTO } from '@grafana/data';
import type { TimeZone } from '@grafana/schema';
import { config } from '@grafana/runtime';
import {
  Alert,
  Badge,
  Button,
  ClipboardButton,
  Drawer,
  LinkButton,
  LoadingPlaceholder,
  Stack,
  useStyles2,
} from '@grafana/ui';
import {
  type Detection,
  type EngineApi,
  EngineError,
  type EngineInfo,
  type FeedbackVerdict,
} from '../../api/engine-api';
import { testIds } from '../../components/testIds';
import { PLUGIN_BASE_URL, ROUTES } from '../../constants';
import { detectionLogql, detectionTimeWindow, exploreUrl } from './explore-link';
import {
  deviationPercent,
  formatDeviation,
  formatScore,
  formatTime,
  formatValue,
  KIND_WORDS,
  SEVERITY_BADGES,
} from './format';
import { messageOf } from './use-explorer-data';

export interface AnomalyDrawerProps {
  api: EngineApi;
  /** The detection, `null` while it is fetched. */
  detection: Detection | null;
  /** Why the detection could not be fetched. */
  error: string | null;
  info: EngineInfo | null;
  lokiDatasourceUid: string;
  timeZone: TimeZone;
  onClose: () => void;
  /** A detection changed on the engine (an LLM explanation arrived). */
  onChange: (d: Detection) => void;
}

/**
 * Whether this user can open Grafana's Explore: Grafana puts it in the user's nav when they may use it. The
 * standalone host's nav is empty (it has no Explore), so there the LogQL is only shown to copy.
 */
export function exploreAvailable(items: NavLinkDTO[] = config.bootData.navTree ?? []): boolean {
  return items.some((item) => item.id === 'explore' || exploreAvailable(item.children ?? []));
}

/** The LogQL of a scheduled Loki source the detection came from; `null` for uploads and other sources. */
function useLokiSourceQuery(api: EngineApi, d: Detection | null): { query: string | null; loading: boolean } {
  const [found, setFound] = useState<{ id: string; query: string | null } | null>(null);
  const lookup = d !== null && d.job_id === null ? d.source : null;
  useEffect(() => {
    if (lookup === null) {
      return;
    }
    const ctl = new AbortController();
    api
      .getSource(lookup, ctl.signal)
      .then((src) => {
        const query = src.kind === 'loki' && typeof src.definition.query === 'string' ? src.definition.query : null;
        setFound({ id: lookup, query });
      })
      // Not a source (any more), or not readable: Outlier's own detection stream still has the anomaly.
      .catch(() => !ctl.signal.aborted && setFound({ id: lookup, query: null }));
    return () => ctl.abort();
  }, [api, lookup]);
  if (lookup === null) {
    return { query: null, loading: false };
  }
  return found?.id === lookup ? { query: found.query, loading: false } : { query: null, loading: true };
}

/** The detection's log lines in Grafana Explore, and its LogQL to copy (the only way outside Grafana). */
function LogsSection({ api, d, lokiDatasourceUid }: { api: EngineApi; d: Detection; lokiDatasourceUid: string }) {
  const s = useStyles2(getStyles);
  const source = useLokiSourceQuery(api, d);
  if (source.loading) {
    return <LoadingPlaceholder text="Finding the log stream…" />;
  }
  const expr = detectionLogql(d, source.query);
  const { from, to } = detectionTimeWindow(d);
  const href = exploreUrl({
    expr,
    from,
    to,
    datasourceUid: lokiDatasourceUid,
    orgId: config.bootData.user?.orgId ?? 1,
    appSubUrl: config.appSubUrl ?? '',
  });
  return (
    <Stack direction="column" gap={1}>
      <p className={s.muted}>
        {source.query
          ? `The lines of the Loki source “${d.source}” around this anomaly.`
          : 'Outlier’s detection stream in Loki, filtered to this anomaly.'}
      </p>
      <pre className={s.code} data-testid={testIds.explorer.logql}>
        {expr}
      </pre>
      <Stack gap={1}>
        {exploreAvailable() && (
          <LinkButton href={href} icon="compass" variant="primary" data-testid={testIds.explorer.exploreLink}>
            Open in Explore
          </LinkButton>
        )}
        <ClipboardButton icon="copy" variant="secondary" getText={() => expr}>
          Copy LogQL
        </ClipboardButton>
      </Stack>
    </Stack>
  );
}

/** "Explain with LLM", its spinner and its errors; the explanation once there is one. */
function LlmSection({
  api,
  d,
  info,
  onChange,
}: {
  api: EngineApi;
  d: Detection;
  info: EngineInfo | null;
  onChange: (d: Detection) => void;
}) {
  const s = useStyles2(getStyles);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const llm = d.llm_explanation;
  const explain = async () => {
    setBusy(true);
    setError(null);
    try {
      onChange(await api.explainAnomaly(d.id));
    } catch (err) {
      setError(
        err instanceof EngineError && err.code === 'llm_not_configured'
          ? 'The engine has no LLM configured. Set OLLAMA_HOST and OLLAMA_MODEL on the engine to get LLM explanations.'
          : `The LLM could not explain this anomaly: ${messageOf(err)}`
      );
    } finally {
      setBusy(false);
    }
  };
  if (llm) {
    return (
      <div>
        <p>{llm.text}</p>
        {llm.likely_cause && (
          <p>
            <strong>Likely cause:</strong> {llm.likely_cause}
          </p>
        )}
        {llm.model && <p className={s.muted}>Written by {llm.model}; check it against the evidence below.</p>}
      </div>
    );
  }
  if (!info?.llm.enabled) {
    return null;
  }
  return (
    <div>
      <Button icon={busy ? 'spinner' : 'ai-sparkle'} variant="secondary" onClick={explain} disabled={busy}>
        {busy ? 'Asking the LLM…' : 'Explain with LLM'}
      </Button>
      {error && (
        <Alert severity="error" title="No LLM explanation" className={s.alert}>
          {error}
        </Alert>
      )}
    </div>
  );
}

const VERDICT_WORDS: Record<FeedbackVerdict, string> = {
  not_anomaly: 'Marked as not an anomaly: Outlier will not flag this pattern again for this tenant.',
  confirmed: 'Confirmed as an anomaly: Outlier keeps flagging this pattern.',
};

/** "Not an anomaly" and "Confirmed", and what the engine made of the verdict. */
function FeedbackSection({ api, d }: { api: EngineApi; d: Detection }) {
  const s = useStyles2(getStyles);
  const [busy, setBusy] = useState<FeedbackVerdict | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const send = async (verdict: FeedbackVerdict) => {
    // The buttons stay enabled while a verdict is sent: a disabled button would drop the keyboard focus out of
    // the drawer, where Escape no longer closes it.
    if (busy !== null) {
      return;
    }
    setBusy(verdict);
    setResult(null);
    try {
      await api.sendFeedback(d.id, verdict);
      setResult({ ok: true, text: VERDICT_WORDS[verdict] });
    } catch (err) {
      setResult({ ok: false, text: `The verdict was not recorded: ${messageOf(err)}` });
    } finally {
      setBusy(null);
    }
  };
  return (
    <div>
      <Stack gap={1}>
        <Button
          variant="secondary"
          icon={busy === 'not_anomaly' ? 'spinner' : 'bell-slash'}
          onClick={() => send('not_anomaly')}
        >
          Not an anomaly
        </Button>
        <Button variant="secondary" icon={busy === 'confirmed' ? 'spinner' : 'check'} onClick={() => send('confirmed')}>
          Confirmed
        </Button>
      </Stack>
      {result && (
        <Alert
          severity={result.ok ? 'success' : 'error'}
          title={result.ok ? 'Verdict recorded' : 'Verdict not recorded'}
          className={s.alert}
        >
          {result.text}
        </Alert>
      )}
    </div>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  const s = useStyles2(getStyles);
  return (
    <section className={s.section} aria-label={title}>
      <h3 className={s.heading}>{title}</h3>
      {children}
    </section>
  );
}

/** Everything known about one anomaly: explanations, evidence, identity, samples, feedback and its logs. */
function DetectionDetails(props: Omit<AnomalyDrawerProps, 'detection' | 'error' | 'onClose'> & { d: Detection }) {
  const { api, d, info, lokiDatasourceUid, onChange } = props;
  const s = useStyles2(getStyles);
  const hasValues = d.observed !== null || d.expected !== null;
  const jobHref = d.job_id
    ? locationUtil.assureBaseUrl(`${PLUGIN_BASE_URL}/${ROUTES.Explorer}?${new URLSearchParams({ job: d.job_id })}`)
    : null;
  return (
    <div data-testid={testIds.explorer.drawer}>
      <Section title="Why it is an anomaly">
        <p>{d.explanation}</p>
        <LlmSection api={api} d={d} info={info} onChange={onChange} />
      </Section>
      {hasValues && (
        <Section title="Observed and expected">
          <table className={s.facts}>
            <tbody>
              <tr>
                <th scope="row">Observed</th>
                <td>{formatValue(d.observed)}</td>
              </tr>
              <tr>
                <th scope="row">Expected</th>
                <td>{formatValue(d.expected)}</td>
              </tr>
              <tr>
                <th scope="row">Expected range</th>
                <td>
                  {d.lower === null && d.upper === null ? '—' : `${formatValue(d.lower)} to ${formatValue(d.upper)}`}
                </td>
              </tr>
              <tr>
                <th scope="row">Deviation</th>
                <td>{formatDeviation(deviationPercent(d))}</td>
              </tr>
            </tbody>
          </table>
        </Section>
      )}
      <Section title="Detectors">
        {d.detectors.length === 0 ? (
          <p className={s.muted}>No detector scores were recorded.</p>
        ) : (
          <table className={s.facts}>
            <tbody>
              {d.detectors.map((det) => (
                <tr key={det.name}>
                  <th scope="row">{det.name}</th>
                  <td className={s.meterCell}>
                    <span className={s.meter} aria-hidden>
                      <span className={s.meterFill} style={{ width: `${Math.round(det.score * 100)}%` }} />
                    </span>
                    {formatScore(det.score)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="Identity">
        <table className={s.facts}>
          <tbody>
            {d.template && (
              <tr>
                <th scope="row">Template</th>
                <td className={s.mono}>{d.template}</td>
              </tr>
            )}
            {d.template_id && (
              <tr>
                <th scope="row">Template id</th>
                <td className={s.mono}>{d.template_id}</td>
              </tr>
            )}
            <tr>
              <th scope="row">Anomaly id</th>
              <td className={s.mono}>
                {d.id}{' '}
                <ClipboardButton
                  size="sm"
                  variant="secondary"
                  fill="text"
                  icon="copy"
                  getText={() => d.id}
                  aria-label="Copy the anomaly id"
                />
              </td>
            </tr>
            {d.session_id && (
              <tr>
                <th scope="row">Session</th>
                <td className={s.mono}>{d.session_id}</td>
              </tr>
            )}
            <tr>
              <th scope="row">Source</th>
              <td>{d.source}</td>
            </tr>
            <tr>
              <th scope="row">Job</th>
              <td>
                {jobHref && d.job_id ? (
                  <a className={s.link} href={jobHref}>
                    All anomalies of job {d.job_id}
                  </a>
                ) : (
                  'Scheduled source (no upload job)'
                )}
              </td>
            </tr>
          </tbody>
        </table>
      </Section>
      <Section title="Sample lines">
        {d.samples.length === 0 ? (
          <p className={s.muted}>No sample lines were kept for this anomaly.</p>
        ) : (
          <pre className={s.code}>{d.samples.join('\n')}</pre>
        )}
      </Section>
      <Section title="Was this an anomaly?">
        <FeedbackSection key={d.id} api={api} d={d} />
      </Section>
      <Section title="Logs in Loki">
        <LogsSection api={api} d={d} lokiDatasourceUid={lokiDatasourceUid} />
      </Section>
    </div>
  );
}

/** The drawer of the selected anomaly. */
export function AnomalyDrawer(props: AnomalyDrawerProps) {
  const { detection: d, error, onClose, timeZone } = props;
  const s = useStyles2(getStyles);
  useEffect(() => {
    // Escape closes the drawer wherever the focus is: Grafana's drawer hears it only from inside (and closes
    // itself then), and a section re-rendering under the focus leaves it on the page.
    const onKey = (e: KeyboardEvent) => {
      const inDialog = e.target instanceof Element && e.target.closest('[role="dialog"]') !== null;
      if (e.key === 'Escape' && !e.defaultPrevented && !inDialog) {
        onClose();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  const badge = SEVERITY_BADGES[d?.severity ?? 'none'];
  const title = d ? `Anomalous ${KIND_WORDS[d.kind]}${d.service ? ` in ${d.service}` : ''}` : 'Anomaly';
  const subtitle = d ? (
    <Stack gap={1} alignItems="center">
      <span>{formatTime(d.timestamp, timeZone)}</span>
      <Badge text={badge.text} color={badge.color} icon={badge.icon} />
      <span className={s.muted}>score {formatScore(d.score)}</span>
    </Stack>
  ) : undefined;
  return (
    <Drawer title={title} subtitle={subtitle} onClose={onClose} size="md">
      {error ? (
        <Alert severity="error" title="This anomaly could not be loaded">
          {error}
        </Alert>
      ) : d ? (
        <DetectionDetails {...props} d={d} key={d.id} />
      ) : (
        <LoadingPlaceholder text="Loading the anomaly…" />
      )}
    </Drawer>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css`
    margin-bottom: ${theme.spacing(3)};
  `,
  heading: css`
    font-size: ${theme.typography.h5.fontSize};
    margin-bottom: ${theme.spacing(1)};
  `,
  muted: css`
    color: ${theme.colors.text.secondary};
  `,
  alert: css`
    margin-top: ${theme.spacing(1)};
  `,
  facts: css`
    border-collapse: collapse;
    th,
    td {
      padding: ${theme.spacing(0.5, 1)};
      text-align: left;
      vertical-align: top;
    }
    th {
      color: ${theme.colors.text.secondary};
      font-weight: ${theme.typography.fontWeightMedium};
      white-space: nowrap;
      padding-left: 0;
    }
  `,
  mono: css`
    font-family: ${theme.typography.fontFamilyMonospace};
    word-break: break-all;
  `,
  code: css`
    font-family: ${theme.typography.fontFamilyMonospace};
    font-size: ${theme.typography.bodySmall.fontSize};
    white-space: pre-wrap;
    word-break: break-all;
    margin: 0;
    padding: ${theme.spacing(1)};
    background: ${theme.colors.background.canvas};
    border: 1px solid ${theme.colors.border.weak};
    border-radius: ${theme.shape.radius.default};
  `,
  meterCell: css`
    display: flex;
    gap: ${theme.spacing(1)};
    align-items: center;
  `,
  meter: css`
    display: inline-block;
    width: 120px;
    height: 6px;
    border-radius: ${theme.shape.radius.default};
    background: ${theme.colors.background.secondary};
    overflow: hidden;
  `,
  meterFill: css`
    display: block;
    height: 100%;
    background: ${theme.colors.primary.main};
  `,
  link: css`
    color: ${theme.colors.text.link};
    &:hover {
      text-decoration: underline;
    }
  `,
});
