/**
 * One order's statuses reach the game once each, whichever source heard them first: the
 * order-status socket, its history after a reconnect, or Get order polled while it was quiet.
 */
import type { OrderStatusUpdate } from './order-status';

export function createStatusReporter(report: (update: OrderStatusUpdate) => void): (update: OrderStatusUpdate) => void {
  const seen = new Set<string>();
  return (update) => {
    const key = JSON.stringify([update.orderId, update.status]);
    if (seen.has(key)) return;
    seen.add(key);
    report(update);
  };
}
