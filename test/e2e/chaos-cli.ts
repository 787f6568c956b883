/**
 * `npm run chaos -- --purchases=500 --refunds=50 --crashes=20 --reloads=10 --closes=10 --tabs=3 --faults=0.2 [--seed=N]`
 * Prints the figures as a table and as one line `CHAOS {json}`; exits 1 unless nothing was lost,
 * duplicated or left unacked.
 */
import { runChaos } from './chaos';

const arg = (name: string, fallback: number) => {
  const value = process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  return value === undefined ? fallback : Number(value);
};
const figures = await runChaos({
  purchases: arg('purchases', 500),
  refunds: arg('refunds', 50),
  crashes: arg('crashes', 20),
  reloads: arg('reloads', 10),
  closes: arg('closes', 10),
  tabs: arg('tabs', 3),
  faultRate: arg('faults', 0.2),
  seed: arg('seed', Date.now()),
  log: (line) => console.log(`  ${line}`),
});
console.table(figures);
console.log(`CHAOS ${JSON.stringify(figures)}`);
process.exit(figures.lost + figures.duplicated + figures.missing + figures.notRevoked + figures.unacked === 0 ? 0 : 1);
