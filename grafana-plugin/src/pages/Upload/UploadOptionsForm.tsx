import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import { Field, Input, RadioButtonGroup, Switch, useStyles2 } from '@grafana/ui';
import { testIds } from '../../components/testIds';
import type { LogFormat, OptionProblems, UploadOptions } from './upload-options';

/** What each format means, shown under the choice (not as a tooltip: it stays readable by keyboard and touch). */
const FORMAT_HINTS: Record<LogFormat, string> = {
  auto: 'detected from the first lines',
  json: 'one JSON object per line',
  logfmt: 'key=value pairs',
  clf: 'nginx/Apache common and combined access logs',
  syslog: 'RFC 3164 and RFC 5424',
  loghub: 'a Loghub header format, given below',
  generic: 'leading timestamp, level, message',
};
const FORMAT_CHOICES: Array<SelectableValue<LogFormat>> = [
  { label: 'Auto', value: 'auto' },
  { label: 'JSON', value: 'json' },
  { label: 'logfmt', value: 'logfmt' },
  { label: 'CLF', value: 'clf' },
  { label: 'Syslog', value: 'syslog' },
  { label: 'Loghub', value: 'loghub' },
  { label: 'Generic', value: 'generic' },
];

/** Props of {@link UploadOptionsForm}. */
export interface UploadOptionsFormProps {
  value: UploadOptions;
  onChange: (value: UploadOptions) => void;
  problems: OptionProblems;
}

/** How the engine should read the files added next: format, log format, session key, service, retrain. */
export function UploadOptionsForm({ value, onChange, problems }: UploadOptionsFormProps) {
  const s = useStyles2(getStyles);
  const set = <K extends keyof UploadOptions>(key: K, v: UploadOptions[K]) => onChange({ ...value, [key]: v });
  return (
    <fieldset className={s.fieldset} data-testid={testIds.upload.options}>
      <legend className={s.legend}>Options for the files you add next</legend>
      <Field
        label="Format"
        description={`How each line is parsed: ${FORMAT_HINTS[value.format]}. Lines that do not fit fall back to the generic parser.`}
      >
        {/* A radio group cannot be the target of a <label>: it is named by aria-label. */}
        <RadioButtonGroup
          id="upload-format"
          aria-label="Format"
          options={FORMAT_CHOICES}
          value={value.format}
          onChange={(v) => set('format', v)}
        />
      </Field>
      {value.format === 'loghub' && (
        <Field
          label="Log format"
          description="The header of each line in Loghub notation: fields in angle brackets, <Content> for the message."
          invalid={Boolean(problems.logFormat)}
          error={problems.logFormat}
        >
          <Input
            id="upload-log-format"
            value={value.logFormat}
            placeholder="e.g. <Date> <Time> <Pid> <Level> <Component>: <Content>"
            onChange={(e) => set('logFormat', e.currentTarget.value)}
          />
        </Field>
      )}
      <div className={s.row}>
        <Field
          className={s.grow}
          label="Session key"
          description="Ties lines into sessions (a request, a trace, a block): /regex/ — the first match in a line, or its first capture group, is the session id — or a field name such as trace_id. Empty for none."
          invalid={Boolean(problems.sessionKey)}
          error={problems.sessionKey}
        >
          <Input
            id="upload-session-key"
            value={value.sessionKey}
            placeholder="e.g. trace_id or /blk_-?\d+/"
            onChange={(e) => set('sessionKey', e.currentTarget.value)}
          />
        </Field>
        <Field
          className={s.grow}
          label="Service"
          description="The service the lines belong to, when they do not name one themselves."
          invalid={Boolean(problems.service)}
          error={problems.service}
        >
          <Input
            id="upload-service"
            value={value.service}
            placeholder="e.g. checkout"
            onChange={(e) => set('service', e.currentTarget.value)}
          />
        </Field>
      </div>
      <Field
        label="Retrain"
        description="Train a new model for this file name instead of reusing the one learned from its earlier uploads."
      >
        <Switch id="upload-retrain" value={value.retrain} onChange={(e) => set('retrain', e.currentTarget.checked)} />
      </Field>
    </fieldset>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  fieldset: css`
    border: 1px solid ${theme.colors.border.weak};
    border-radius: ${theme.shape.radius.default};
    padding: ${theme.spacing(2)};
    margin-bottom: ${theme.spacing(2)};
  `,
  legend: css`
    font-size: ${theme.typography.h5.fontSize};
    padding: 0 ${theme.spacing(1)};
    width: auto;
    margin: 0;
  `,
  row: css`
    display: flex;
    gap: ${theme.spacing(2)};
    flex-wrap: wrap;
  `,
  grow: css`
    flex: 1 1 280px;
  `,
});
