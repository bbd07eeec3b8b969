import { currentPage, navPages, type PluginJson } from './plugin-app';

const json: PluginJson = {
  id: 'outlier-anomaly-app',
  name: 'Outlier',
  info: {
    author: { name: 'Outlier' },
    description: '',
    links: [],
    logos: { small: 'img/logo.svg', large: 'img/logo.svg' },
    screenshots: [],
    updated: '',
    version: '1.0.0',
  },
  includes: [
    { type: 'page', name: 'Upload', path: '/a/outlier-anomaly-app/upload', addToNav: true },
    { type: 'page', name: 'Jobs', path: '/a/outlier-anomaly-app/jobs', addToNav: true, defaultNav: true },
    { type: 'page', name: 'Explorer', path: '/a/outlier-anomaly-app/explorer', addToNav: true },
    { type: 'page', name: 'Configuration', path: '/plugins/outlier-anomaly-app', addToNav: true },
    { type: 'dashboard', name: 'Overview', path: 'dashboards/overview.json', addToNav: true },
  ],
};

describe("the app's nav outside Grafana", () => {
  it("lists the app's pages in plugin.json's order, without Grafana's own pages", () => {
    expect(navPages(json).map((p) => p.text)).toEqual(['Upload', 'Jobs', 'Explorer']);
  });

  it('finds the page a path is on, and the default page at the root', () => {
    const pages = navPages(json);
    expect(currentPage(pages, '/a/outlier-anomaly-app/explorer')?.text).toBe('Explorer');
    expect(currentPage(pages, '/a/outlier-anomaly-app/jobs/42')?.text).toBe('Jobs');
    expect(currentPage(pages, '/a/outlier-anomaly-app')?.text).toBe('Jobs');
    expect(currentPage(pages, '/a/outlier-anomaly-app/uploads')?.text).toBe('Jobs');
  });
});
