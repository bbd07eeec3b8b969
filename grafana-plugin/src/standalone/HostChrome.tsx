import React, { type ReactNode } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Icon, IconButton, type IconName, useStyles2 } from '@grafana/ui';
import { useHost } from './host-context';
import { currentPage } from './plugin-app';

function isIconName(name: string | undefined): name is IconName {
  return typeof name === 'string' && name.length > 0;
}

/** The frame around the app's pages: the product, the app's nav, the tenant, the theme switch and sign-out. */
export function HostChrome({ children }: { children: ReactNode }) {
  const s = useStyles2(getStyles);
  const { tenant, pages, logoUrl, themeId, toggleTheme, signOut } = useHost();
  const { pathname } = useLocation();
  const active = currentPage(pages, pathname);
  const home = pages.find((p) => p.isDefault) ?? pages[0];
  return (
    <div className={s.frame}>
      <header className={s.bar}>
        <Link to={home?.url ?? '/'} className={s.brand}>
          {logoUrl && <img src={logoUrl} alt="" width={24} height={24} />}
          <span>Outlier</span>
        </Link>
        <nav aria-label="Outlier pages" className={s.nav}>
          {pages.map((page) => {
            const isActive = active?.url === page.url;
            return (
              <Link
                key={page.url}
                to={page.url}
                className={cx(s.navLink, isActive && s.navLinkActive)}
                aria-current={isActive ? 'page' : undefined}
              >
                {isIconName(page.icon) && <Icon name={page.icon} />}
                {page.text}
              </Link>
            );
          })}
        </nav>
        <div className={s.right}>
          {tenant && (
            <span className={s.tenant}>
              <Icon name="user" /> {tenant}
            </span>
          )}
          <IconButton
            name="adjust-circle"
            size="lg"
            tooltip={themeId === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'}
            onClick={toggleTheme}
          />
          <Button size="sm" variant="secondary" fill="outline" icon="signout" onClick={signOut}>
            Sign out
          </Button>
        </div>
      </header>
      <main className={s.main}>{children}</main>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  frame: css({
    minHeight: '100vh',
    display: 'flex',
    flexDirection: 'column',
    background: theme.colors.background.canvas,
  }),
  bar: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(3),
    minHeight: 48,
    padding: theme.spacing(0, 2),
    background: theme.colors.background.primary,
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    flexWrap: 'wrap',
  }),
  brand: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    color: theme.colors.text.primary,
    fontSize: theme.typography.h4.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    '&:hover': { textDecoration: 'none' },
  }),
  nav: css({
    display: 'flex',
    alignSelf: 'stretch',
    gap: theme.spacing(0.5),
    flex: 1,
  }),
  navLink: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(0, 1.5),
    color: theme.colors.text.secondary,
    borderBottom: '2px solid transparent',
    '&:hover': { color: theme.colors.text.primary, textDecoration: 'none' },
    '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}`, outlineOffset: -2 },
  }),
  navLinkActive: css({
    color: theme.colors.text.primary,
    borderBottomColor: theme.colors.primary.main,
  }),
  right: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
  }),
  tenant: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    color: theme.colors.text.secondary,
  }),
  main: css({
    flex: 1,
  }),
});
