import { fileURLToPath } from 'node:url';

/**
 * The labelled evaluation data beside the repository (`../shared/data`), resolved from this module's place in
 * `engine/src/eval` or `engine/dist/eval`.
 */
export const SHARED_DATA_DIR = fileURLToPath(new URL('../../../../shared/data', import.meta.url));
