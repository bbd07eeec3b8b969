import React, { useEffect } from 'react';
import { useLocation } from 'react-router-dom';
import { css } from '@emotion/css';
import { type GrafanaTheme2, PageLayoutType } from '@grafana/data';
import type { PluginPageProps } from '@grafana/runtime';
import { useStyles2 } from '@grafana/ui';
import { useHost } from './host-context';
import { currentPage } from './plugin-app';

/**
 * `PluginPage` outside Grafana: the page's title (its `pageNav`, else the nav page it is on), subtitle, info and
 * actions above its content, laid out as Grafana lays out app pages.
 */
export function HostPage({
  children,
  pageNav,
  subTitle,
  actions,
  info,
  renderTitle,
  layout,
  background,
}: PluginPageProps) {
  const s = useStyles2(getStyles);
  const { pages } = useHost();
  const { pathname } = useLocation();
  const title = pageNav?.text ?? currentPage(pages, pathname)?.text ?? 'Outlier';
  useEffect(() => {
    document.title = `${title} · Outlier`;
  }, [title]);
  if (layout === PageLayoutType.Custom) {
    return <>{children}</>;
  }
  return (
    <div className={s.page}>
      <header className={s.header}>
        <div className={s.titleRow}>
          {renderTitle ? renderTitle(title) : <h1 className={s.title}>{title}</h1>}
          {actions && <div className={s.actions}>{actions}</div>}
        </div>
        {subTitle && <div className={s.subTitle}>{subTitle}</div>}
        {info && info.length > 0 && (
          <dl className={s.info}>
            {info.map((item) => (
              <div key={item.label} className={s.infoItem}>
                <dt>{item.label}</dt>
                <dd>{item.value}</dd>
              </div>
            ))}
          </dl>
        )}
      </header>
      <div className={background === 'canvas' || layout === PageLayoutType.Canvas ? s.canvas : s.content}>
        {children}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(2),
    padding: theme.spacing(3),
    maxWidth: '100%',
  }),
  header: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
  titleRow: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    justifyContent: 'space-between',
    gap: theme.spacing(2),
  }),
  title: css({
    margin: 0,
    fontSize: theme.typography.h2.fontSize,
    fontWeight: theme.typography.h2.fontWeight,
    lineHeight: theme.typography.h2.lineHeight,
  }),
  actions: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
  }),
  subTitle: css({
    color: theme.colors.text.secondary,
  }),
  info: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(3),
    margin: 0,
    dt: { color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize },
    dd: { margin: 0 },
  }),
  infoItem: css({
    display: 'flex',
    flexDirection: 'column',
  }),
  content: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
  }),
  canvas: css({}),
});
