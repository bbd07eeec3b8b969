import React, { useCallback, useEffect, useMemo, useState } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { css } from '@emotion/css';
import {
  type AppRootProps,
  getThemeById,
  type GrafanaTheme2,
  PluginContextProvider,
  ThemeContext,
} from '@grafana/data';
import { config, locationService } from '@grafana/runtime';
import { Alert, Button, ErrorBoundary, GlobalStyles, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { PLUGIN_BASE_URL } from '../constants';
import { THEME_STORAGE_KEY, storedThemeId } from './boot-data';
import { HistoryRouter } from './HistoryRouter';
import { HostChrome } from './HostChrome';
import { HostContext, type HostState } from './host-context';
import { type LoadedApp, loadApp, PLUGIN_PUBLIC_PATH } from './plugin-app';
import { type HostSession, readSession, signOut, watchSignOut } from './session';
import { SignIn } from './SignIn';

type SessionState =
  | { kind: 'checking' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'signed-out'; notice?: string }
  | { kind: 'signed-in'; session: HostSession; serial: number };

type AppState = { kind: 'none' } | { kind: 'loaded'; app: LoadedApp } | { kind: 'failed'; message: string };

const LOGO_URL = `${PLUGIN_PUBLIC_PATH}img/logo.svg`;

function applyTheme(theme: GrafanaTheme2): void {
  // Code that reads the runtime's config instead of the theme context sees the same theme.
  config.theme2 = theme;
  config.bootData.user.theme = theme.isLight ? 'light' : 'dark';
}

/* eslint-disable @typescript-eslint/no-deprecated -- AppRootProps still requires the props Grafana gives */
function rootProps(app: LoadedApp, pathname: string, search: string): AppRootProps {
  return {
    meta: app.meta,
    basename: PLUGIN_BASE_URL,
    onNavChanged: () => {},
    query: Object.fromEntries(new URLSearchParams(search)),
    path: pathname,
  };
}
/* eslint-enable @typescript-eslint/no-deprecated */

/** Renders the app's root page as Grafana does, with its meta, under `/a/<plugin id>`. */
function AppRoot({ app }: { app: LoadedApp }) {
  const Root = app.plugin.root;
  const { pathname, search } = useLocation();
  if (!Root) {
    return <Alert title="The Outlier app has no pages">Its module.js defines no root page.</Alert>;
  }
  return (
    <PluginContextProvider meta={app.meta}>
      <Root {...rootProps(app, pathname, search)} />
    </PluginContextProvider>
  );
}

/** A page that failed while rendering, in words; moving to another page tries again. */
function PageError({ error }: { error: Error }) {
  return (
    <div style={{ padding: 24 }}>
      <Alert severity="error" title="This page stopped working">
        {error.message || 'It failed while drawing.'} Reload the page to try again.
      </Alert>
    </div>
  );
}

/**
 * The standalone host: theme, global styles, a router on Grafana's location service, sign-in, and the Grafana
 * app's root page loaded from the engine, as Grafana would render it.
 */
export function HostApp() {
  const s = useStyles2(getStyles);
  const [themeId, setThemeId] = useState<'dark' | 'light'>(storedThemeId);
  const theme = useMemo(() => getThemeById(themeId), [themeId]);
  const [session, setSession] = useState<SessionState>({ kind: 'checking' });
  const [app, setApp] = useState<AppState>({ kind: 'none' });

  applyTheme(theme);

  const probe = useCallback(() => {
    readSession().then(
      (found) => setSession(found ? { kind: 'signed-in', session: found, serial: Date.now() } : { kind: 'signed-out' }),
      (err) => setSession({ kind: 'unreachable', message: err instanceof Error ? err.message : String(err) })
    );
  }, []);
  useEffect(probe, [probe]);
  const retry = () => {
    setSession({ kind: 'checking' });
    probe();
  };

  useEffect(
    () =>
      watchSignOut(window, () =>
        setSession((current) =>
          current.kind === 'signed-in'
            ? { kind: 'signed-out', notice: 'Your session has ended. Sign in again to go on where you were.' }
            : current
        )
      ),
    []
  );

  // The app's build is public (only the API needs a session): it loads while the session is checked, not after.
  useEffect(() => {
    if (app.kind !== 'none') {
      return;
    }
    loadApp().then(
      (loaded) => setApp({ kind: 'loaded', app: loaded }),
      (err) => setApp({ kind: 'failed', message: err instanceof Error ? err.message : String(err) })
    );
  }, [app.kind]);

  const toggleTheme = useCallback(() => {
    setThemeId((id) => {
      const next = id === 'dark' ? 'light' : 'dark';
      try {
        window.localStorage.setItem(THEME_STORAGE_KEY, next);
      } catch {
        // the choice lasts until the page is closed
      }
      return next;
    });
  }, []);

  const onSignOut = useCallback(() => {
    signOut().then(
      () => setSession({ kind: 'signed-out' }),
      (err) => setSession({ kind: 'unreachable', message: err instanceof Error ? err.message : String(err) })
    );
  }, []);

  const host = useMemo<HostState>(
    () => ({
      tenant: session.kind === 'signed-in' ? session.session.tenant : '',
      pages: app.kind === 'loaded' ? app.app.pages : [],
      logoUrl: LOGO_URL,
      themeId,
      toggleTheme,
      signOut: onSignOut,
    }),
    [session, app, themeId, toggleTheme, onSignOut]
  );

  let content: React.ReactNode;
  if (session.kind === 'checking') {
    content = (
      <div className={s.centered}>
        <LoadingPlaceholder text="Connecting to the engine…" />
      </div>
    );
  } else if (session.kind === 'unreachable') {
    content = (
      <div className={s.centered}>
        <Alert severity="error" title="The Outlier engine did not answer">
          {session.message}
          <div className={s.retry}>
            <Button variant="secondary" onClick={retry}>
              Try again
            </Button>
          </div>
        </Alert>
      </div>
    );
  } else if (session.kind === 'signed-out') {
    content = (
      <SignIn
        logoUrl={LOGO_URL}
        notice={session.notice}
        onSignedIn={(found) => setSession({ kind: 'signed-in', session: found, serial: Date.now() })}
      />
    );
  } else if (app.kind === 'none') {
    content = (
      <div className={s.centered}>
        <LoadingPlaceholder text="Loading Outlier…" />
      </div>
    );
  } else if (app.kind === 'failed') {
    content = (
      <div className={s.centered}>
        <Alert severity="error" title="The Outlier pages could not be loaded">
          {app.message} Rebuilding them (<code>npm run build</code>) and restarting the engine usually helps.
        </Alert>
      </div>
    );
  } else {
    const home = app.app.pages.find((p) => p.isDefault) ?? app.app.pages[0];
    content = (
      <HostChrome>
        <Routes>
          <Route
            path={`${PLUGIN_BASE_URL}/*`}
            element={
              <ErrorBoundary dependencies={[locationService.getLocation().pathname]}>
                {({ error }) => (error ? <PageError error={error} /> : <AppRoot key={session.serial} app={app.app} />)}
              </ErrorBoundary>
            }
          />
          <Route path="*" element={<Navigate to={home?.url ?? PLUGIN_BASE_URL} replace />} />
        </Routes>
      </HostChrome>
    );
  }

  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <HostContext.Provider value={host}>
        <HistoryRouter>{content}</HistoryRouter>
      </HostContext.Provider>
    </ThemeContext.Provider>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  centered: css({
    minHeight: '100vh',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    padding: theme.spacing(2),
    background: theme.colors.background.canvas,
    '& > *': { maxWidth: 640 },
  }),
  retry: css({
    marginTop: theme.spacing(2),
  }),
});
