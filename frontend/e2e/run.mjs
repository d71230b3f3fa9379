// Runs every end-to-end scenario (e2e/scenarios/*.mjs, in file-name order) in one Chromium against a running
// server; see lib.mjs for the environment it reads. E2E_ONLY=<substring> runs the scenarios whose file name has it.
// A scenario is a module whose default export takes the browser and records its steps with lib.step.
import { readdirSync } from 'node:fs';
import { BASE, launch, run, summary } from './lib.mjs';

const dir = new URL('./scenarios/', import.meta.url);
const only = process.env.E2E_ONLY || '';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs') && f.includes(only))
  .sort();

console.log(`e2e against ${BASE} (run ${run}): ${files.join(', ')}`);
const browser = await launch();
let crashed = 0;
for (const f of files) {
  const scenario = (await import(new URL(f, dir))).default;
  try {
    await scenario(browser);
  } catch (e) {
    console.error(`${f}:`, e);
    crashed++;
  }
}
await browser.close();
process.exit(summary(crashed) ? 1 : 0);
