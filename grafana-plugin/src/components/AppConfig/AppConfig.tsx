import React, { type ChangeEvent, type FormEvent, useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack, useStyles2 } from '@grafana/ui';
import { EngineApi } from '../../api/engine-api';
import { ENGINE_PROXY_URL } from '../../constants';
import { DEFAULT_LOKI_UID } from '../../pages/Explorer/explore-link';
import { testIds } from '../testIds';

/** What the app keeps in `jsonData`; the API key goes to `secureJsonData` and never returns to the browser. */
export type AppSettings = {
  engineUrl?: string;
  /** The Loki data source the explorer's "Open in Explore" opens (default {@link DEFAULT_LOKI_UID}). */
  lokiDatasourceUid?: string;
};

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

type Check = { ok: boolean; message: string } | null;

const AppConfig = ({ plugin }: AppConfigProps) => {
  const s = useStyles2(getStyles);
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [engineUrl, setEngineUrl] = useState(jsonData?.engineUrl ?? '');
  const [lokiUid, setLokiUid] = useState(jsonData?.lokiDatasourceUid ?? DEFAULT_LOKI_UID);
  const [apiKey, setApiKey] = useState('');
  const [keySet, setKeySet] = useState(Boolean(secureJsonFields?.apiKey));
  const [check, setCheck] = useState<Check>(null);
  const [saving, setSaving] = useState(false);

  const urlError = engineUrl && !/^https?:\/\/[^\s]+$/.test(engineUrl) ? 'An http:// or https:// URL' : '';
  const canSave = Boolean(engineUrl) && !urlError && (keySet || Boolean(apiKey));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!canSave) {
      return;
    }
    setSaving(true);
    try {
      await updatePlugin(plugin.meta.id, {
        enabled,
        pinned,
        // Settings this page does not show (provisioned ones too) are kept.
        jsonData: {
          ...jsonData,
          engineUrl: engineUrl.replace(/\/+$/, ''),
          lokiDatasourceUid: lokiUid.trim() || DEFAULT_LOKI_UID,
        },
        // Left out when unchanged, so a key set earlier is kept.
        secureJsonData: keySet ? undefined : { apiKey },
      });
      // Grafana reads plugin settings once per page load.
      window.location.reload();
    } catch (err) {
      setCheck({
        ok: false,
        message: `Could not save the settings: ${err instanceof Error ? err.message : String(err)}`,
      });
      setSaving(false);
    }
  };

  const onTest = async () => {
    setCheck(null);
    try {
      await new EngineApi({ baseUrl: ENGINE_PROXY_URL }).listJobs(null, 1);
      setCheck({ ok: true, message: 'The engine answered and accepted the API key.' });
    } catch (err) {
      setCheck({ ok: false, message: err instanceof Error ? err.message : String(err) });
    }
  };

  return (
    <form onSubmit={onSubmit}>
      <FieldSet label="Outlier engine">
        <Field
          label="Engine URL"
          description="Where Grafana's server reaches the engine, e.g. http://engine:8085"
          invalid={Boolean(urlError)}
          error={urlError}
        >
          <Input
            width={60}
            id="config-engine-url"
            data-testid={testIds.appConfig.engineUrl}
            value={engineUrl}
            placeholder="http://engine:8085"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setEngineUrl(e.target.value.trim())}
          />
        </Field>
        <Field
          label="API key"
          description="The tenant's key. Stored encrypted by Grafana and added by its proxy: it never reaches the browser."
          className={s.marginTop}
        >
          <SecretInput
            width={60}
            id="config-api-key"
            data-testid={testIds.appConfig.apiKey}
            value={apiKey}
            isConfigured={keySet}
            placeholder="olk_…"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setApiKey(e.target.value.trim())}
            onReset={() => {
              setApiKey('');
              setKeySet(false);
            }}
          />
        </Field>
        <Field
          label="Loki data source for “Open in Explore”"
          description="The uid of the Loki data source that holds your logs and Outlier's detection stream; an anomaly's logs open there."
          className={s.marginTop}
        >
          <Input
            width={60}
            id="config-loki-uid"
            value={lokiUid}
            placeholder={DEFAULT_LOKI_UID}
            onChange={(e: ChangeEvent<HTMLInputElement>) => setLokiUid(e.target.value)}
          />
        </Field>
        {check && (
          <Alert severity={check.ok ? 'success' : 'error'} title={check.ok ? 'Connected' : 'Not connected'}>
            {check.message}
          </Alert>
        )}
        <Stack gap={1}>
          <Button type="submit" data-testid={testIds.appConfig.submit} disabled={!canSave || saving}>
            Save settings
          </Button>
          <Button
            type="button"
            variant="secondary"
            data-testid={testIds.appConfig.test}
            disabled={!jsonData?.engineUrl}
            tooltip={jsonData?.engineUrl ? undefined : 'Save the settings first'}
            onClick={onTest}
          >
            Test connection
          </Button>
        </Stack>
      </FieldSet>
    </form>
  );
};

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  marginTop: css`
    margin-top: ${theme.spacing(2)};
  `,
});

const updatePlugin = async (pluginId: string, data: Partial<PluginMeta>) => {
  const response = getBackendSrv().fetch({ url: `/api/plugins/${pluginId}/settings`, method: 'POST', data });
  return lastValueFrom(response);
};
