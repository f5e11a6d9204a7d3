import { fileURLToPath } from 'node:url';

// Resolved from this module, which sits one level below the project root, as does the built
// service (dist/main.js) it is bundled into: the same path works run from source or built.

/** Where `npm run build:dashboard` (run by `npm start` and the dashboard tests) writes the page. */
export const DASHBOARD_DIST = fileURLToPath(new URL('../dist/dashboard/', import.meta.url));
