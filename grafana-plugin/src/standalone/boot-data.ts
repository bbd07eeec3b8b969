import { type BuildInfo, type CurrentUserDTO, OrgRole } from '@grafana/data';

/** Where the host keeps the chosen theme between visits. */
export const THEME_STORAGE_KEY = 'outlier.theme';

/** The theme a visitor chose last, dark when none. */
export function storedThemeId(storage: Pick<Storage, 'getItem'> = window.localStorage): 'dark' | 'light' {
  try {
    return storage.getItem(THEME_STORAGE_KEY) === 'light' ? 'light' : 'dark';
  } catch {
    // Storage can be disabled; the default theme is fine then.
    return 'dark';
  }
}

const user: Partial<CurrentUserDTO> = {
  isSignedIn: true,
  id: 0,
  uid: '',
  login: '',
  name: '',
  email: '',
  theme: storedThemeId(),
  orgId: 1,
  orgName: '',
  orgRole: OrgRole.Viewer,
  orgCount: 1,
  isGrafanaAdmin: false,
  timezone: 'browser',
  weekStart: 'browser',
  regionalFormat: '',
  language: 'en-US',
  permissions: {},
};

const buildInfo: Partial<BuildInfo> = {
  // The version of the @grafana/* libraries the host bundles: what pages may check features against.
  version: '12.4.10',
  versionString: 'Outlier (Grafana libraries 12.4.10)',
  commit: '',
  env: 'production',
  latestVersion: '',
  hasUpdate: false,
  hideVersion: true,
};

// @grafana/runtime builds its `config` from this object when its module is first evaluated, so this module is
// imported before anything that imports the runtime.
Object.assign(window, {
  grafanaBootData: {
    user,
    settings: { appSubUrl: '', appUrl: `${window.location.origin}/`, buildInfo, featureToggles: {}, apps: {} },
    navTree: [],
    assets: { dark: '', light: '' },
  },
  // @grafana/ui draws icons from `<this>build/img/icons/` and fonts from `<this>fonts/`.
  __grafana_public_path__: '/ui/',
});
