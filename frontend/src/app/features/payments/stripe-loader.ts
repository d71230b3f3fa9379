import type { Stripe } from '@stripe/stripe-js';

/** How long to wait for Stripe.js before showing the payment as pending without the card form. */
export const STRIPE_LOAD_TIMEOUT_MS = 8000;

/**
 * loadStripeJs loads Stripe.js for a publishable key, or returns null when it cannot (offline, blocked).
 * The `pure` entry point loads the script only when called, not when the module is imported.
 */
export async function loadStripeJs(publishableKey: string): Promise<Stripe | null> {
  try {
    const { loadStripe } = await import('@stripe/stripe-js/pure');
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), STRIPE_LOAD_TIMEOUT_MS));
    return await Promise.race([loadStripe(publishableKey), timeout]);
  } catch {
    return null;
  }
}
