/**
 * @jest-environment ./src/standalone/jsdom-with-fetch.js
 */
import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { AppPlugin, type AppPluginMeta, PluginType } from '@grafana/data';
import { setBackendSrv } from '@grafana/runtime';
import { FetchBackendSrv } from '../../standalone/backend-srv';
import AppConfig, { type AppConfigProps, type AppSettings } from './AppConfig';
import { testIds } from 'components/testIds';

function props(
  jsonData: AppSettings & Record<string, unknown>,
  secureJsonFields: Record<string, boolean>
): AppConfigProps {
  const meta: AppPluginMeta<AppSettings> = {
    id: 'outlier-anomaly-app',
    name: 'Outlier',
    type: PluginType.app,
    info: {
      author: { name: 'Outlier' },
      description: 'Anomaly detection',
      links: [],
      logos: { small: '', large: '' },
      screenshots: [],
      updated: '2026-12-01',
      version: '1.0.0',
    },
    module: '',
    baseUrl: '',
    enabled: true,
    pinned: true,
    jsonData,
    secureJsonFields,
  };
  const plugin = new AppPlugin<AppSettings>();
  plugin.meta = meta;
  return { plugin, query: {} };
}

/** Grafana's settings API as the page calls it, recording what it was sent. */
function settingsApi() {
  const posted: unknown[] = [];
  setBackendSrv(
    new FetchBackendSrv(async (input, init) => {
      if (String(input) === '/api/plugins/outlier-anomaly-app/settings' && init?.method === 'POST') {
        posted.push(JSON.parse(String(init.body)));
        return new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } });
      }
      return new Response('{"message":"not found"}', { status: 404 });
    })
  );
  return posted;
}

/**
 * Counts the page's reloads after a save (Grafana reads plugin settings once per page load): jsdom cannot navigate
 * and reports each one as a "not implemented" console error, which is kept out of the output.
 */
function watchReloads() {
  const original = console.error;
  let reloads = 0;
  const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    if (String(args[0]).includes('Not implemented: navigation')) {
      reloads++;
    } else {
      original(...args);
    }
  });
  return { count: () => reloads, restore: () => spy.mockRestore() };
}

describe('AppConfig', () => {
  test('shows the engine URL and whether the key is set, never the key itself', () => {
    render(<AppConfig {...props({ engineUrl: 'http://engine:8085' }, { apiKey: true })} />);
    expect(screen.getByRole('group', { name: /outlier engine/i })).toBeInTheDocument();
    expect(screen.getByLabelText(/engine url/i)).toHaveValue('http://engine:8085');
    expect(screen.getByTestId(testIds.appConfig.apiKey)).toHaveValue('configured');
    expect(screen.getByRole('button', { name: /save settings/i })).toBeEnabled();
    expect(screen.getByRole('button', { name: /test connection/i })).toBeEnabled();
  });

  test('cannot save without a URL and a key, and names a bad URL', () => {
    render(<AppConfig {...props({ engineUrl: 'engine:8085' }, {})} />);
    expect(screen.getByText('An http:// or https:// URL')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /save settings/i })).toBeDisabled();
  });

  test('offers the Loki data source of "Open in Explore", the provisioned one by default', () => {
    render(<AppConfig {...props({ engineUrl: 'http://engine:8085' }, { apiKey: true })} />);
    expect(screen.getByLabelText(/loki data source/i)).toHaveValue('outlier-loki');
  });

  test('saves the Loki data source and keeps the settings the page does not show', async () => {
    const posted = settingsApi();
    render(
      <AppConfig
        {...props(
          { engineUrl: 'http://engine:8085', lokiDatasourceUid: 'old-loki', provisionedBy: 'ops' },
          { apiKey: true }
        )}
      />
    );
    const loki = screen.getByLabelText(/loki data source/i);
    expect(loki).toHaveValue('old-loki');
    fireEvent.change(loki, { target: { value: 'team-loki' } });
    fireEvent.change(screen.getByLabelText(/engine url/i), { target: { value: 'http://outlier:8085/' } });
    const reloads = watchReloads();
    fireEvent.click(screen.getByRole('button', { name: /save settings/i }));
    await waitFor(() => expect(reloads.count()).toBe(1));
    reloads.restore();
    expect(posted).toHaveLength(1);
    expect(posted[0]).toEqual({
      enabled: true,
      pinned: true,
      jsonData: { engineUrl: 'http://outlier:8085', lokiDatasourceUid: 'team-loki', provisionedBy: 'ops' },
    });
  });

  test('saves the provisioned Loki data source when the field is left empty', async () => {
    const posted = settingsApi();
    render(<AppConfig {...props({ engineUrl: 'http://engine:8085' }, { apiKey: true })} />);
    fireEvent.change(screen.getByLabelText(/loki data source/i), { target: { value: '  ' } });
    const reloads = watchReloads();
    fireEvent.click(screen.getByRole('button', { name: /save settings/i }));
    await waitFor(() => expect(reloads.count()).toBe(1));
    reloads.restore();
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      jsonData: { engineUrl: 'http://engine:8085', lokiDatasourceUid: 'outlier-loki' },
    });
  });
});
