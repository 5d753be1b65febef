/** Debian's Chromium for the report's browser test and benchmark (bundled-browser downloads do not work offline). */
export const CHROMIUM = process.env.LOGFLOW_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that keep Debian's Chromium off the (closed) network and quiet in a container. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
