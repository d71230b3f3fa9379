import { InjectionToken } from '@angular/core';

/** The part of the browser WebSocket that the socket services use (a fake implements it in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code?: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A function that opens a socket to a URL. */
export type OpenSocket = (url: string) => WebSocketLike;

/** WEBSOCKET_FACTORY opens a socket; tests replace it with a fake. */
export const WEBSOCKET_FACTORY = new InjectionToken<OpenSocket>('WEBSOCKET_FACTORY', {
  providedIn: 'root',
  factory: () => (url: string) => new WebSocket(url) as unknown as WebSocketLike,
});

/** WebSocket.OPEN, spelled out so that tests need no browser WebSocket. */
export const OPEN = 1;
