/**
 * The HTML of the emulator's Pay Station: the order's items and price, and the buttons Pay,
 * Pay later and Decline. Self-contained (no external resources) and served with a CSP that lets
 * only its own nonce'd style and script run.
 *
 * Its script tells the window that opened it (or the page that frames it) what happens, as
 * Xsolla's Pay Station does: JSON strings `{"command": "status", "data": {"paymentInfo":
 * {"status", "invoice"}}}` when a payment succeeds (`done`) or a card is declined
 * (`troubled`: no public source names Xsolla's word for it, so a host must treat any status but
 * `done` as "not paid yet"), and `{"command": "close", "data": {}}` when the buyer leaves (Pay
 * later, Close, or the window closing).
 */
import type { Money } from './money';

/** A line the buyer pays for, with what it holds when it is a bundle or a currency package. */
export interface PageLine {
  name: string;
  quantity: number;
  /** Its share of the price; null for a free line. */
  amount: string | null;
  contents: Array<{ name: string; quantity: number }>;
}

const STYLE = `
body { font: 16px/1.4 system-ui, sans-serif; margin: 0; background: #eef0f4; color: #1d2330; }
main { max-width: 26rem; margin: 2rem auto; background: #fff; border-radius: 12px; padding: 1.5rem; box-shadow: 0 2px 12px #0002; }
h1 { font-size: 1.2rem; margin: 0 0 1rem; } .badge { font-size: .75rem; background: #ffd166; border-radius: 4px; padding: .1rem .4rem; }
table { width: 100%; border-collapse: collapse; } td { padding: .35rem 0; vertical-align: top; } td.price { text-align: right; white-space: nowrap; }
ul { margin: .2rem 0 0; padding-left: 1.2rem; font-size: .85rem; color: #566; } tfoot td { border-top: 1px solid #ccd; font-weight: 600; }
[hidden] { display: none !important; } .actions { display: flex; gap: .5rem; margin-top: 1.2rem; } button { flex: 1; font: inherit; padding: .6rem; border-radius: 8px; border: 1px solid #99a; background: #fff; cursor: pointer; }
button#pay, button#close { background: #ff005b; border-color: #ff005b; color: #fff; } button:disabled { opacity: .5; cursor: default; }
#message { min-height: 1.4em; margin: 1rem 0 0; font-weight: 600; }`;

const SCRIPT = `(() => {
  const token = new URLSearchParams(location.search).get('token');
  const host = window.opener || (window.parent !== window ? window.parent : null);
  // '*' as Xsolla's Pay Station does: the page cannot know its host's origin, the messages carry
  // nothing secret, and the host tells them apart by event.source.
  const tell = (command, data) => host && host.postMessage(JSON.stringify({ command, data }), '*');
  const $ = (id) => document.getElementById(id);
  const buttons = ['pay', 'later', 'decline'].map($);
  const say = (text) => { $('message').textContent = text; };
  let left = false;
  const leave = () => { if (!left) { left = true; tell('close', {}); } };
  async function act(action) {
    buttons.forEach((button) => { button.disabled = true; });
    try {
      const response = await fetch(action, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error((body.error && body.error.description) || 'HTTP ' + response.status);
      tell('status', body);
      return body;
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  }
  const failed = (error) => say('Payment failed: ' + error.message);
  $('pay').addEventListener('click', () => act('pay').then(() => {
    say('Payment successful');
    $('actions').hidden = true;
    $('done').hidden = false;
  }, failed));
  $('decline').addEventListener('click', () => act('decline').then(() => say('Payment declined: the card was refused and nothing was charged. You can try again.'), failed));
  for (const id of ['later', 'close']) $(id).addEventListener('click', () => { leave(); window.close(); });
  addEventListener('pagehide', leave);
  addEventListener('beforeunload', leave);
})();`;

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const money = (amount: string, currency: string) => `${escape(amount)} ${escape(currency)}`;

/** The response headers of a page; `scripted` lets the page's own script run and call home. */
export function pageHeaders(nonce: string, scripted: boolean): Record<string, string> {
  const script = scripted ? ` script-src 'nonce-${nonce}'; connect-src 'self';` : '';
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': `default-src 'none'; style-src 'nonce-${nonce}';${script} base-uri 'none'; form-action 'none'`,
    'Cache-Control': 'no-store',
    // The token is in the page's URL: it stays out of any request the page makes.
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  };
}

function htmlDocument(title: string, nonce: string, body: string, script = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
${script && `<script nonce="${nonce}">${script}</script>`}
</body>
</html>
`;
}

/** The checkout of an unpaid order. */
export function payStationPage({
  lines,
  price,
  sandbox,
  nonce,
}: {
  lines: PageLine[];
  price: Money;
  sandbox: boolean;
  nonce: string;
}): string {
  const rows = lines
    .map(({ name, quantity, amount, contents }) => {
      const held = contents.map((part) => `<li>${escape(part.name)} × ${part.quantity}</li>`).join('');
      return `<tr><td>${escape(name)} × ${quantity}${held && `<ul>${held}</ul>`}</td><td class="price">${
        amount === null ? 'Free' : money(amount, price.currency)
      }</td></tr>`;
    })
    .join('\n');
  const body = `<h1>Pay Station <span class="badge">emulator${sandbox ? ' · sandbox' : ''}</span></h1>
<table>
<tbody>
${rows}
</tbody>
<tfoot><tr><td>Total</td><td class="price" id="total">${money(price.amount, price.currency)}</td></tr></tfoot>
</table>
<div class="actions" id="actions">
<button type="button" id="pay">Pay</button>
<button type="button" id="later">Pay later</button>
<button type="button" id="decline">Decline</button>
</div>
<div class="actions" id="done" hidden><button type="button" id="close">Close</button></div>
<p id="message" role="status" aria-live="polite"></p>`;
  return htmlDocument('Pay Station (emulator)', nonce, body, SCRIPT);
}

/** What an unknown or used token opens instead: no buttons, no script. */
export function payStationErrorPage({ title, message, nonce }: { title: string; message: string; nonce: string }): string {
  return htmlDocument(title, nonce, `<h1>${escape(title)}</h1>\n<p>${escape(message)}</p>`);
}
