/** `npm run emulator`: starts the emulator and prints its URL and a ready token. */
import { startEmulator } from './server';

const port = Number(process.env.PORT ?? 8787);
const userId = process.env.EMULATOR_USER ?? 'demo-player';
const emulator = await startEmulator({ port, projectId: Number(process.env.PROJECT_ID ?? 308077) });

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
