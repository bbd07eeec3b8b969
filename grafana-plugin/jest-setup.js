// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';
import { ReadableStream } from 'node:stream/web';

// jsdom has no streams; the pages read server-sent events from `fetch` bodies.
if (typeof global.ReadableStream === 'undefined') {
  Object.assign(global, { ReadableStream });
}
