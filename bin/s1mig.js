#!/usr/bin/env node
// s1mig command-line entry point: runs the compiled CLI (dist/, built by `npm run build`, `npm test` or `npm start`).
import { main } from '../dist/src/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`s1mig: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
