package sockets

import (
	"github.com/gin-gonic/gin"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/services"
)

// GroupSocket serves GET /ws/group: a room per group the user is in, kept in
// step with membership (group.joined, group.left). Conversations are named by
// groupId.
func (s *Server) GroupSocket(c *gin.Context) {
	s.accept(c, s.group, s.svc.GroupIDsOf, groupReady)
}

// groupReady is the first frame of a group socket: {userId, groups}, the
// rooms it has joined.
func groupReady(c *client, rooms []uint64) []byte {
	return encodeFrame("ready", nil, struct {
		UserID uint64   `json:"userId"`
		Groups []uint64 `json:"groups"`
	}{c.userID, rooms})
}

// groupKey reads groupId.
func groupKey(t target) (services.ConvKey, error) {
	if t.ToUserID != 0 {
		return services.ConvKey{}, apperr.Field("toUserId", "belongs on /ws/private")
	}
	if t.GroupID == 0 {
		return services.ConvKey{}, apperr.Field("groupId", "is required")
	}
	if t.GroupID > models.MaxID {
		return services.ConvKey{}, apperr.New(apperr.ErrNotFound, "group not found")
	}
	return services.ConvKey{Type: models.ConvGroup, ID: t.GroupID}, nil
}
