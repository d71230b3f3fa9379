package sockets

import (
	"context"

	"github.com/gin-gonic/gin"

	"workcomm/apperr"
	"workcomm/models"
	"workcomm/services"
)

// PrivateSocket serves GET /ws/private: the user's own room, where their
// private messages, typing, read marks and friends' presence arrive.
// Conversations are named by toUserId.
func (s *Server) PrivateSocket(c *gin.Context) {
	s.accept(c, s.private, noRooms, privateReady)
}

// noRooms: the private socket is addressed by user, not by room.
func noRooms(context.Context, uint64) ([]uint64, error) { return nil, nil }

// privateReady is the first frame of a private socket: {userId}.
func privateReady(c *client, _ []uint64) []byte {
	return encodeFrame("ready", nil, struct {
		UserID uint64 `json:"userId"`
	}{c.userID})
}

// privateKey reads toUserId.
func privateKey(t target) (services.ConvKey, error) {
	if t.GroupID != 0 {
		return services.ConvKey{}, apperr.Field("groupId", "belongs on /ws/group")
	}
	if t.ToUserID == 0 {
		return services.ConvKey{}, apperr.Field("toUserId", "is required")
	}
	if t.ToUserID > models.MaxID {
		return services.ConvKey{}, apperr.New(apperr.ErrNotFound, "user not found")
	}
	return services.ConvKey{Type: models.ConvPrivate, ID: t.ToUserID}, nil
}
