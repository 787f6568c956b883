/** xsolla-getupdates/emulator: the local GetUpdates server (Node only). */
export { startEmulator, type Emulator, type EmulatorOptions } from './server';
export { NO_FAULTS, type AckStatus, type Faults } from './faults';
export type { EmulatedOrder, OrderStatus, PurchaseRequest } from './state';
export { DEFAULT_CATALOG, type Catalog, type CatalogEntry, type CatalogItemType } from './catalog';
export type { Money } from './money';
export type { PlayerInventory } from './inventory';
export { getUpdatesEmulator, type DevServerLike, type EmulatorVitePlugin } from './vite';
export { paidEventData, refundEventData, type Purchase, type PurchaseItem, type WebhookMode } from './payloads';
