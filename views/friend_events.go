package views

// The data of the friend frames on the private socket ("Friends in real
// time"), built by services.Friends. Each side of a friendship sees the
// other: the friend, the request, the id are always the other party's.
type (
	// FriendRequested is the data of friend.requested: the new request, to
	// its addressee.
	FriendRequested struct {
		Request FriendRequest `json:"request"`
	}
	// FriendAccepted is the data of friend.accepted: the friendship as the
	// receiving side sees it (Friend.User is the other user).
	FriendAccepted struct {
		Friend Friend `json:"friend"`
	}
	// FriendDeclined is the data of friend.declined: a pending request that
	// is gone without a friendship (declined, or withdrawn by its sender).
	FriendDeclined struct {
		RequestID uint64 `json:"requestId"`
	}
	// FriendRemoved is the data of friend.removed: the former friend's id.
	FriendRemoved struct {
		UserID uint64 `json:"userId"`
	}
)
