import { buildService } from './helpers/service-process.ts';

/** Once before all test files: the tests that start the service as its own process run the build. */
export default function setup(): void {
  buildService();
}
