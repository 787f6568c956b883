/** The chaos run at a reduced size; `npm run chaos` runs it at full size. */
import { expect, it } from 'vitest';
import { runChaos } from './chaos';

it('nothing is lost, granted twice or left unacked through faults, crashes and several tabs', async () => {
  const figures = await runChaos({ purchases: 40, refunds: 6, crashes: 3, reloads: 2, closes: 1, tabs: 3, faultRate: 0.2 });
  console.log(`CHAOS ${JSON.stringify(figures)}`);
  expect(figures.faultsInjected).toBeGreaterThan(0);
  expect(figures).toMatchObject({
    purchases: 40,
    refunds: 6,
    crashes: 3,
    reloads: 2,
    closes: 1,
    lost: 0,
    duplicated: 0,
    missing: 0,
    notRevoked: 0,
    unacked: 0,
  });
}, 180_000);
