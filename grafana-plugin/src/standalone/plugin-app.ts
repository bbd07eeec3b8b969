import {
  AppPlugin,
  type AppPluginMeta,
  type KeyValue,
  type PluginInclude,
  PluginIncludeType,
  type PluginMetaInfo,
  PluginType,
} from '@grafana/data';
import { PLUGIN_BASE_URL, PLUGIN_ID } from '../constants';
import { loadAmdModule } from './amd-loader';
import { SHARED_MODULES } from './shared-modules';

/** Where the engine serves the Grafana app's build, as Grafana does. */
export const PLUGIN_PUBLIC_PATH = `/public/plugins/${PLUGIN_ID}/`;

/** The Grafana app, loaded: its `AppPlugin`, the meta it was initialised with, and its nav. */
export interface LoadedApp {
  plugin: AppPlugin<KeyValue>;
  meta: AppPluginMeta<KeyValue>;
  pages: NavPage[];
}

/** A page of the app's nav, from `plugin.json`'s `includes`. */
export interface NavPage {
  text: string;
  url: string;
  icon?: string;
  isDefault: boolean;
}

/** What the host reads of `plugin.json`. */
export interface PluginJson {
  id: string;
  name: string;
  info: PluginMetaInfo;
  includes?: Array<{
    type: string;
    name: string;
    path?: string;
    icon?: string;
    addToNav?: boolean;
    defaultNav?: boolean;
  }>;
}

function isPluginJson(value: unknown): value is PluginJson {
  return Boolean(value && typeof value === 'object' && 'id' in value && value.id === PLUGIN_ID && 'info' in value);
}

/** The app's meta as Grafana gives it to an app: plugin.json with the paths Grafana fills in. */
export function appMeta(json: PluginJson): AppPluginMeta<KeyValue> {
  const logo = (path: string) => (path.startsWith('/') ? path : `${PLUGIN_PUBLIC_PATH}${path}`);
  return {
    id: json.id,
    name: json.name,
    type: PluginType.app,
    info: { ...json.info, logos: { small: logo(json.info.logos.small), large: logo(json.info.logos.large) } },
    includes: (json.includes ?? []).map((i): PluginInclude => ({
      name: i.name,
      path: i.path,
      icon: i.icon,
      addToNav: i.addToNav,
      type: i.type === 'page' ? PluginIncludeType.page : PluginIncludeType.dashboard,
    })),
    module: `${PLUGIN_PUBLIC_PATH}module.js`,
    baseUrl: PLUGIN_PUBLIC_PATH.replace(/\/$/, ''),
    enabled: true,
    pinned: true,
    // The engine is this server and the key stays in the session, so the app has no settings here.
    jsonData: {},
    secureJsonFields: {},
  };
}

/** The pages of the nav: `includes` of type page that Grafana adds to its nav, under the app's path. */
export function navPages(json: PluginJson): NavPage[] {
  return (json.includes ?? [])
    .filter((i) => i.type === 'page' && i.addToNav && i.path?.startsWith(`${PLUGIN_BASE_URL}/`))
    .map((i) => ({
      text: i.name,
      url: i.path ?? PLUGIN_BASE_URL,
      icon: i.icon,
      isDefault: Boolean(i.defaultNav),
    }));
}

/** The nav page a path is on: the longest matching page path, else the default page. */
export function currentPage(pages: NavPage[], pathname: string): NavPage | null {
  const matching = pages.filter((p) => pathname === p.url || pathname.startsWith(`${p.url}/`));
  matching.sort((a, b) => b.url.length - a.url.length);
  return matching[0] ?? pages.find((p) => p.isDefault) ?? pages[0] ?? null;
}

/** Loads `plugin.json` and `module.js` from the engine and initialises the app, as Grafana's plugin loader does. */
export async function loadApp(doFetch: typeof fetch = window.fetch.bind(window)): Promise<LoadedApp> {
  let json: unknown;
  try {
    const res = await doFetch(`${PLUGIN_PUBLIC_PATH}plugin.json`, { cache: 'no-cache' });
    if (!res.ok) {
      throw new Error(`HTTP ${res.status}`);
    }
    json = await res.json();
  } catch (err) {
    throw new Error(
      `The app's plugin.json could not be read from the engine (${err instanceof Error ? err.message : String(err)}).`
    );
  }
  if (!isPluginJson(json)) {
    throw new Error(`The engine serves another app than ${PLUGIN_ID}.`);
  }
  const meta = appMeta(json);
  const exports = await loadAmdModule(meta.module, SHARED_MODULES);
  const plugin = exports && typeof exports === 'object' && 'plugin' in exports ? exports.plugin : null;
  if (!(plugin instanceof AppPlugin)) {
    throw new Error(`${meta.module} does not export an app plugin.`);
  }
  plugin.meta = meta;
  plugin.init(meta);
  return { plugin, meta, pages: navPages(json) };
}
