// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const swc = base.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  // Some of @grafana/ui's dependencies (d3-color, …) ship only `.mjs`.
  transform: { ...base.transform, '^.+\\.mjs$': swc },
  moduleFileExtensions: ['js', 'mjs', 'cjs', 'jsx', 'ts', 'tsx', 'json', 'node'],
  // Rendering @grafana/ui components is slow on a first, cold run.
  testTimeout: 30000,
};
