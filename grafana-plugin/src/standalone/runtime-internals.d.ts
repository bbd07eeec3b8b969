/**
 * `setPluginPage` is how Grafana gives `PluginPage` its layout; @grafana/runtime keeps it out of its public exports,
 * so webpack.standalone.config.ts points this name at the runtime's own module (the one its index re-exports).
 */
declare module 'grafana-runtime-plugin-page' {
  import type { PluginPageType } from '@grafana/runtime';

  export function setPluginPage(component: PluginPageType): void;
}
