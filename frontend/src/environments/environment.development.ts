/** Development settings: `ng serve` proxies /api and /ws to the Go server (see proxy.conf.json). */
export const environment = {
  production: false,
  apiBaseUrl: '',
  socketBaseUrl: '',
};
