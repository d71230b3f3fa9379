/**
 * Build-time settings. Empty base URLs mean "same origin": the Go server serves the app, the API under
 * /api/v1 and the sockets under /ws/*.
 */
export const environment = {
  production: true,
  /** Prefix for REST calls, e.g. 'https://api.example.com'. Empty: same origin. */
  apiBaseUrl: '',
  /** Prefix for WebSocket URLs, e.g. 'wss://chat.example.com'. Empty: derived from the page origin. */
  socketBaseUrl: '',
};
