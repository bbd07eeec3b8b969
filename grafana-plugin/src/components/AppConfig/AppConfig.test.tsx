import React from 'react';
import { render, screen } from '@testing-library/react';
import { PluginType } from '@grafana/data';
import AppConfig, { type AppConfigProps } from './AppConfig';
import { testIds } from 'components/testIds';

function props(jsonData: Record<string, unknown>, secureJsonFields: Record<string, boolean>): AppConfigProps {
  return {
    plugin: {
      meta: {
        id: 'outlier-anomaly-app',
        name: 'Outlier',
        type: PluginType.app,
        enabled: true,
        jsonData,
        secureJsonFields,
      },
    },
    query: {},
  } as unknown as AppConfigProps;
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
});
