/**
 * Stands in for axios's fetch adapter in the builds that inline axios for pages (the IIFEs and
 * `dist/browser/`): axios picks XHR first wherever there is a page or a dedicated worker, so the
 * fetch adapter was never used there, and it weighed about 4 KB gzip. Where neither is present
 * (a service worker), axios says that no adapter is available; a game there passes `http`, its
 * own axios instance. The ESM library and the Node build keep axios whole.
 */
export const getFetch = (): null => null; // "not available in the build"
