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
  upload: {
    container: 'data-testid upload-container',
    options: 'data-testid upload-options',
    dropzone: 'data-testid upload-dropzone',
    fileInput: 'data-testid upload-file-input',
    list: 'data-testid upload-list',
    item: 'data-testid upload-item',
    jobState: 'data-testid upload-job-state',
  },
  explorer: {
    container: 'data-testid explorer-container',
    filters: 'data-testid explorer-filters',
    chart: 'data-testid explorer-chart',
    table: 'data-testid explorer-table',
    row: 'data-testid explorer-row',
    loadMore: 'data-testid explorer-load-more',
    drawer: 'data-testid explorer-drawer',
    logql: 'data-testid explorer-logql',
    exploreLink: 'data-testid explorer-explore-link',
  },
};
