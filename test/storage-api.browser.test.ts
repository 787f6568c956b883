/**
 * No prompt the player did not ask for, and nothing waits on one, in each engine: Chromium
 * answers the Storage API itself, Firefox asks the player before persist() (headless, that
 * prompt never answers), WebKitGTK has no navigator.storage unless a flag is on.
 */
import { afterEach, expect, inject, it, onTestFinished, vi } from 'vitest';
import { createGetUpdatesClient, type Clock, type GetUpdatesClient } from '../src';
import { eventually } from './support/eventually';
import { engine } from './support/real-engine';

const url = inject('emulatorUrl');
const clients: GetUpdatesClient[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

function newClient(clock?: Clock) {
  const userId = `storage-${crypto.randomUUID()}`;
  const token = async () => {
    const response = await fetch(`${url}/__emulator/token`, { method: 'POST', body: JSON.stringify({ userId }) });
    return ((await response.json()) as { token: string }).token;
  };
  const client = createGetUpdatesClient({ projectId: 308077, baseUrl: url, token, ...(clock && { clock }) });
  clients.push(client);
  return client;
}

/** persist() as this engine has it, watched; WebKitGTK has none, so a stand-in watches there. */
function watchPersist() {
  if (!('storage' in navigator)) {
    expect(engine).toBe('webkit');
    const standIn = { persist: vi.fn(async () => false), persisted: async () => false, estimate: async () => ({}) };
    Object.defineProperty(navigator, 'storage', { value: standIn, configurable: true });
    onTestFinished(() => void delete (navigator as { storage?: unknown }).storage);
    return standIn.persist;
  }
  return vi.spyOn(navigator.storage, 'persist');
}

it('loading the game asks the player for nothing: no persist() while the client opens, drains and reports', async () => {
  const persist = watchPersist();
  const client = newClient();
  await client.pollNow();
  await client.inventory.balances();
  await client.storage();
  expect(persist).not.toHaveBeenCalled();
});

it('storage() settles in every engine, with what its Storage API says (nothing where there is none)', async () => {
  const report = await newClient().storage();
  if (engine === 'webkit')
    expect(report).toEqual({}); // WebKitGTK: no navigator.storage
  else expect(report).toEqual({ persisted: expect.any(Boolean), usageBytes: expect.any(Number), quotaBytes: expect.any(Number) });
});

it("persistStorage() from the player's click asks once, and answers even when the browser's prompt never does", async () => {
  const persist = watchPersist();
  // The ceiling's timer, fired by hand: in Firefox the prompt stays open, and only it answers.
  const ceilings: Array<() => void> = [];
  const clock: Clock = { now: () => Date.now(), setTimeout: (fire) => ceilings.push(fire), clearTimeout: () => undefined };
  const answer = newClient(clock).persistStorage();
  await eventually(() => expect(ceilings).toHaveLength(1));
  ceilings[0]!();
  const persisted = await answer;
  if (engine === 'firefox')
    expect(persisted).toBe(false); // its prompt is still open
  else expect(typeof persisted).toBe('boolean');
  expect(persist).toHaveBeenCalledTimes(1);
});
