/**
 * Stands in for the `centrifuge` package in builds that leave the order-status client out (the
 * core IIFE, `xsolla-getupdates.iife.js`). A client started there with `orderStatus` reports
 * this error on its `error` event and goes on polling, as it does when the socket is down.
 */
import { InvalidArgumentError } from '../errors';

export const ORDER_STATUS_LEFT_OUT =
  'orderStatus needs the order-status client, which this build leaves out: load xsolla-getupdates-push.iife.js instead';

export class Centrifuge {
  constructor() {
    throw new InvalidArgumentError(ORDER_STATUS_LEFT_OUT);
  }
}
