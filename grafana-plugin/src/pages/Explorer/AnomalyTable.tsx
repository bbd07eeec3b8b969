import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import type { TimeZone } from '@grafana/schema';
import { Badge, Button, Icon, useStyles2 } from '@grafana/ui';
import type { AnomalySort, Detection } from '../../api/engine-api';
import { testIds } from '../../components/testIds';
import { formatScore, formatTime, KIND_WORDS, SEVERITY_BADGES, summaryOf } from './format';

export interface AnomalyTableProps {
  items: Detection[];
  sort: AnomalySort;
  onSort: (sort: AnomalySort) => void;
  onOpen: (id: string) => void;
  selectedId: string | null;
  timeZone: TimeZone;
  /** A new first page is on its way: the rows shown are the previous ones. */
  stale: boolean;
  nextCursor: string | null;
  loadingMore: boolean;
  onLoadMore: () => void;
}

/** A column header that sorts on the server: the first click picks `first`, the next one reverses it. */
function SortHeader(props: {
  label: string;
  desc: AnomalySort;
  asc: AnomalySort;
  sort: AnomalySort;
  onSort: (sort: AnomalySort) => void;
  className: string;
}) {
  const { label, desc, asc, sort, onSort, className } = props;
  const active = sort === desc || sort === asc;
  const next = sort === desc ? asc : desc;
  return (
    <th scope="col" aria-sort={sort === desc ? 'descending' : sort === asc ? 'ascending' : 'none'}>
      <button
        type="button"
        className={className}
        onClick={() => onSort(next)}
        title={`Sort by ${label.toLowerCase()}, ${next === desc ? 'highest or newest' : 'lowest or oldest'} first`}
      >
        {label}
        {active && <Icon name={sort === desc ? 'arrow-down' : 'arrow-up'} size="sm" aria-hidden />}
      </button>
    </th>
  );
}

/** Moves focus between rows with the arrow keys; Enter or Space opens the focused row. */
function onRowKey(e: React.KeyboardEvent<HTMLTableRowElement>, open: () => void) {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    open();
  } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    const sibling = e.key === 'ArrowDown' ? e.currentTarget.nextElementSibling : e.currentTarget.previousElementSibling;
    if (sibling instanceof HTMLElement) {
      e.preventDefault();
      sibling.focus();
    }
  }
}

/** The anomalies, sortable by time and score on the server, with keyset "Load more". */
export function AnomalyTable(props: AnomalyTableProps) {
  const { items, sort, onSort, onOpen, selectedId, timeZone, stale, nextCursor, loadingMore, onLoadMore } = props;
  const s = useStyles2(getStyles);
  return (
    <div>
      <table className={cx(s.table, stale && s.stale)} data-testid={testIds.explorer.table} aria-busy={stale}>
        <caption className={s.hidden}>
          Anomalies; select a row with Enter to see its evidence. Use the Time and Score headers to sort.
        </caption>
        <thead>
          <tr>
            <SortHeader label="Time" desc="time_desc" asc="time_asc" sort={sort} onSort={onSort} className={s.sort} />
            <th scope="col">Service</th>
            <th scope="col">Severity</th>
            <SortHeader
              label="Score"
              desc="score_desc"
              asc="score_asc"
              sort={sort}
              onSort={onSort}
              className={s.sort}
            />
            <th scope="col">Kind</th>
            <th scope="col">Template or explanation</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => {
            const badge = SEVERITY_BADGES[d.severity ?? 'none'];
            const open = () => onOpen(d.id);
            return (
              <tr
                key={d.id}
                tabIndex={0}
                className={cx(s.row, d.id === selectedId && s.selected)}
                aria-selected={d.id === selectedId}
                onClick={open}
                onKeyDown={(e) => onRowKey(e, open)}
                data-testid={testIds.explorer.row}
              >
                <td className={s.nowrap}>{formatTime(d.timestamp, timeZone)}</td>
                <td>{d.service ?? <span className={s.muted}>no service</span>}</td>
                <td>
                  <Badge text={badge.text} color={badge.color} icon={badge.icon} />
                </td>
                <td className={s.number}>{formatScore(d.score)}</td>
                <td className={s.nowrap}>{KIND_WORDS[d.kind]}</td>
                <td className={s.summary} title={summaryOf(d)}>
                  {summaryOf(d)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {nextCursor && (
        <Button
          variant="secondary"
          className={s.more}
          onClick={onLoadMore}
          disabled={loadingMore || stale}
          icon={loadingMore ? 'spinner' : undefined}
          data-testid={testIds.explorer.loadMore}
        >
          {loadingMore ? 'Loading…' : 'Load more'}
        </Button>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css`
    width: 100%;
    border-collapse: collapse;
    table-layout: fixed;
    th,
    td {
      padding: ${theme.spacing(0.75, 1)};
      border-bottom: 1px solid ${theme.colors.border.weak};
      text-align: left;
      vertical-align: middle;
    }
    th {
      color: ${theme.colors.text.secondary};
      font-weight: ${theme.typography.fontWeightMedium};
    }
    th:nth-child(1) {
      width: 170px;
    }
    th:nth-child(2) {
      width: 16%;
    }
    th:nth-child(3) {
      width: 140px;
    }
    th:nth-child(4) {
      width: 90px;
    }
    th:nth-child(5) {
      width: 110px;
    }
  `,
  stale: css`
    opacity: 0.6;
  `,
  row: css`
    cursor: pointer;
    &:hover {
      background: ${theme.colors.action.hover};
    }
    &:focus-visible {
      outline: 2px solid ${theme.colors.primary.main};
      outline-offset: -2px;
    }
  `,
  selected: css`
    background: ${theme.colors.action.selected};
  `,
  sort: css`
    display: inline-flex;
    gap: ${theme.spacing(0.5)};
    align-items: center;
    background: none;
    border: none;
    padding: 0;
    color: inherit;
    font: inherit;
    cursor: pointer;
    &:focus-visible {
      outline: 2px solid ${theme.colors.primary.main};
    }
  `,
  number: css`
    font-variant-numeric: tabular-nums;
  `,
  nowrap: css`
    white-space: nowrap;
  `,
  summary: css`
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    font-family: ${theme.typography.fontFamilyMonospace};
    font-size: ${theme.typography.bodySmall.fontSize};
  `,
  muted: css`
    color: ${theme.colors.text.secondary};
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
});
