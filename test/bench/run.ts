/**
 * `npm run bench`: what players and servers feel, each figure beside a baseline measured in the
 * same run. Prints a table, then one line `BENCH {json}`.
 */
import { resolve } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { startEmulator } from '../../src/emulator';
import { DEFAULT_CADENCE } from '../../src';
import { startDemo } from '../e2e/harness';
import { benchDrain } from './drain';
import { grantLatencies, percentile } from './latency';
import { benchRequests, FIXED_3S } from './requests';
import { benchSize } from './size';
import { benchStorage } from './storage';

const round = (value: number) => Math.round(value * 10) / 10;
const log = (line: string) => console.error(`  ${line}`);

const emulator = await startEmulator({ pageSize: 50 });
const admin = async <T>(path: string, body?: unknown) =>
  (
    await fetch(`${emulator.url}/__emulator/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })
  ).json() as Promise<T>;

log('backlog drain in Node (fake-indexeddb)…');
const nodeDrain = await benchDrain(
  { baseUrl: emulator.url, projectId: emulator.projectId, indexedDB: new IDBFactory(), events: 1000, admin },
  'node',
);

log('backlog drain in Chromium…');
const demo = await startDemo();
const page = await demo.browser.newPage();
await page.goto(`${demo.origin}/?user=bench-page`);
const browserDrain = (await page.evaluate(
  `import('/@fs${resolve('test/bench/browser.ts')}').then((bench) => bench.drainInBrowser(1000, 'chromium-' + Date.now()))`,
)) as Awaited<ReturnType<typeof benchDrain>>;
await demo.close();

log('grant latency (watch mode vs a fixed 3 s poller)…');
const watchLatency = await grantLatencies(emulator, {}, DEFAULT_CADENCE.watchIntervalMs, 40);
const fixedLatency = await grantLatencies(emulator, FIXED_3S, 3000, 15);
const pushLatency = await grantLatencies(emulator, {}, DEFAULT_CADENCE.watchIntervalMs, 40, true);

log('requests over simulated time…');
const requests = await benchRequests(emulator);

log('bundle size…');
const size = await benchSize();

log('storage after 10,000 events…');
const storage = await benchStorage(10_000);
await emulator.close();

const bench = {
  drain1000Ms: round(browserDrain.drainMs),
  drainRatio: round(browserDrain.ratio),
  drainNaive1000Ms: round(browserDrain.naiveMs),
  drain1000MsNode: round(nodeDrain.drainMs),
  drainRatioNode: round(nodeDrain.ratio),
  grantLatencyP50Ms: round(percentile(watchLatency, 50)),
  grantLatencyP95Ms: round(percentile(watchLatency, 95)),
  grantLatencyPushP50Ms: round(percentile(pushLatency, 50)),
  grantLatencyPushP95Ms: round(percentile(pushLatency, 95)),
  fixed3sGrantLatencyP50Ms: round(percentile(fixedLatency, 50)),
  fixed3sGrantLatencyP95Ms: round(percentile(fixedLatency, 95)),
  requestsPerIdleHour: { foreground: requests.ours.idleForeground, hidden: requests.ours.idleHidden },
  fixed3sRequestsPerIdleHour: { foreground: requests.fixed3s.idleForeground, hidden: requests.fixed3s.idleHidden },
  requestsPerWatchWindow: requests.ours.watchWindow,
  fixed3sRequestsPerWatchWindow: requests.fixed3s.watchWindow,
  bundleOwnGzipBytes: size.ownGzipBytes,
  bundleTotalGzipBytes: size.totalGzipBytes,
  bundlePushChannelGzipBytes: size.pushChannelGzipBytes,
  storageBytesAfter10k: storage.bytesAfterCompaction,
  storageBytesBeforeCompaction10k: storage.bytesBeforeCompaction,
};

const ratio = (ours: number, baseline: number) => `${round(ours / baseline)}×`;
console.table({
  'drain 1,000 events, Chromium (ms)': { ours: bench.drain1000Ms, baseline: bench.drainNaive1000Ms, ratio: `${bench.drainRatio}× faster` },
  'drain 1,000 events, Node (ms)': {
    ours: bench.drain1000MsNode,
    baseline: round(nodeDrain.naiveMs),
    ratio: `${bench.drainRatioNode}× faster`,
  },
  'grant latency p50 (ms)': {
    ours: bench.grantLatencyP50Ms,
    baseline: bench.fixed3sGrantLatencyP50Ms,
    ratio: ratio(bench.grantLatencyP50Ms, bench.fixed3sGrantLatencyP50Ms),
  },
  'grant latency p95 (ms)': {
    ours: bench.grantLatencyP95Ms,
    baseline: bench.fixed3sGrantLatencyP95Ms,
    ratio: ratio(bench.grantLatencyP95Ms, bench.fixed3sGrantLatencyP95Ms),
  },
  'grant latency with push, p50 / p95 (ms)': {
    ours: `${bench.grantLatencyPushP50Ms} / ${bench.grantLatencyPushP95Ms}`,
    baseline: `${bench.grantLatencyP50Ms} / ${bench.grantLatencyP95Ms} (polling alone)`,
    ratio: ratio(bench.grantLatencyPushP95Ms, bench.grantLatencyP95Ms),
  },
  'requests, idle foreground hour': {
    ours: requests.ours.idleForeground,
    baseline: requests.fixed3s.idleForeground,
    ratio: ratio(requests.ours.idleForeground, requests.fixed3s.idleForeground),
  },
  'requests, idle hidden hour': {
    ours: requests.ours.idleHidden,
    baseline: requests.fixed3s.idleHidden,
    ratio: ratio(requests.ours.idleHidden, requests.fixed3s.idleHidden),
  },
  'requests, 10-min watch window': {
    ours: requests.ours.watchWindow,
    baseline: requests.fixed3s.watchWindow,
    ratio: ratio(requests.ours.watchWindow, requests.fixed3s.watchWindow),
  },
  'bundle, gzipped bytes (own / with deps)': {
    ours: bench.bundleOwnGzipBytes,
    baseline: bench.bundleTotalGzipBytes,
    ratio: ratio(bench.bundleOwnGzipBytes, bench.bundleTotalGzipBytes),
  },
  'ledger bytes after 10k events (compacted / not)': {
    ours: bench.storageBytesAfter10k,
    baseline: bench.storageBytesBeforeCompaction10k,
    ratio: ratio(bench.storageBytesAfter10k, bench.storageBytesBeforeCompaction10k),
  },
});
console.log(`BENCH ${JSON.stringify(bench)}`);
process.exit(0);
