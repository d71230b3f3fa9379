import { GroupRole, PaymentStatus, Plan } from '../api/models';
import { TranslationKey } from './en';

// Keys made from a value: each is checked against the dictionary, so a new plan, status or role without its
// words does not compile.

export function planKey(plan: Plan): TranslationKey {
  return `plan.${plan}`;
}

export function paymentStatusKey(status: PaymentStatus): TranslationKey {
  return `payments.st.${status}`;
}

export function groupRoleKey(role: GroupRole): TranslationKey {
  return `groups.role.${role}`;
}
