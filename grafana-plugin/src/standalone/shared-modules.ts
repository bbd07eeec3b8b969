import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as i18next from 'i18next';
import * as lodash from 'lodash';
import * as react from 'react';
import * as reactDom from 'react-dom';
import * as jsxRuntime from 'react/jsx-runtime';
import * as reactRouter from 'react-router';
import * as reactRouterDom from 'react-router-dom';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';

/**
 * The modules Grafana shares with plugins, by the names the plugin build's externals use
 * (`.config/bundler/externals.ts`); each is bundled once here and handed to the app's AMD `module.js`.
 * Grafana's other shared modules (moment, d3, jquery, slate, …) are not used by the pages (the lint rules keep
 * moment out), so the host leaves them out.
 */
export const SHARED_MODULES: Readonly<Record<string, unknown>> = {
  '@emotion/css': emotionCss,
  '@emotion/react': emotionReact,
  '@grafana/data': grafanaData,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/ui': grafanaUi,
  i18next,
  lodash,
  react,
  'react-dom': reactDom,
  'react/jsx-runtime': jsxRuntime,
  'react-router': reactRouter,
  'react-router-dom': reactRouterDom,
  rxjs,
  'rxjs/operators': rxjsOperators,
};
