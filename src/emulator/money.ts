/**
 * Real-money amounts as Xsolla writes them: decimal strings (`"4.99"`). Arithmetic is done on
 * whole minor units (BigInt), so `0.1 × 3` is `"0.30"`, never `"0.30000000000000004"`.
 */
import { EmulatorInputError } from './input';

/** An amount and its ISO 4217 currency, as in Xsolla's `price: {amount, currency}`. */
export interface Money {
  amount: string;
  currency: string;
}

const DECIMAL = /^(\d{1,12})(?:\.(\d{1,8}))?$/;

/** A decimal string (a finite non-negative number is taken as one): at most 12 digits, 8 decimals. */
export function requireAmount(value: unknown, what: string): string {
  const text = typeof value === 'number' && Number.isFinite(value) && value >= 0 ? String(value) : value;
  if (typeof text !== 'string' || !DECIMAL.test(text)) throw new EmulatorInputError(`${what} must be a decimal string such as "4.99"`);
  return text;
}

export function requireCurrency(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value)) throw new EmulatorInputError(`${what} must be a currency code such as "USD"`);
  return value;
}

/** The sum of `amount × quantity` over `terms`, written with the most decimals any term has (at least 2). */
export function total(terms: Array<{ amount: string; quantity: number }>): string {
  const places = Math.max(2, ...terms.map(({ amount }) => DECIMAL.exec(amount)![2]?.length ?? 0));
  const minor = terms.reduce((sum, { amount, quantity }) => {
    const [, whole, fraction = ''] = DECIMAL.exec(amount)!;
    return sum + BigInt(whole + fraction.padEnd(places, '0')) * BigInt(quantity);
  }, 0n);
  const digits = minor.toString().padStart(places + 1, '0');
  return `${digits.slice(0, -places)}.${digits.slice(-places)}`;
}
