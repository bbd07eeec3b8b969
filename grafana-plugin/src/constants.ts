import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;
/** Where Grafana's plugin proxy forwards to the engine, adding the tenant's `X-API-Key` (plugin.json `routes`). */
export const ENGINE_PROXY_URL = `/api/plugin-proxy/${pluginJson.id}/engine`;

export enum ROUTES {
  Jobs = 'jobs',
  Explorer = 'explorer',
  Upload = 'upload',
}
