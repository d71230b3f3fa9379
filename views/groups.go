package views

import (
	"time"

	"workcomm/models"
)

// Group is a group; Members is set where the contract shows them (one group,
// group.joined), absent in the list.
type Group struct {
	ID          uint64        `json:"id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	OwnerID     uint64        `json:"ownerId"`
	CreatedAt   time.Time     `json:"createdAt"`
	Members     []GroupMember `json:"members,omitempty"`
	Unread      uint64        `json:"unread"`
	LastMessage *Message      `json:"lastMessage"`
	ConversationState
}

// GroupMember is one member of a group.
type GroupMember struct {
	User     PublicUser `json:"user"`
	Role     string     `json:"role"`
	JoinedAt time.Time  `json:"joinedAt"`
}

// NewGroup builds a group without its members, as the viewer whose read
// mark is readSeq sees it.
func NewGroup(g *models.Group, readSeq uint64, last *models.Message) Group {
	return Group{ID: g.ID, Name: g.Name, Description: g.Description, OwnerID: g.OwnerID,
		CreatedAt: g.CreatedAt.UTC(), Unread: models.Unread(g.LastSeq, readSeq), LastMessage: optionalMessage(last)}
}

// NewGroupSummary builds one line of the caller's group list.
func NewGroupSummary(s *models.GroupSummary) Group {
	return NewGroup(&s.Group, s.LastReadSeq, s.LastMessage)
}

// NewGroupMember builds a member with the member's public view.
func NewGroupMember(m *models.GroupMember, user PublicUser) GroupMember {
	return GroupMember{User: user, Role: m.Role, JoinedAt: m.JoinedAt.UTC()}
}

// WithMembers adds the members, in their order, with their public views
// (users by id; a member without one is left out).
func (g Group) WithMembers(members []models.GroupMember, users map[uint64]PublicUser) Group {
	g.Members = make([]GroupMember, 0, len(members))
	for i := range members {
		if u, ok := users[members[i].UserID]; ok {
			g.Members = append(g.Members, NewGroupMember(&members[i], u))
		}
	}
	return g
}
