import { resolve } from 'node:path';
import { startDemo } from '../e2e/harness';
const demo = await startDemo();
const page = await demo.browser.newPage();
await page.goto(`${demo.origin}/?user=bench-page`);
const module = `/@fs${resolve('test/bench/browser.ts')}`;
for (let i = 0; i < 2; i++) console.log(await page.evaluate(`import('${module}').then((m) => m.drainInBrowser(1000, 'r${i}-' + Date.now()))`));
await demo.close();
