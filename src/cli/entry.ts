// Runs the CLI straight from source: `npx tsx src/cli/entry.ts <args>` (used by e2e tests).
import { main } from './main.js';

await main(process.argv);
