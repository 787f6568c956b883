/** xsolla-getupdates: the public surface. */
export { createGetUpdatesClient } from './client/client';
export type { GetUpdatesClient, GetUpdatesClientOptions, InventoryApi, RestoreOptions, RestoreReport, StorageReport } from './client/api';
export type {
  ClientEvents,
  ClientStatus,
  GrantedEvent,
  IgnoredEvent,
  IgnoredReason,
  PartialRefundEvent,
  RestoredEvent,
  RestoreRevokedEvent,
  RevokedEvent,
  StatusEvent,
} from './client/events';
export {
  browserSignals,
  manualSignals,
  steadySignals,
  type EnvironmentSignals,
  type ManualSignals,
  type SignalChange,
} from './schedule/signals';
export {
  AuthError,
  GetUpdatesError,
  HandlerError,
  HttpError,
  InsufficientBalanceError,
  InvalidArgumentError,
  OrderNotFoundError,
  PopupBlockedError,
  ProtocolError,
  PurchaseInProgressError,
  StorageError,
  StorageFullError,
  type StorageFailure,
} from './errors';
export { DEFAULT_RETENTION, type Retention } from './ledger/retention';
export type { GrantLine, QuarantineReason } from './events/plan';
export type { OrderStatus } from './ledger/order';
export type { PollReport } from './poll/drain';
export type { PauseReason } from './poll/loop';
export { DEFAULT_CADENCE, type Cadence, type CadenceOptions } from './schedule/cadence';
export { realClock, type Clock } from './schedule/clock';
export { XSOLLA_ORDER_STATUS_URL, type OrderStatusOptions, type OrderStatusUpdate } from './push/order-status';
export type { EventOutcome, EventRecord, Order } from './ledger/records';
export { DEFAULT_BASE_URL } from './transport/http';
export { DEFAULT_STORE_URL } from './transport/store-api';
export type { RestoreLine } from './ledger/restored';
export type { RestoreSkipReason, SkippedItem } from './restore/plan';
export type { TokenInput } from './transport/token';
export type { PayStationView, PurchaseOptions, PurchaseOutcome, PurchaseStatus } from './purchase/purchase';
export type { CatalogItem } from './purchase/catalog';
