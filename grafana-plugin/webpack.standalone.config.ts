/*
 * The standalone host page (src/standalone): React, @grafana/ui, @grafana/data, @grafana/runtime and the other
 * modules Grafana shares with plugins, bundled once, plus the host that loads the app's own build
 * (dist/module.js, unchanged) the way Grafana does. Output: dist-standalone/, served by the engine at `/` and
 * `/ui/*`. Kept outside .config/, which @grafana/create-plugin owns.
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import fs from 'fs';
import path from 'path';
import TerserPlugin from 'terser-webpack-plugin';
import webpack, { type Configuration } from 'webpack';

const root = process.cwd();
const outDir = path.resolve(root, 'dist-standalone');
const PUBLIC_PATH = '/ui/';

/** Fonts Grafana serves from public/fonts, under the names its global styles ask for. */
const fontFile = (pkg: string, file: string) =>
  path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'files', file);
const FONTS: Array<[string, string]> = [
  [fontFile('@fontsource/inter', 'inter-latin-400-normal.woff2'), 'fonts/inter/Inter-Regular.woff2'],
  [fontFile('@fontsource/inter', 'inter-latin-400-italic.woff2'), 'fonts/inter/Inter-Italic.woff2'],
  [fontFile('@fontsource/inter', 'inter-latin-500-normal.woff2'), 'fonts/inter/Inter-Medium.woff2'],
  [fontFile('@fontsource/inter', 'inter-latin-500-italic.woff2'), 'fonts/inter/Inter-MediumItalic.woff2'],
  [
    fontFile('@fontsource/roboto-mono', 'roboto-mono-latin-400-normal.woff2'),
    'fonts/roboto/L0xTDF4xlVMF-BfR8bXMIhJHg45mwgGEFl0_3vrtSM1J-gEPT5Ese6hmHSh0mQ.woff2',
  ],
];

const UNICONS = path.resolve(root, 'node_modules/@grafana/ui/dist/public/img/icons/unicons');

/**
 * Grafana's own icon folder has a few left/up icons that @grafana/ui's package leaves out (the time picker's
 * `angle-double-left`); each is its right/down twin mirrored.
 */
class MirroredIconsPlugin {
  apply(compiler: webpack.Compiler) {
    compiler.hooks.thisCompilation.tap('MirroredIconsPlugin', (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: 'MirroredIconsPlugin', stage: webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL },
        () => {
          const names = new Set(fs.readdirSync(UNICONS));
          const twins: Array<[RegExp, string, string]> = [
            [/-right\.svg$/, '-left.svg', 'matrix(-1 0 0 1 24 0)'],
            [/-down\.svg$/, '-up.svg', 'matrix(1 0 0 -1 0 24)'],
          ];
          for (const name of names) {
            for (const [pattern, suffix, transform] of twins) {
              const twin = name.replace(pattern, suffix);
              if (twin === name || names.has(twin)) {
                continue;
              }
              const svg = fs.readFileSync(path.join(UNICONS, name), 'utf8');
              const mirrored = svg
                .replace(/(<svg[^>]*>)/, `$1<g transform="${transform}">`)
                .replace('</svg>', '</g></svg>');
              compilation.emitAsset(`build/img/icons/unicons/${twin}`, new webpack.sources.RawSource(mirrored));
            }
          }
        }
      );
    });
  }
}

/** Writes index.html with the entry's hashed scripts. */
class HostPagePlugin {
  apply(compiler: webpack.Compiler) {
    compiler.hooks.thisCompilation.tap('HostPagePlugin', (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: 'HostPagePlugin', stage: webpack.Compilation.PROCESS_ASSETS_STAGE_SUMMARIZE },
        () => {
          const entry = compilation.entrypoints.get('host');
          const scripts = (entry ? entry.getFiles() : []).filter((f) => f.endsWith('.js'));
          const tags = scripts.map((f) => `<script defer src="${PUBLIC_PATH}${f}"></script>`).join('\n    ');
          const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Outlier</title>
    <link rel="icon" type="image/svg+xml" href="/public/plugins/outlier-anomaly-app/img/logo.svg" />
    <style>
      html, body { margin: 0; background: #111217; color: #ccccdc; }
    </style>
    ${tags}
  </head>
  <body>
    <div id="root"></div>
    <noscript>Outlier's pages need JavaScript.</noscript>
  </body>
</html>
`;
          compilation.emitAsset('index.html', new webpack.sources.RawSource(html));
        }
      );
    });
  }
}

const config = (env: Record<string, unknown> = {}): Configuration => {
  const production = !env.development;
  return {
    mode: production ? 'production' : 'development',
    context: root,
    entry: { host: './src/standalone/index.tsx' },
    devtool: false,
    cache: {
      type: 'filesystem',
      name: 'standalone',
      buildDependencies: { config: [path.resolve(root, 'webpack.standalone.config.ts')] },
    },
    output: {
      path: outDir,
      publicPath: PUBLIC_PATH,
      filename: 'assets/[name].[contenthash:16].js',
      chunkFilename: 'assets/[name].[contenthash:16].js',
      assetModuleFilename: 'assets/[contenthash:16][ext]',
      clean: true,
    },
    resolve: {
      extensions: ['.js', '.jsx', '.ts', '.tsx', '.mjs'],
      alias: {
        // The runtime's own PluginPage module (the one its index re-exports), for its unexported setPluginPage.
        'grafana-runtime-plugin-page$': path.resolve(
          root,
          'node_modules/@grafana/runtime/dist/esm/components/PluginPage.mjs'
        ),
      },
    },
    module: {
      rules: [
        {
          test: /\.m?js$/,
          resolve: { fullySpecified: false },
        },
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                target: 'es2020',
                parser: { syntax: 'typescript', tsx: true, dynamicImport: true },
              },
            },
          },
        },
        {
          test: /\.css$/,
          use: ['style-loader', 'css-loader'],
        },
        {
          test: /\.(png|jpe?g|gif|svg|woff2?|ttf|eot)$/,
          type: 'asset/resource',
        },
      ],
    },
    optimization: {
      minimize: production,
      minimizer: [new TerserPlugin({ minify: TerserPlugin.swcMinify, extractComments: false })],
    },
    performance: { hints: false },
    // Hundreds of copied icons are not worth a line each.
    stats: 'minimal',
    plugins: [
      new CopyWebpackPlugin({
        patterns: [
          { from: path.resolve(root, 'node_modules/@grafana/ui/dist/public/img/icons'), to: 'build/img/icons' },
          // Grafana serves a spinner of its own that @grafana/ui's icon set does not ship.
          { from: path.resolve(root, 'src/standalone/icons/spinner.svg'), to: 'build/img/icons/unicons/spinner.svg' },
          ...FONTS.map(([from, to]) => ({ from, to })),
        ],
      }),
      new MirroredIconsPlugin(),
      new HostPagePlugin(),
    ],
  };
};

export default config;
