package views

import "time"

// The data of the frames pushed to sockets (the contract's server-to-client
// frames), built by the services that publish them.
type (
	// MessageEvent is the data of message.new, message.updated,
	// message.deleted and of a send's ack.
	MessageEvent struct {
		Message Message `json:"message"`
	}
	// Typing is the data of typing: toUserId on the private socket, groupId
	// on the group socket.
	Typing struct {
		UserID   uint64 `json:"userId"`
		ToUserID uint64 `json:"toUserId,omitempty"`
		GroupID  uint64 `json:"groupId,omitempty"`
	}
	// ReadMark is the data of read: the mark userId now has in the conversation.
	ReadMark struct {
		UserID       uint64          `json:"userId"`
		Conversation ConversationRef `json:"conversation"`
		Seq          uint64          `json:"seq"`
	}
	// Presence is the data of presence.
	Presence struct {
		UserID     uint64     `json:"userId"`
		Status     string     `json:"status"` // online or offline
		LastSeenAt *time.Time `json:"lastSeenAt"`
	}
	// GroupJoined is the data of group.joined: the group as the member sees it.
	GroupJoined struct {
		Group Group `json:"group"`
	}
	// GroupLeft is the data of group.left.
	GroupLeft struct {
		GroupID uint64 `json:"groupId"`
	}
)

// NewPresence builds a user's presence.
func NewPresence(userID uint64, online bool, lastSeen *time.Time) Presence {
	status := "offline"
	if online {
		status = "online"
	}
	return Presence{UserID: userID, Status: status, LastSeenAt: utc(lastSeen)}
}
