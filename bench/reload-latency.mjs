// node bench/reload-latency.mjs BIN ROOT FILE URLPATH [RUNS] — edit → reload latency of
// `shishin serve`: serves ROOT on a free port, opens URLPATH in Chromium, then RUNS times appends a
// unique line to ROOT/FILE and measures the time until the browser shows it (file watcher +
// rebuild + WebSocket reload + page load). Restores FILE afterwards. Prints
// "median X ms (min Y, max Z, N runs)".
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchBrowser } from '../tests/browser/helpers.mjs';

const [bin, root, file, urlPath, runsArg] = process.argv.slice(2);
if (!urlPath) {
  console.error('usage: node bench/reload-latency.mjs BIN ROOT FILE URLPATH [RUNS]');
  process.exit(2);
}
const runs = Number(runsArg || 5);
const path = join(root, file);
const original = readFileSync(path, 'utf8');
const server = spawn(bin, ['serve', '--root', root, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
const stderr = [];
server.stderr.on('data', (d) => stderr.push(String(d)));
let browser;
try {
  const first = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve printed nothing:\n${stderr.join('')}`)), 120_000);
    createInterface({ input: server.stdout }).once('line', (line) => { clearTimeout(timer); ok(line); });
  });
  const m = /listening on (http:\/\/\S+?)\/?$/.exec(first);
  if (!m) throw new Error(`unexpected first line from serve: ${first}`);
  browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(m[1] + urlPath);
  await page.waitForLoadState('load');
  await sleep(500); // let the live-reload socket connect
  const times = [];
  for (let i = 0; i < runs; i++) {
    const marker = `reload-bench-${i}-${Date.now()}`;
    const started = performance.now();
    writeFileSync(path, `${original}\n\n${marker}\n`);
    for (;;) {
      if (performance.now() - started > 60_000) throw new Error(`no reload within 60 s:\n${stderr.join('')}`);
      const shown = await page.evaluate((t) => document.body?.innerText.includes(t), marker).catch(() => false);
      if (shown) break;
      await sleep(10);
    }
    times.push(performance.now() - started);
    await sleep(300);
  }
  times.sort((a, b) => a - b);
  const r = (x) => Math.round(x);
  console.log(`median ${r(times[Math.floor((times.length - 1) / 2)])} ms (min ${r(times[0])}, max ${r(times.at(-1))}, ${runs} runs)`);
} finally {
  writeFileSync(path, original);
  await browser?.close();
  server.kill('SIGTERM');
}
