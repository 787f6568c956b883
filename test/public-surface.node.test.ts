/** The package's runtime exports: the surface changes only on purpose, here and in the README. */
import { describe, expect, it } from 'vitest';
import * as library from '../src';
import * as emulator from '../src/emulator';

describe('the public surface', () => {
  it('exports exactly these runtime names from xsolla-getupdates', () => {
    expect(Object.keys(library).sort()).toEqual([
      'AuthError',
      'DEFAULT_BASE_URL',
      'DEFAULT_CADENCE',
      'DEFAULT_RETENTION',
      'DEFAULT_STORE_URL',
      'GetUpdatesError',
      'HandlerError',
      'HttpError',
      'InsufficientBalanceError',
      'InvalidArgumentError',
      'OrderNotFoundError',
      'PopupBlockedError',
      'ProtocolError',
      'PurchaseInProgressError',
      'StorageError',
      'StorageFullError',
      'XSOLLA_ORDER_STATUS_URL',
      'browserSignals',
      'createGetUpdatesClient',
      'manualSignals',
      'realClock',
      'steadySignals',
    ]);
  });

  it('exports exactly these runtime names from xsolla-getupdates/emulator', () => {
    expect(Object.keys(emulator).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_CATALOG",
        "NO_FAULTS",
        "getUpdatesEmulator",
        "paidEventData",
        "refundEventData",
        "startEmulator",
      ]
    `);
  });
});
