#!/usr/bin/env node
/**
 * `xsolla-getupdates-emulator [--port 8787] [--project 308077] [--user demo-player]` (also
 * `npm run emulator`): starts the emulator and prints its URL and a ready token. Whatever goes
 * wrong while starting is one line and the usage, with exit code 2: never a stack trace.
 */
import { listenFailure, parseCliArgs, USAGE } from './cli-args';
import { startEmulator, type Emulator } from './server';

function refuse(line: string): never {
  console.error(`${line}\n${USAGE}`);
  process.exit(2);
}

let command: ReturnType<typeof parseCliArgs>;
try {
  command = parseCliArgs(process.argv.slice(2));
} catch (error) {
  refuse(firstLine(error));
}
if (command.help) {
  console.log(USAGE);
  process.exit(0);
}

const { port, projectId, userId } = command;
let emulator: Emulator;
try {
  emulator = await startEmulator({ port, projectId });
} catch (error) {
  refuse(listenFailure(error, port) ?? `the emulator could not start: ${firstLine(error)}`);
}

console.log(`GetUpdates emulator listening on ${emulator.url}`);
console.log(`project id: ${emulator.projectId}`);
// Printing this one is deliberate: it is signed with this process's random secret, so it opens
// nothing but this local emulator. The library itself never logs a token.
const token = emulator.issueToken(userId);
console.log(`token for "${userId}" (1 hour): ${token}`);
console.log(
  `buy something:  curl -X POST ${emulator.url}/__emulator/purchase -d '{"userId":"${userId}","items":[{"sku":"dragon_blade","quantity":1}]}'`,
);
console.log(
  `their Player Inventory:  curl -H 'Authorization: Bearer ${token}' ${emulator.url}/v2/project/${emulator.projectId}/user/inventory/items`,
);
console.log(
  `or as a game does it (Create order, then open ${emulator.url}/paystation4/?token=<its token>):  curl -X POST -H 'Authorization: Bearer ${token}' ${emulator.url}/v2/project/${emulator.projectId}/payment/item/dragon_blade`,
);

const shutdown = () => void emulator.close().then(() => process.exit(0));
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
