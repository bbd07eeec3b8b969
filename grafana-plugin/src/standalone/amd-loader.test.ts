import { instantiate, MissingModulesError, parseDefine } from './amd-loader';

describe('the AMD loader', () => {
  const modules = { react: { createElement: 'ce' }, '@grafana/data': { dateTime: 'dt' } };

  it('reads the three forms of define', () => {
    const f = () => 1;
    expect(parseDefine([['react'], f])).toEqual({ deps: ['react'], factory: f });
    expect(parseDefine(['name', ['react'], f])).toEqual({ deps: ['react'], factory: f });
    expect(parseDefine([f])).toEqual({ deps: [], factory: f });
  });

  it('hands the factory the shared modules, and `module` with the script URL for the public path', () => {
    const url = '/public/plugins/outlier-anomaly-app/module.js';
    const factory = jest.fn((react: unknown, meta: { uri: string }, data: unknown) => ({ react, uri: meta.uri, data }));
    const result = instantiate(url, ['react', 'module', '@grafana/data'], factory, modules);
    expect(result).toEqual({ react: modules.react, uri: url, data: modules['@grafana/data'] });
  });

  it('returns `exports` when the factory fills it instead of returning', () => {
    const result = instantiate(
      'm.js',
      ['exports'],
      (exports: Record<string, unknown>) => {
        exports.plugin = 'p';
      },
      modules
    );
    expect(result).toEqual({ plugin: 'p' });
  });

  it('names every module it does not provide', () => {
    expect(() => instantiate('m.js', ['react', 'd3', 'jquery'], () => null, modules)).toThrow(MissingModulesError);
    expect(() => instantiate('m.js', ['react', 'd3', 'jquery'], () => null, modules)).toThrow(
      'm.js needs d3, jquery, which this page does not provide'
    );
  });
});
