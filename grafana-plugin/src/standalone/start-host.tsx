import React from 'react';
import { createRoot } from 'react-dom/client';
import { EventBusSrv } from '@grafana/data';
import { type EchoSrv, setAppEvents, setBackendSrv, setEchoSrv } from '@grafana/runtime';
import { setPluginPage } from 'grafana-runtime-plugin-page';
import { FetchBackendSrv } from './backend-srv';
import { HostApp } from './HostApp';
import { HostPage } from './HostPage';

/** Usage events go nowhere: the standalone pages report nothing to anyone. */
const silentEcho: EchoSrv = {
  flush: () => {},
  addBackend: () => {},
  addEvent: () => {},
};

/** Gives the runtime the services Grafana would (BackendSrv, PluginPage, app events) and renders the host. */
export function startHost(root: HTMLElement | null): void {
  if (!root) {
    throw new Error('the host page has no #root element');
  }
  setBackendSrv(new FetchBackendSrv());
  setPluginPage(HostPage);
  setEchoSrv(silentEcho);
  setAppEvents(new EventBusSrv());
  createRoot(root).render(<HostApp />);
}
