package services

import (
	"context"

	"workcomm/models"
	"workcomm/views"
)

// EventUserUpdated is the private-socket frame that tells a user's friends
// and group co-members their new name, status or picture, so that no client
// needs a reload to show who is who.
const EventUserUpdated = "user.updated"

// profileChanged pushes a user's new public view to everyone who sees them in
// a list: their friends and the members of their groups (on the private
// socket, which every client keeps open). A failure is logged: the change is
// saved, and clients see it at their next load.
func (c *Core) profileChanged(ctx context.Context, userID uint64) {
	u, err := models.GetUser(ctx, c.DB, userID)
	if err != nil {
		c.Log.WarnContext(ctx, "profile change not pushed", "user_id", userID, "err", err)
		return
	}
	friends, err := models.FriendIDs(ctx, c.DB, userID)
	if err != nil {
		c.Log.WarnContext(ctx, "profile change not pushed", "user_id", userID, "err", err)
		return
	}
	coMembers, err := models.CoMemberIDs(ctx, c.DB, userID)
	if err != nil {
		c.Log.WarnContext(ctx, "profile change not pushed", "user_id", userID, "err", err)
		return
	}
	seen := map[uint64]bool{userID: true}
	var audience []uint64
	for _, id := range append(friends, coMembers...) {
		if !seen[id] {
			seen[id] = true
			audience = append(audience, id)
		}
	}
	if len(audience) == 0 {
		return
	}
	c.Publisher.Publish(ctx, Event{Socket: PrivateSocket, Users: audience, Type: EventUserUpdated,
		Data: views.UserUpdated{User: c.publicUser(ctx, u)}})
}
