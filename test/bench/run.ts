/**
 * `npm run bench`: what players and servers feel, each figure beside a baseline and, where there
 * is one, the physical floor, measured in the same run. The page and the emulator sit on two
 * origins (CORS preflights happen and are counted by the emulator) with a round trip of 0, 50
 * or 150 ms injected. Prints tables, a recovery plot, then one line `BENCH {json}`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { IDBFactory } from 'fake-indexeddb';
import { startEmulator, type Emulator } from '../../src/emulator';
import { DEFAULT_CADENCE } from '../../src';
import { benchDrain, type MethodCounts } from './drain';
import { lockstepPolicy, OUR_POLICY, PLAYER_MIX, simulateFleet } from './fleet';
import { grantLatencies, percentile } from './latency';
import { serveOverHttp2 } from './http2';
import { openBenchPage } from './page';
import { asciiPlot, svgPlot } from './plot';
import { benchRequests, FIXED_3S } from './requests';
import { artefactSizes, benchSize } from './size';
import { benchStorage } from './storage';

const round = (value: number) => Math.round(value * 10) / 10;
const began = performance.now();
const log = (line: string) => console.error(`  [${Math.round((performance.now() - began) / 1000)} s] ${line}`);
const total = (counts: MethodCounts) => Object.values(counts).reduce((sum, count) => sum + count, 0);
const EVENTS = 1000;
const EVENTS_AT_150 = 500;
const EVENTS_OVER_H2 = 500;
const H2_IN_FLIGHT = [6, 24] as const;

const emulators: Emulator[] = [];
const emulatorWith = async (options: Parameters<typeof startEmulator>[0]) => {
  const emulator = await startEmulator({ pageSize: 50, ...options });
  emulators.push(emulator);
  return emulator;
};
const [rtt0, rtt50, rtt150, rtt50NoMaxAge] = await Promise.all([
  emulatorWith({}),
  emulatorWith({ roundTripMs: 50 }),
  emulatorWith({ roundTripMs: 150 }),
  emulatorWith({ roundTripMs: 50, preflightMaxAgeS: null }),
]);

log('backlog drain in Node (fake-indexeddb, loopback)…');
const nodeAdmin = async <T>(path: string, body?: unknown) =>
  (await (
    await fetch(`${rtt0.url}/__emulator/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })
  ).json()) as T;
const nodeDrain = await benchDrain(
  { baseUrl: rtt0.url, projectId: rtt0.projectId, indexedDB: new IDBFactory(), events: EVENTS, admin: nodeAdmin },
  'node',
);

const page = await openBenchPage();
const drains: Record<number, Awaited<ReturnType<typeof page.run<'drainInBrowser'>>>> = {};
const drainAt = async (rtt: number, emulator: Emulator, events: number) => {
  log(`backlog drain of ${events} in Chromium, cross-origin, ${rtt} ms round trip: client, then the bare acks…`);
  drains[rtt] = await page.run('drainInBrowser', emulator.url, events, `rtt${rtt}-${Date.now()}`, rtt === 0);
};
await drainAt(0, rtt0, EVENTS);
await drainAt(50, rtt50, EVENTS);
// Half the backlog at 150 ms: the ratio to the floor is the figure, and the whole run stays under 6 minutes.
await drainAt(150, rtt150, EVENTS_AT_150);

log(`HTTP/2 over TLS, 50 ms: ${EVENTS_OVER_H2} bare acks, ${H2_IN_FLIGHT.join(' then ')} in flight…`);
const h2 = await serveOverHttp2(rtt50);
const h2Floors: Record<number, Awaited<ReturnType<typeof page.run<'ackFloorInBrowser'>>>> = {};
for (const inFlight of H2_IN_FLIGHT)
  h2Floors[inFlight] = await page.run('ackFloorInBrowser', h2.url, EVENTS_OVER_H2, `h2-${inFlight}-${Date.now()}`, inFlight);
await h2.close();

log('requests per purchase in Chromium (50 ms, watch mode, push off)…');
const perPurchase = {
  combined: await page.run('requestsPerPurchase', rtt50.url, 'combined'),
  separate: await page.run('requestsPerPurchase', rtt50.url, 'separate'),
};
log('requests per idle poll in Chromium, with and without Access-Control-Max-Age (polls 6 s apart)…');
const [idlePollMaxAge, idlePollNoMaxAge] = await Promise.all([
  page.run('requestsPerIdlePoll', rtt50.url, 6_000, 2),
  page.run('requestsPerIdlePoll', rtt50NoMaxAge.url, 6_000, 2),
]);
await page.close();

// One at a time, and never beside a drain: a sample watches the next order id, which any other
// purchase in this process would take.
log('grant latency, loopback (watch mode vs a fixed 3 s poller vs push)…');
const watchLatency = await grantLatencies(rtt0, {}, DEFAULT_CADENCE.watchIntervalMs, 30);
const fixedLatency = await grantLatencies(rtt0, FIXED_3S, 3000, 8);
const pushLatency = await grantLatencies(rtt0, {}, DEFAULT_CADENCE.watchIntervalMs, 30, true);
log('grant latency, 50 ms round trip (watch mode, push)…');
const watchLatency50 = await grantLatencies(rtt50, {}, DEFAULT_CADENCE.watchIntervalMs, 40);
const pushLatency50 = await grantLatencies(rtt50, {}, DEFAULT_CADENCE.watchIntervalMs, 40, true);

log('requests over simulated time…');
const requests = await benchRequests(rtt0);

log('a million players, by simulation (10 min steady, 10 min outage, 10 min after)…');
const FLEET = { players: 100_000, steadyS: 600, outageS: 600, recoveryS: 600 };
const fleet = simulateFleet(OUR_POLICY, FLEET);
const lockstep = simulateFleet(lockstepPolicy(DEFAULT_CADENCE, 3000), FLEET);
const fixed3sFleet = simulateFleet(lockstepPolicy({ ...DEFAULT_CADENCE, ...FIXED_3S } as typeof DEFAULT_CADENCE, 3000), FLEET);

log('sizes (npm run build, then esbuild-minified source)…');
execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
const artefacts = artefactSizes();
const size = await benchSize();

log('storage after 10,000 events…');
const storage = await benchStorage(10_000);
await Promise.all(emulators.map((emulator) => emulator.close()));

const overFloor = (rtt: number) => Math.round((drains[rtt]!.drainMs / drains[rtt]!.floorMs) * 100) / 100;
const browserNaiveMs = drains[0]!.naiveMs!;
const bench = {
  drain1000Ms: round(drains[0]!.drainMs),
  drainRatio: round(browserNaiveMs / drains[0]!.drainMs),
  drainNaive1000Ms: round(browserNaiveMs),
  drain1000MsNode: round(nodeDrain.drainMs),
  drainRatioNode: round(nodeDrain.naiveMs! / nodeDrain.drainMs),
  ackFloor1000Ms: round(drains[0]!.floorMs),
  drain1000MsRtt50: round(drains[50]!.drainMs),
  ackFloor1000MsRtt50: round(drains[50]!.floorMs),
  drainOverFloor: overFloor(50),
  drainOverFloorRtt0: overFloor(0),
  drain500MsRtt150: round(drains[150]!.drainMs),
  ackFloor500MsRtt150: round(drains[150]!.floorMs),
  drainOverFloorRtt150: overFloor(150),
  ackFloor500MsRtt50H2: round(h2Floors[6]!.ms),
  ackFloor500MsRtt50H2x24: round(h2Floors[24]!.ms),
  h2Protocol: h2Floors[24]!.protocols.join(' '),
  drainRequestsRtt50: drains[50]!.drainRequests,
  drainProtocol: drains[50]!.protocols.join(' '),
  requestsPerPurchaseCombined: total(perPurchase.combined),
  requestsPerPurchaseSeparate: total(perPurchase.separate),
  requestsPerPurchaseByMethod: perPurchase,
  requestsPerIdlePoll: { maxAge7200: total(idlePollMaxAge), noMaxAge: total(idlePollNoMaxAge) },
  grantLatencyP50Ms: round(percentile(watchLatency, 50)),
  grantLatencyP95Ms: round(percentile(watchLatency, 95)),
  grantLatencyPushP50Ms: round(percentile(pushLatency, 50)),
  grantLatencyPushP95Ms: round(percentile(pushLatency, 95)),
  grantLatencyP50MsRtt50: round(percentile(watchLatency50, 50)),
  grantLatencyP95MsRtt50: round(percentile(watchLatency50, 95)),
  grantLatencyPushP50MsRtt50: round(percentile(pushLatency50, 50)),
  grantLatencyPushP95MsRtt50: round(percentile(pushLatency50, 95)),
  fixed3sGrantLatencyP50Ms: round(percentile(fixedLatency, 50)),
  fixed3sGrantLatencyP95Ms: round(percentile(fixedLatency, 95)),
  requestsPerIdleHour: { foreground: requests.ours.idleForeground, hidden: requests.ours.idleHidden },
  requestsPerIdleHourPush: requests.ours.idlePush,
  fixed3sRequestsPerIdleHour: { foreground: requests.fixed3s.idleForeground, hidden: requests.fixed3s.idleHidden },
  requestsPerWatchWindow: requests.ours.watchWindow,
  fixed3sRequestsPerWatchWindow: requests.fixed3s.watchWindow,
  steadyRpsPerMillion: Math.round(fleet.steadyRps),
  outageRpsPerMillion: Math.round(fleet.outageRps),
  outageOnsetPeakRpsPerMillion: Math.round(fleet.outagePeakRps),
  outagePeakRpsPerMillion: Math.round(fleet.recoveryPeakRps),
  lockstepOutageRpsPerMillion: Math.round(lockstep.outageRps),
  lockstepOutagePeakRpsPerMillion: Math.round(lockstep.recoveryPeakRps),
  fixed3sSteadyRpsPerMillion: Math.round(fixed3sFleet.steadyRps),
  bundleOwnGzipBytes: size.ownGzipBytes,
  bundleTotalGzipBytes: size.totalGzipBytes,
  bundlePushChannelGzipBytes: size.pushChannelGzipBytes,
  ...artefacts,
  storageBytesAfter10k: storage.bytesAfterCompaction,
  storageBytesBeforeCompaction10k: storage.bytesBeforeCompaction,
};

const ratio = (ours: number, baseline: number) => `${round(ours / baseline)}×`;
const methods = (counts: MethodCounts) =>
  Object.entries(counts)
    .map(([method, count]) => `${count} ${method}`)
    .join(' + ');
console.table({
  'drain 1,000, Chromium, 0 ms (ms)': {
    ours: bench.drain1000Ms,
    floor: bench.ackFloor1000Ms,
    baseline: `${bench.drainNaive1000Ms} naive (${bench.drainRatio}× slower)`,
  },
  'drain 1,000, Chromium, 50 ms (ms)': {
    ours: bench.drain1000MsRtt50,
    floor: bench.ackFloor1000MsRtt50,
    baseline: `${bench.drainOverFloor}× the floor`,
  },
  'drain 500, Chromium, 150 ms (ms)': {
    ours: bench.drain500MsRtt150,
    floor: bench.ackFloor500MsRtt150,
    baseline: `${bench.drainOverFloorRtt150}× the floor`,
  },
  'bare acks of 500 over HTTP/2, 50 ms, 24 in flight (ms)': {
    ours: bench.ackFloor500MsRtt50H2x24,
    floor: `${bench.ackFloor500MsRtt50H2} (6 in flight)`,
    baseline: bench.h2Protocol,
  },
  'drain 1,000, Node, loopback (ms)': {
    ours: bench.drain1000MsNode,
    floor: round(nodeDrain.floorMs),
    baseline: `${round(nodeDrain.naiveMs!)} naive`,
  },
  'requests, drain at 50 ms': {
    ours: methods(bench.drainRequestsRtt50),
    floor: `${EVENTS} POST + ${EVENTS} OPTIONS`,
    baseline: bench.drainProtocol,
  },
  'requests per purchase, combined': { ours: bench.requestsPerPurchaseCombined, floor: 3, baseline: methods(perPurchase.combined) },
  'requests per purchase, separate': { ours: bench.requestsPerPurchaseSeparate, floor: 5, baseline: methods(perPurchase.separate) },
  'requests per idle poll (Max-Age 7200 / none)': {
    ours: bench.requestsPerIdlePoll.maxAge7200,
    floor: 1,
    baseline: bench.requestsPerIdlePoll.noMaxAge,
  },
  'grant latency p50 / p95, 0 ms (ms)': {
    ours: `${bench.grantLatencyP50Ms} / ${bench.grantLatencyP95Ms}`,
    floor: '-',
    baseline: `${bench.fixed3sGrantLatencyP50Ms} / ${bench.fixed3sGrantLatencyP95Ms} (3 s poller)`,
  },
  'grant latency p50 / p95, 50 ms (ms)': {
    ours: `${bench.grantLatencyP50MsRtt50} / ${bench.grantLatencyP95MsRtt50}`,
    floor: 50,
    baseline: '-',
  },
  'push grant latency p50 / p95, 0 ms (ms)': {
    ours: `${bench.grantLatencyPushP50Ms} / ${bench.grantLatencyPushP95Ms}`,
    floor: 0,
    baseline: '-',
  },
  'push grant latency p50 / p95, 50 ms (ms)': {
    ours: `${bench.grantLatencyPushP50MsRtt50} / ${bench.grantLatencyPushP95MsRtt50}`,
    floor: 75,
    baseline: `${bench.grantLatencyP95MsRtt50} (polling p95)`,
  },
  'requests, idle foreground hour': { ours: requests.ours.idleForeground, floor: '-', baseline: requests.fixed3s.idleForeground },
  'requests, idle foreground hour, push healthy': { ours: bench.requestsPerIdleHourPush, floor: '-', baseline: requests.fixed3s.idlePush },
  'requests, idle hidden hour': { ours: requests.ours.idleHidden, floor: 0, baseline: requests.fixed3s.idleHidden },
  'requests, 10-min watch window': { ours: requests.ours.watchWindow, floor: '-', baseline: requests.fixed3s.watchWindow },
  'requests/s per million, steady': {
    ours: bench.steadyRpsPerMillion,
    floor: '-',
    baseline: `${bench.fixed3sSteadyRpsPerMillion} (3 s poller)`,
  },
  'requests/s per million, during outage (mean / peak)': {
    ours: `${bench.outageRpsPerMillion} / ${bench.outageOnsetPeakRpsPerMillion}`,
    floor: '-',
    baseline: `${bench.lockstepOutageRpsPerMillion} (lockstep)`,
  },
  'requests/s per million, recovery peak': {
    ours: `${bench.outagePeakRpsPerMillion} (${ratio(bench.outagePeakRpsPerMillion, bench.steadyRpsPerMillion)} steady)`,
    floor: bench.steadyRpsPerMillion,
    baseline: `${bench.lockstepOutagePeakRpsPerMillion} (lockstep)`,
  },
  'own code, esbuild-minified + gzip (bytes)': {
    ours: bench.bundleOwnGzipBytes,
    floor: '-',
    baseline: `${bench.bundleTotalGzipBytes} with deps`,
  },
  'dist: index.js / core IIFE / push IIFE / browser ESM, gzip': {
    ours: `${bench.distIndexGzipBytes} / ${bench.iifeCoreGzipBytes} / ${bench.iifePushGzipBytes} / ${bench.esmBrowserGzipBytes}`,
    floor: '-',
    baseline: 'null: not built on this branch',
  },
  'ledger bytes after 10k events (compacted / not)': {
    ours: bench.storageBytesAfter10k,
    floor: '-',
    baseline: bench.storageBytesBeforeCompaction10k,
  },
});

const mix = Object.entries(PLAYER_MIX)
  .map(([kind, share]) => `${round(share * 100)}% ${kind}`)
  .join(', ');
const windowFrom = FLEET.steadyS - 60;
const recovery = fleet.perSecond.slice(windowFrom, FLEET.steadyS + FLEET.outageS + 300);
console.log(`\nRequests/s per million players (${mix}), 60 s before a 10-minute outage to 5 minutes after it; dots: steady state`);
console.log(asciiPlot(recovery, { mark: fleet.steadyRps }));
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  'bench-results/outage-recovery.svg',
  svgPlot(
    [
      { label: 'this library', values: fleet.perSecond },
      { label: 'lockstep (fixed 3 s retry, no jitter)', values: lockstep.perSecond },
    ],
    {
      title: `Requests/s per million players (${mix}); log scale`,
      markers: [
        { at: FLEET.steadyS, label: 'outage' },
        { at: FLEET.steadyS + FLEET.outageS, label: 'back' },
      ],
    },
  ),
);
console.log('  (saved bench-results/outage-recovery.svg)\n');
log('done');
console.log(`BENCH ${JSON.stringify(bench)}`);
process.exit(0);
