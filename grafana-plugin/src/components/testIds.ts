export const testIds = {
  appConfig: {
    engineUrl: 'data-testid ac-engine-url',
    apiKey: 'data-testid ac-api-key',
    submit: 'data-testid ac-submit-form',
    test: 'data-testid ac-test-connection',
  },
  jobs: {
    container: 'data-testid jobs-container',
    table: 'data-testid jobs-table',
  },
};
