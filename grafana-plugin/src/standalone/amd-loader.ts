/** A module `define`d by an AMD script, with the names of its dependencies. */
export type AmdFactory = (...deps: unknown[]) => unknown;

/** The `module` dependency: webpack's public path for the app's chunks is taken from its `uri`. */
export interface AmdModuleMeta {
  id: string;
  uri: string;
  exports: Record<string, unknown>;
}

/** A script asked for modules this host does not provide. */
export class MissingModulesError extends Error {
  constructor(
    readonly url: string,
    readonly missing: string[]
  ) {
    super(`${url} needs ${missing.join(', ')}, which this page does not provide`);
    this.name = 'MissingModulesError';
  }
}

/** The arguments of a `define` call, in any of its three forms. */
export function parseDefine(args: unknown[]): { deps: string[]; factory: unknown } {
  const rest = typeof args[0] === 'string' ? args.slice(1) : args;
  if (Array.isArray(rest[0])) {
    return { deps: rest[0].map(String), factory: rest[1] };
  }
  return { deps: [], factory: rest[0] };
}

/**
 * Runs a `define`d module: dependencies come from `modules` (plus AMD's own `module`, `exports` and `require`);
 * returns what the module exports.
 * @throws {@link MissingModulesError} naming every dependency that is not there.
 */
export function instantiate(
  url: string,
  deps: string[],
  factory: unknown,
  modules: Readonly<Record<string, unknown>>
): unknown {
  const meta: AmdModuleMeta = { id: url, uri: url, exports: {} };
  const missing = deps.filter((d) => !['module', 'exports', 'require'].includes(d) && !(d in modules));
  if (missing.length > 0) {
    throw new MissingModulesError(url, missing);
  }
  if (typeof factory !== 'function') {
    return factory;
  }
  const require = (name: string) => {
    if (!(name in modules)) {
      throw new MissingModulesError(url, [name]);
    }
    return modules[name];
  };
  const values = deps.map((d) =>
    d === 'module' ? meta : d === 'exports' ? meta.exports : d === 'require' ? require : modules[d]
  );
  const result: unknown = factory(...values);
  return result === undefined ? meta.exports : result;
}

type DefineFunction = ((...args: unknown[]) => void) & { amd: object };

/**
 * Loads an AMD script (the Grafana app's `module.js`) with a `<script>` element, as Grafana's SystemJS does, and
 * resolves with its exports. `define` exists only while the script runs.
 */
export function loadAmdModule(url: string, modules: Readonly<Record<string, unknown>>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const previous: unknown = Reflect.get(window, 'define');
    let settled = false;
    const settle = (f: () => void) => {
      if (!settled) {
        settled = true;
        f();
      }
    };
    const define: DefineFunction = Object.assign(
      (...args: unknown[]) => {
        const { deps, factory } = parseDefine(args);
        try {
          const value = instantiate(url, deps, factory, modules);
          settle(() => resolve(value));
        } catch (err) {
          settle(() => reject(err));
        }
      },
      { amd: {} }
    );
    const script = document.createElement('script');
    const done = () => {
      Reflect.set(window, 'define', previous);
      script.remove();
    };
    script.src = url;
    script.async = true;
    script.onload = () => {
      done();
      settle(() => reject(new Error(`${url} loaded but defined no module`)));
    };
    script.onerror = () => {
      done();
      settle(() => reject(new Error(`${url} could not be loaded`)));
    };
    Reflect.set(window, 'define', define);
    document.head.appendChild(script);
  });
}
