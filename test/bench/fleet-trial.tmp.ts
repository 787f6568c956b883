import { simulateFleet, OUR_POLICY, lockstepPolicy } from '/work/wt-bench/test/bench/fleet';
import { DEFAULT_CADENCE } from '/work/wt-bench/src/schedule/cadence';
const o = { players: 100_000, steadyS: 600, outageS: 600, recoveryS: 600 };
let t = performance.now();
const ours = simulateFleet(OUR_POLICY, o);
console.log('ours', Math.round(ours.steadyRps), Math.round(ours.outageRps), Math.round(ours.recoveryPeakRps), performance.now() - t);
const lock = simulateFleet(lockstepPolicy(DEFAULT_CADENCE, 3000), o);
console.log('lock', Math.round(lock.steadyRps), Math.round(lock.outageRps), Math.round(lock.recoveryPeakRps));
const rec = ours.perSecond.slice(1200, 1400).map(Math.round);
console.log(rec.filter((_, i) => i % 10 === 0).join(' '));
console.log(
  lock.perSecond
    .slice(1190, 1400)
    .map(Math.round)
    .filter((_, i) => i % 5 === 0)
    .join(' '),
);
