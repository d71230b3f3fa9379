/** Shapes of the WorkComm REST and WebSocket contract (shared/API.md). */

export type Role = 'user' | 'admin';
export type Plan = 'free' | 'premium';

/** The signed-in user's own view (and the admin view of any user). */
export interface User {
  id: number;
  username: string;
  email: string;
  displayName: string;
  role: Role;
  plan: Plan;
  planExpiresAt: string | null;
  banned: boolean;
  createdAt: string;
}

/** How other users see someone: never an email. */
export interface PublicUser {
  id: number;
  username: string;
  displayName: string;
  online?: boolean;
  lastSeenAt?: string | null;
  /** The account was deleted: still shown where its history is (a private conversation), never online. */
  deleted?: boolean;
}

export interface AuthResponse {
  user: User;
  accessToken: string;
  refreshToken?: string;
  expiresIn: number;
}

export type ConversationType = 'private' | 'group';

export interface ConversationRef {
  type: ConversationType;
  id: number;
}

export interface Message {
  id: number;
  conversation: ConversationRef;
  seq: number;
  senderId: number;
  body: string;
  clientMsgId: string | null;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
  /** Emoji on the message, in the order first used; `me` is the viewer's own. Absent from older servers. */
  reactions?: Reaction[];
  /** Files of the message, with signed links valid 10 to 15 minutes. */
  attachments?: Attachment[];
}

/** One emoji of a message's reaction bar. */
export interface Reaction {
  emoji: string;
  count: number;
  me: boolean;
}

/** An uploaded file (POST /attachments, and in message views). */
export interface Attachment {
  id: number;
  name: string;
  size: number;
  contentType: string;
  width: number | null;
  height: number | null;
  /** Signed link: works without a header (an <img>), for 10 to 15 minutes. */
  url: string;
  thumbnailUrl: string | null;
  createdAt: string;
}

/** reaction.added / reaction.removed. */
export interface ReactionEvent {
  messageId: number;
  conversation: ConversationRef;
  userId: number;
  emoji: string;
}

export interface MessagePage {
  items: Message[];
  hasMore: boolean;
}

export interface PrivateConversation {
  peer: PublicUser;
  conversationId: number;
  lastMessage: Message | null;
  unread: number;
  lastReadSeq: number;
}

export type GroupRole = 'owner' | 'admin' | 'member';

export interface GroupMember {
  user: PublicUser;
  role: GroupRole;
  joinedAt: string;
}

export interface Group {
  id: number;
  name: string;
  description: string;
  ownerId: number;
  createdAt: string;
  members?: GroupMember[];
  unread?: number;
  lastMessage?: Message | null;
}

/** What group.updated says of a renamed group: the fields every member sees alike. */
export type GroupSettings = Pick<Group, 'id' | 'name' | 'description' | 'ownerId'>;

export interface FriendRequest {
  id: number;
  from: PublicUser;
  to: PublicUser;
  createdAt: string;
}

export interface Friend {
  user: PublicUser;
  since: string;
}

export interface FriendRequests {
  incoming: FriendRequest[];
  outgoing: FriendRequest[];
}

export type PaymentStatus = 'pending' | 'processing' | 'succeeded' | 'failed' | 'canceled';

export interface Payment {
  id: number;
  planId: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  stripePaymentIntentId: string;
  createdAt: string;
  updatedAt: string;
}

/** A payment as admins see it: whose it is too. */
export interface AdminPayment extends Payment {
  userId: number;
}

export interface PlanOffer {
  id: string;
  name: string;
  amount: number;
  currency: string;
  days: number;
}

export interface PaymentConfig {
  enabled: boolean;
  publishableKey: string;
}

export interface PaymentIntentResponse {
  payment: Payment;
  clientSecret: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface AdminStats {
  users: number;
  onlineNow: number;
  messages24h: number;
  groups: number;
  revenueCents: number;
}

export interface AuditEntry {
  id: number;
  /** null for actions made on the command line (create-admin). */
  actorId: number | null;
  action: string;
  targetType: string;
  targetId: number | string;
  requestId: string;
  before: unknown;
  after: unknown;
  createdAt: string;
}

/** The error body of every non-2xx answer. */
export interface ApiErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

/** One WebSocket frame, in either direction. */
export interface Envelope<T = unknown> {
  type: string;
  id?: string;
  data?: T;
}
