#!/usr/bin/env node
/**
 * `xsolla-getupdates-emulator [--port 8787] [--project 308077]` (also `npm run emulator`):
 * starts the emulator and prints its URL and a ready token.
 */
import { parseCliArgs, USAGE, type CliCommand } from './cli-args';
import { startEmulator } from './server';

let command: CliCommand;
try {
  command = parseCliArgs(process.argv.slice(2));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
if (command.help) {
  console.log(USAGE);
  process.exit(0);
}

const { port, projectId, userId } = command;
const emulator = await startEmulator({ port, projectId });

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

const shutdown = () => void emulator.close().then(() => process.exit(0));
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
