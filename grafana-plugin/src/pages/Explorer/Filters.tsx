import React, { useCallback, useEffect, useId, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Checkbox, Combobox, type ComboboxOption, Field, Input, useStyles2 } from '@grafana/ui';
import {
  type AnomalyFacets,
  DETECTION_KINDS,
  type DetectionKind,
  SEVERITIES,
  type Severity,
} from '../../api/engine-api';
import { testIds } from '../../components/testIds';
import { KIND_WORDS } from './format';
import type { ExplorerState } from './url-state';

/** How long typing pauses before the search is applied. */
const SEARCH_DEBOUNCE_MS = 400;

/** The filters a user can change here (the time range has its own picker). */
export type FilterPatch = Partial<Pick<ExplorerState, 'service' | 'source' | 'job' | 'kind' | 'severity' | 'q'>>;

export interface FiltersProps {
  state: ExplorerState;
  facets: AnomalyFacets | null;
  facetsLoading: boolean;
  /** Must keep its identity (the search waits for typing to pause). */
  onChange: (patch: FilterPatch) => void;
}

/** Options from the facets, keeping the current value even when the time range no longer has it. */
function optionsOf(values: string[], current: string | null): Array<ComboboxOption<string>> {
  const list = current && !values.includes(current) ? [current, ...values] : values;
  return list.map((value) => ({ value, label: value }));
}

function jobOptions(facets: AnomalyFacets | null, current: string | null): Array<ComboboxOption<string>> {
  const jobs = facets?.jobs ?? [];
  // Several jobs can share a file name: the start of the id tells them apart.
  const options = jobs.map((j) => ({ value: j.id, label: `${j.source} · ${j.id.slice(0, 8)}`, description: j.id }));
  if (current && !jobs.some((j) => j.id === current)) {
    options.unshift({ value: current, label: current, description: 'job' });
  }
  return options;
}

const KIND_OPTIONS: Array<ComboboxOption<DetectionKind>> = DETECTION_KINDS.map((k) => ({
  value: k,
  label: KIND_WORDS[k],
}));

/** The free-text search, applied when typing pauses or on Enter; `onSearch` must keep its identity. */
function SearchInput({ value, onSearch }: { value: string; onSearch: (q: string) => void }) {
  const id = useId();
  const [text, setText] = useState(value);
  // A new URL (back button, a link) replaces what was typed.
  const [shown, setShown] = useState(value);
  if (value !== shown) {
    setShown(value);
    setText(value);
  }
  useEffect(() => {
    if (text === value) {
      return;
    }
    const t = setTimeout(() => onSearch(text), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text, value, onSearch]);
  return (
    <Field label="Search" htmlFor={id} noMargin>
      <Input
        id={id}
        type="search"
        value={text}
        placeholder="Text in templates, explanations, samples"
        onChange={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            onSearch(text);
          }
        }}
        width={36}
      />
    </Field>
  );
}

/** Service, source, job, kind, severity and text filters, each labelled. */
export function Filters({ state, facets, facetsLoading, onChange }: FiltersProps) {
  const s = useStyles2(getStyles);
  const ids = { service: useId(), source: useId(), job: useId(), kind: useId() };
  const onSearch = useCallback((q: string) => onChange({ q }), [onChange]);
  const toggleSeverity = (sev: Severity, on: boolean) => {
    const next = on ? [...state.severity, sev] : state.severity.filter((x) => x !== sev);
    onChange({ severity: SEVERITIES.filter((x) => next.includes(x)) });
  };
  return (
    <div className={s.row} data-testid={testIds.explorer.filters}>
      <Field label="Service" htmlFor={ids.service} noMargin>
        <Combobox
          id={ids.service}
          options={optionsOf(facets?.services ?? [], state.service)}
          value={state.service}
          onChange={(o) => onChange({ service: o?.value ?? null })}
          isClearable
          createCustomValue
          loading={facetsLoading}
          placeholder="All services"
          width={24}
        />
      </Field>
      <Field label="Source" htmlFor={ids.source} noMargin>
        <Combobox
          id={ids.source}
          options={optionsOf(facets?.sources ?? [], state.source)}
          value={state.source}
          onChange={(o) => onChange({ source: o?.value ?? null })}
          isClearable
          createCustomValue
          loading={facetsLoading}
          placeholder="All sources"
          width={24}
        />
      </Field>
      <Field label="Job" htmlFor={ids.job} noMargin>
        <Combobox
          id={ids.job}
          options={jobOptions(facets, state.job)}
          value={state.job}
          onChange={(o) => onChange({ job: o?.value ?? null })}
          isClearable
          createCustomValue
          loading={facetsLoading}
          placeholder="All jobs"
          width={24}
        />
      </Field>
      <Field label="Kind" htmlFor={ids.kind} noMargin>
        <Combobox
          id={ids.kind}
          options={KIND_OPTIONS}
          value={state.kind}
          onChange={(o) => onChange({ kind: o?.value ?? null })}
          isClearable
          placeholder="All kinds"
          width={18}
        />
      </Field>
      <fieldset className={s.severity}>
        <legend className={s.legend}>Severity</legend>
        <div className={s.checks}>
          {SEVERITIES.map((sev) => (
            <Checkbox
              key={sev}
              label={sev}
              value={state.severity.includes(sev)}
              onChange={(e) => toggleSeverity(sev, e.currentTarget.checked)}
            />
          ))}
        </div>
      </fieldset>
      <SearchInput value={state.q} onSearch={onSearch} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css`
    display: flex;
    flex-wrap: wrap;
    gap: ${theme.spacing(2)};
    align-items: flex-end;
    margin-bottom: ${theme.spacing(2)};
  `,
  severity: css`
    border: none;
    margin: 0;
    padding: 0;
  `,
  legend: css`
    font-size: ${theme.typography.bodySmall.fontSize};
    font-weight: ${theme.typography.fontWeightMedium};
    color: ${theme.colors.text.primary};
    margin-bottom: ${theme.spacing(0.5)};
    padding: 0;
    border: none;
    float: none;
  `,
  checks: css`
    display: flex;
    gap: ${theme.spacing(1.5)};
    min-height: ${theme.spacing(theme.components.height.md)};
    align-items: center;
  `,
});
