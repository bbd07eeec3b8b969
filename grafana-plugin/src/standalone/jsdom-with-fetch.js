// jsdom with Node's fetch classes (Response, Request, Headers, FormData, Blob), for tests of code that reads
// responses; Grafana's jest setup needs jsdom, and jsdom has no fetch.
const { TestEnvironment } = require('jest-environment-jsdom');

class JsdomWithFetch extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    Object.assign(this.global, { Response, Request, Headers, FormData, Blob });
  }
}

module.exports = JsdomWithFetch;
