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
  /** The picture (256×256), or null: initials are shown. */
  avatarUrl?: string | null;
  /** The status line others see, or null. */
  statusText?: string | null;
  /** Sign-in asks for a code from an authenticator app. */
  twoFactorEnabled?: boolean;
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
  /** The picture (256×256), or null: initials are shown. */
  avatarUrl?: string | null;
  /** The status line, or null. */
  statusText?: string | null;
}

/** The password step of a login with two-factor on: no tokens yet. */
export interface TwoFactorChallenge {
  twoFactorRequired: true;
  challenge: string;
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
  /** The message this one answers (its first 200 code points; "" once deleted). */
  replyTo?: ReplyRef | null;
  /** Users this message mentions. */
  mentions?: number[];
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

/** The quoted original of a reply. */
export interface ReplyRef {
  id: number;
  seq: number;
  senderId: number;
  body: string;
  deleted: boolean;
}

/** One hit of GET /search/messages: the message and plain text around the hit, highlights as code-point ranges. */
export interface SearchHit {
  message: Message;
  snippet: { text: string; highlights: [number, number][] };
}

/** A group member who has read up to a message ("seen by"). */
export interface Reader {
  user: PublicUser;
  readAt: string | null;
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
  /** Unread messages that mention me. */
  mentions?: number;
  muted?: boolean;
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
  /** Unread messages that mention me (in the list). */
  mentions?: number;
  muted?: boolean;
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

/** What a message.send or POST …/messages carries beside its body: the message answered and the files attached. */
export interface SendExtras {
  replyToId?: number;
  attachmentIds?: number[];
}

/** sendExtras keeps only the extras that are set, so a plain message goes out as before. */
export function sendExtras(e: SendExtras): SendExtras {
  return {
    ...(e.replyToId ? { replyToId: e.replyToId } : {}),
    ...(e.attachmentIds?.length ? { attachmentIds: e.attachmentIds } : {}),
  };
}
