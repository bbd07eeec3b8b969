import React, { type ReactNode, useLayoutEffect, useMemo, useState } from 'react';
import { type Navigator, NavigationType, type Path, Router, type To } from 'react-router-dom';
import { locationService } from '@grafana/runtime';

/** The parts of the `history` v4 object behind Grafana's `locationService` that the router uses. */
interface BrowserHistory {
  location: { pathname: string; search: string; hash: string; state: unknown; key?: string };
  action: 'POP' | 'PUSH' | 'REPLACE';
  listen(listener: (location: BrowserHistory['location'], action: BrowserHistory['action']) => void): () => void;
  push(path: string | Partial<Path>, state?: unknown): void;
  replace(path: string | Partial<Path>, state?: unknown): void;
  go(delta: number): void;
  createHref(location: Partial<Path>): string;
}

const ACTIONS: Record<BrowserHistory['action'], NavigationType> = {
  POP: NavigationType.Pop,
  PUSH: NavigationType.Push,
  REPLACE: NavigationType.Replace,
};

function toPath(to: To): Partial<Path> {
  return typeof to === 'string' ? { pathname: to } : to;
}

/**
 * A router on the same history as `locationService`, as in Grafana: pages that navigate with react-router and
 * pages that call `locationService.partial({ from, to })` see the same location.
 */
export function HistoryRouter({ children }: { children: ReactNode }) {
  const history: BrowserHistory = locationService.getHistory();
  const [state, setState] = useState({ location: history.location, action: history.action });
  useLayoutEffect(() => history.listen((location, action) => setState({ location, action })), [history]);
  const navigator = useMemo<Navigator>(
    () => ({
      createHref: (to) => (typeof to === 'string' ? to : history.createHref(to)),
      go: (delta) => history.go(delta),
      push: (to, s) => history.push(typeof to === 'string' ? to : toPath(to), s),
      replace: (to, s) => history.replace(typeof to === 'string' ? to : toPath(to), s),
    }),
    [history]
  );
  return (
    <Router navigator={navigator} location={state.location} navigationType={ACTIONS[state.action]}>
      {children}
    </Router>
  );
}
